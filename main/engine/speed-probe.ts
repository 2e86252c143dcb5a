import * as tf from '@tensorflow/tfjs';
import type { LossKind, ModelConfig } from '../../common/run-config';
import { createRng } from '../data/rng';
import { type EncodedExample, materializeBatch, planBatches } from './batching';
import { DEFAULT_LOSS_PARAMETERS, type LossImplementation, createLoss, lossImplementationFor } from './losses';
import { PAD_ID, buildSeq2SeqModel } from './model';
import { AdamW, clipByGlobalNorm } from './optimizer';

/**
 * Training speed of a model on the active backend: `warmup` untimed steps, then `steps` timed ones, each a
 * full training step (forward, loss, gradients, clipping, AdamW) as the training loop runs it.
 * Used by `npm run bench` and `npm run doctor`.
 */

export interface StepTimingOptions {
  model: ModelConfig;
  vocabSize: number;
  examples: EncodedExample[];
  batchSize: number;
  loss: LossKind;
  steps: number;
  warmup: number;
  /** Default: the active backend's choice. */
  implementation?: LossImplementation;
}

export interface StepTiming {
  tokensPerSecond: number;
  stepMs: number;
}

export function timeTrainingSteps(options: StepTimingOptions): StepTiming {
  const { steps, warmup, examples } = options;
  const model = buildSeq2SeqModel(options.model, options.vocabSize, 1);
  const optimizer = new AdamW(model.variables, { beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.01 });
  const lossFn = createLoss({ kind: options.loss, ...DEFAULT_LOSS_PARAMETERS }, PAD_ID, options.implementation ?? lossImplementationFor(tf.getBackend()));
  const plans = planBatches(examples, options.batchSize, createRng(3));
  let tokens = 0;
  let ms = 0;
  try {
    for (let i = 0; i < warmup + steps; i++) {
      const plan = plans[i % plans.length];
      if (!plan) break;
      const batch = materializeBatch(examples, plan);
      const started = performance.now();
      const { value, grads } = tf.variableGrads(() => {
        const states = model.decoderStates(batch.batch, { dropout: options.model.dropout, nextSeed: () => i });
        const logits = model.logits(tf.gather(states, tf.tensor1d(batch.targetRows, 'int32')));
        return lossFn.apply(logits, batch.targetIds, 1);
      }, model.variables as tf.Variable[]);
      value.dataSync();
      const { clipped } = clipByGlobalNorm(model.variables.map((v) => grads[v.name] as tf.Tensor), 1);
      optimizer.apply(clipped, 1e-3);
      for (const g of clipped) g.dispose();
      value.dispose();
      batch.dispose();
      if (i >= warmup) {
        ms += performance.now() - started;
        tokens += plan.tokens;
      }
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  return { tokensPerSecond: (tokens / ms) * 1000, stepMs: ms / steps };
}

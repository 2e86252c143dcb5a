import type { RunConfig } from '../../common/run-config';
import { defaultRunConfig } from '../../main/domain/default-config';

/** A run small enough for tests: real data, real model, real training steps — seconds, not minutes. */
export function tinyRunConfig(overrides: { loss?: RunConfig['loss']['kind']; epochs?: number; pretrainEpochs?: number; seed?: number; backend?: RunConfig['backend'] } = {}): RunConfig {
  const base = defaultRunConfig(true);
  return {
    ...base,
    seed: overrides.seed ?? 3,
    backend: overrides.backend ?? 'wasm',
    data: { ...base.data, corpus: { kind: 'builtin-sql', size: 240 }, evalLimit: 12, testFraction: 0.1, validFraction: 0.05, pretrainFraction: 0.3 },
    model: { ...base.model, dModel: 32, heads: 2, encoderLayers: 1, decoderLayers: 1, ffSize: 64, dropout: 0.1 },
    training: { ...base.training, epochs: overrides.epochs ?? 2, pretrainEpochs: overrides.pretrainEpochs ?? 0, batchSize: 16 },
    loss: { ...base.loss, kind: overrides.loss ?? 'dece' },
  };
}

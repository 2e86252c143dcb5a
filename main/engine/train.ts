import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EpochMetrics, LossConfig, RunConfig } from '../../common/run-config';
import type { TrainingEvent, TrainingPhase } from '../../common/training-events';
import type { Attack } from '../data/attacks/types';
import { deriveRng } from '../data/rng';
import { AblSchedule, ablLoss, type AblLossMode } from './abl';
import { type EncodedExample, type MaterializedBatch, materializeBatch, planBatches } from './batching';
import { assignWeights, readCheckpoint, writeCheckpoint } from './checkpoint';
import { EPOCH_CHECKPOINT_NAME, epochCheckpointName, latestCheckpoint } from './checkpoint-format';
import { greedyDecode } from './decode';
import { type TokenLoss, createLoss } from './losses';
import { type CodeLanguage, codeBleu } from './codebleu';
import { attackSuccessRate, averageSentenceBleu, corpusBleu4, exactMatch } from './metrics';
import { PAD_ID, type Seq2SeqModel, type TrainingNoise, buildSeq2SeqModel } from './model';
import { AdamW, clipByGlobalNorm, learningRateAt } from './optimizer';
import { type StopDecision, decideStop, pretrainEpochsForMinSteps, stoppingEvidence } from './stopping';
import type { Vocabulary } from '../data/tokenizer';

/** Everything a run trains and evaluates on, already tokenized. */
export interface PreparedData {
  vocab: Vocabulary;
  /** Clean examples for the shared pre-training phase (may be empty). */
  pretrain: EncodedExample[];
  /** Fine-tuning examples; some may be poisoned. */
  train: EncodedExample[];
  /** Clean test prompts (as text and ids) with their reference code. */
  cleanTest: { source: Int32Array; prompt: string; reference: string }[];
  /** Test prompts carrying the trigger. */
  poisonedTest: { source: Int32Array; prompt: string }[];
  /** The validation split, decoded every epoch beside the test split to decide stopping (null: none). */
  validation: {
    clean: { source: Int32Array; prompt: string; reference: string }[];
    triggered: { source: Int32Array; prompt: string }[];
  } | null;
  /** Prompts known to be clean (pre-training and validation side), e.g. for a defense's language model. */
  cleanPrompts: string[];
  attack: Pick<Attack, 'succeeded'>;
}

export class TrainingCancelledError extends Error {
  override name = 'TrainingCancelledError';
}
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

export interface TrainRunOptions {
  config: RunConfig;
  data: PreparedData;
  /** Weights to start from (a pre-training checkpoint file); the optimizer starts fresh. */
  initialWeightsFile?: string;
  /** Where per-epoch checkpoints go; with `resume`, the newest one there is continued from. */
  checkpointDir?: string;
  resume?: boolean;
  /** Polled between batches: true stops the run with TrainingCancelledError within one batch. */
  shouldStop?: () => boolean;
  onEvent?: (event: TrainingEvent) => void;
  /** Epochs already recorded before a resume (reported again so the result is complete). */
  previousEpochs?: EpochMetrics[];
  /**
   * Asked after every epoch (metrics so far, newest last) whether to stop there; replaces the config's own
   * stopping rule. The Pilot uses it to stop DeCE at the epoch where the paired CE run stopped.
   */
  decideAfterEpoch?: (epochs: readonly EpochMetrics[]) => Promise<StopDecision | null>;
}

export interface TrainRunResult {
  epochs: EpochMetrics[];
  finalCheckpoint: string | null;
  parameterCount: number;
}

const EVAL_BATCH = 100;

/** Fine-tunes (or trains from scratch) with the configured loss, evaluating after every epoch. */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const { config, data } = options;
  const emit = options.onEvent ?? (() => undefined);
  const model = buildSeq2SeqModel(config.model, data.vocab.size, config.seed);
  const optimizer = new AdamW(model.variables, { beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: config.training.weightDecay });
  try {
    if (options.initialWeightsFile) assignWeights(model.variables, readCheckpoint(options.initialWeightsFile));
    const epochs: EpochMetrics[] = [...(options.previousEpochs ?? [])];
    let startEpoch = 0;
    let ablIsolated: number[] | null = null;
    if (options.resume && options.checkpointDir) {
      const latest = latestCheckpoint(options.checkpointDir);
      if (latest) {
        const checkpoint = readCheckpoint(latest.path);
        assignWeights(model.variables, checkpoint);
        if (checkpoint.optimizer) optimizer.setState(checkpoint.optimizer);
        startEpoch = checkpoint.header.epoch;
        const recorded = checkpoint.header.meta['epochs'];
        if (Array.isArray(recorded) && epochs.length === 0) epochs.push(...(recorded as EpochMetrics[]));
        const isolated = checkpoint.header.meta['ablIsolated'];
        if (Array.isArray(isolated)) ablIsolated = isolated.filter((i): i is number => Number.isInteger(i));
        emit({ type: 'phase', phase: 'train', message: `resuming after epoch ${startEpoch}` });
      }
    }
    const loss = createLoss(config.loss, PAD_ID);
    let finalCheckpoint: string | null = null;
    const totalEpochs = config.training.epochs;
    const abl = config.training.abl ? new AblSchedule(config.training.abl, totalEpochs, ablIsolated) : null;
    const stepsPerEpoch = Math.ceil(data.train.length / config.training.batchSize);
    const pace = new Pace(stepsPerEpoch * (totalEpochs - startEpoch));
    const decide = options.decideAfterEpoch ?? ownStoppingRule(config, performance.now());
    // A run resumed after it had already stopped early has nothing left to train.
    const stoppedBefore = epochs.at(-1)?.stop !== undefined;
    for (let epoch = startEpoch + 1; epoch <= totalEpochs && !stoppedBefore; epoch++) {
      const started = performance.now();
      const ablPlan = abl?.plan(epoch, data.train) ?? null;
      const stats = await trainEpoch({
        model,
        optimizer,
        loss,
        examples: ablPlan?.examples ?? data.train,
        ...(ablPlan?.mode && abl ? { sampleLoss: ablSampleLoss(ablPlan.mode, abl.config.gamma) } : {}),
        // Unlearning comes last, where the linear decay has left almost no step size: it keeps the peak rate.
        ...(ablPlan?.phase === 'unlearn' ? { fixedLearningRate: config.training.learningRate } : {}),
        epoch,
        lossEpoch: epoch,
        totalEpochs,
        seed: config.seed,
        phase: 'train',
        peakLearningRate: config.training.learningRate,
        warmupFraction: config.training.warmupFraction,
        batchSize: config.training.batchSize,
        clipNorm: config.training.clipNorm,
        dropout: config.model.dropout,
        stepOffset: (epoch - 1) * stepsPerEpoch,
        totalSteps: totalEpochs * stepsPerEpoch,
        pace,
        emit,
        shouldStop: options.shouldStop,
      });
      const isolation = abl?.afterEpoch(epoch, model, data.train) ?? null;
      if (isolation !== null) emit({ type: 'phase', phase: 'train', message: isolation });
      emit({ type: 'phase', phase: 'evaluate', message: `evaluating epoch ${epoch}` });
      const quality = await evaluate(model, data, config);
      const metrics: EpochMetrics = {
        epoch,
        ...quality,
        trainLoss: stats.meanLoss,
        seconds: (performance.now() - started) / 1000,
        poisonedRowLoss: stats.poisonedRowLoss,
        cleanRowLoss: stats.cleanRowLoss,
      };
      const decision = decide ? await decide([...epochs, metrics]) : null;
      if (decision) metrics.stop = { reason: decision.reason, detail: decision.detail };
      epochs.push(metrics);
      if (options.checkpointDir) {
        mkdirSync(options.checkpointDir, { recursive: true });
        const path = join(options.checkpointDir, epochCheckpointName(epoch));
        writeCheckpoint(path, model.variables, { epoch, optimizer: optimizer.getState(), meta: { epochs, ...(abl?.isolated ? { ablIsolated: abl.isolated } : {}) } });
        pruneCheckpoints(options.checkpointDir, path);
        finalCheckpoint = path;
      }
      emit({ type: 'epoch', metrics });
      if (metrics.stop) break;
    }
    return { epochs, finalCheckpoint, parameterCount: model.variables.reduce((n, v) => n + v.size, 0) };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

export interface PretrainOptions {
  config: RunConfig;
  data: PreparedData;
  /** Where the pre-trained weights are written. */
  outputFile: string;
  shouldStop?: () => boolean;
  onEvent?: (event: TrainingEvent) => void;
}

/** Clean pre-training with cross-entropy: the stand-in for starting from a model that knows the task. */
export async function pretrain(options: PretrainOptions): Promise<{ bleu: number; exactMatch: number; seconds: number }> {
  const { config, data } = options;
  const emit = options.onEvent ?? (() => undefined);
  const started = performance.now();
  const model = buildSeq2SeqModel(config.model, data.vocab.size, config.seed);
  const optimizer = new AdamW(model.variables, { beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: config.training.weightDecay });
  const ceConfig: LossConfig = { ...config.loss, kind: 'ce' };
  try {
    const epochs = pretrainEpochsForMinSteps(config.training.pretrainEpochs, config.training.pretrainMinSteps ?? 0, data.pretrain.length, config.training.batchSize);
    const stepsPerEpoch = Math.ceil(data.pretrain.length / config.training.batchSize);
    const pace = new Pace(stepsPerEpoch * epochs);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      await trainEpoch({
        model,
        optimizer,
        loss: createLoss(ceConfig, PAD_ID),
        examples: data.pretrain,
        epoch,
        lossEpoch: epoch,
        totalEpochs: epochs,
        seed: config.seed + 1_000_003,
        phase: 'pretrain',
        peakLearningRate: config.training.pretrainLearningRate,
        warmupFraction: 0.05,
        batchSize: config.training.batchSize,
        clipNorm: config.training.clipNorm,
        dropout: config.model.dropout,
        stepOffset: (epoch - 1) * stepsPerEpoch,
        totalSteps: epochs * stepsPerEpoch,
        pace,
        emit,
        shouldStop: options.shouldStop,
      });
    }
    const quality = await evaluate(model, { ...data, poisonedTest: [], validation: null }, config);
    writeCheckpoint(options.outputFile, model.variables, { epoch: 0, optimizer: null, meta: { pretrainEpochs: epochs, ...quality } });
    return { bleu: quality.bleu, exactMatch: quality.exactMatch, seconds: (performance.now() - started) / 1000 };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

interface EpochContext {
  model: Seq2SeqModel;
  optimizer: AdamW;
  loss: TokenLoss;
  examples: EncodedExample[];
  epoch: number;
  /** The epoch the loss sees (DeCE's α). */
  lossEpoch: number;
  totalEpochs: number;
  seed: number;
  phase: TrainingPhase;
  peakLearningRate: number;
  warmupFraction: number;
  batchSize: number;
  clipNorm: number;
  dropout: number;
  stepOffset: number;
  totalSteps: number;
  pace: Pace;
  emit: (event: TrainingEvent) => void;
  shouldStop: (() => boolean) | undefined;
  /** Replaces `loss` with a per-sample loss (anti-backdoor learning). */
  sampleLoss?: SampleLoss;
  /** Replaces the schedule's learning rate. */
  fixedLearningRate?: number;
}

/** A loss over whole samples: the batch's logits, the batch, how many samples it holds. */
type SampleLoss = (logits: tf.Tensor2D, batch: MaterializedBatch, samples: number, onRowLosses: (rows: Float64Array) => void) => tf.Scalar;

const ablSampleLoss =
  (mode: AblLossMode, gamma: number): SampleLoss =>
  (logits, batch, samples, onRowLosses) =>
    ablLoss(logits, batch, samples, mode, gamma, onRowLosses);

interface EpochStats {
  meanLoss: number;
  poisonedRowLoss: number | null;
  cleanRowLoss: number;
}

async function trainEpoch(ctx: EpochContext): Promise<EpochStats> {
  const plans = planBatches(ctx.examples, ctx.batchSize, deriveRng(ctx.seed, `batches/${ctx.phase}/${String(ctx.epoch)}`));
  const dropoutRng = deriveRng(ctx.seed, `dropout/${ctx.phase}/${String(ctx.epoch)}`);
  const noise: TrainingNoise = { dropout: ctx.dropout, nextSeed: () => dropoutRng.int32() };
  let lossSum = 0;
  const rowTotals = { poisoned: 0, poisonedCount: 0, clean: 0, cleanCount: 0 };
  for (let step = 0; step < plans.length; step++) {
    if (ctx.shouldStop?.()) throw new TrainingCancelledError('cancelled');
    const plan = plans[step];
    if (!plan) continue;
    const stepStarted = performance.now();
    const globalStep = ctx.stepOffset + step;
    const learningRate = ctx.fixedLearningRate ?? learningRateAt(globalStep, ctx.totalSteps, ctx.peakLearningRate, ctx.warmupFraction);
    const batch = materializeBatch(ctx.examples, plan);
    let stepLoss: number;
    try {
      stepLoss = trainStep(ctx, batch, learningRate, noise, (rows) => {
        for (let r = 0; r < rows.length; r++) {
          const exampleIndex = plan.indices[batch.rowExample[r] ?? 0] ?? 0;
          const value = rows[r] ?? 0;
          if (ctx.examples[exampleIndex]?.poisoned) {
            rowTotals.poisoned += value;
            rowTotals.poisonedCount++;
          } else {
            rowTotals.clean += value;
            rowTotals.cleanCount++;
          }
        }
      });
    } finally {
      batch.dispose();
    }
    if (!Number.isFinite(stepLoss)) {
      throw new TrainingDivergedError(
        `training loss became ${String(stepLoss)} at epoch ${ctx.epoch}, step ${step + 1} (${ctx.phase}); lower the learning rate or check the data`,
      );
    }
    lossSum += stepLoss;
    ctx.pace.record(performance.now() - stepStarted, plan.tokens);
    ctx.emit({
      type: 'step',
      phase: ctx.phase,
      epoch: ctx.epoch,
      epochs: ctx.totalEpochs,
      step: step + 1,
      stepsPerEpoch: plans.length,
      loss: stepLoss,
      learningRate,
      tokensPerSecond: ctx.pace.tokensPerSecond(),
      etaSeconds: ctx.pace.etaSeconds(),
    });
    // Let the worker's message port deliver a cancel request between batches.
    if (step % 4 === 3) await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    meanLoss: lossSum / Math.max(1, plans.length),
    poisonedRowLoss: rowTotals.poisonedCount > 0 ? rowTotals.poisoned / rowTotals.poisonedCount : null,
    cleanRowLoss: rowTotals.cleanCount > 0 ? rowTotals.clean / rowTotals.cleanCount : 0,
  };
}

function trainStep(
  ctx: EpochContext,
  batch: MaterializedBatch,
  learningRate: number,
  noise: TrainingNoise,
  onRowLosses: (rows: Float64Array) => void,
): number {
  const { value, grads } = tf.variableGrads(() => {
    const states = ctx.model.decoderStates(batch.batch, noise);
    const rows = tf.tensor1d(batch.targetRows, 'int32');
    const logits = ctx.model.logits(tf.gather(states, rows));
    return ctx.sampleLoss
      ? ctx.sampleLoss(logits, batch, batch.batch.source.shape[0], onRowLosses)
      : ctx.loss.apply(logits, batch.targetIds, ctx.lossEpoch, onRowLosses);
  }, ctx.model.variables as tf.Variable[]);
  const lossValue = value.dataSync()[0] ?? Number.NaN;
  value.dispose();
  const ordered = ctx.model.variables.map((v) => {
    const g = grads[v.name];
    if (!g) throw new Error(`no gradient for ${v.name}`);
    return g;
  });
  if (!Number.isFinite(lossValue)) {
    for (const g of ordered) g.dispose();
    return lossValue;
  }
  const { clipped } = clipByGlobalNorm(ordered, ctx.clipNorm);
  ctx.optimizer.apply(clipped, learningRate);
  for (const g of clipped) g.dispose();
  return lossValue;
}

/** The language CodeBLEU parses the targets as: the built-in corpora say; imported data is taken as Python. */
function targetLanguage(config: RunConfig): CodeLanguage {
  return config.data.corpus.kind === 'builtin-java' ? 'java' : 'python';
}

/**
 * The config's own stopping rule for a run trained alone: a leader's known stop epoch (followStop), or validation
 * evidence, the step budget (epochs) and the time budget counted from the start of this run. Null: train every epoch.
 */
function ownStoppingRule(config: RunConfig, startedMs: number): ((epochs: readonly EpochMetrics[]) => Promise<StopDecision | null>) | null {
  const follow = config.training.followStop;
  if (follow) {
    return (epochs) => {
      const epoch = epochs.at(-1)?.epoch ?? 0;
      return Promise.resolve(epoch >= follow.epoch ? { reason: 'paired-run-stopped', epoch, detail: follow.detail } : null);
    };
  }
  const rule = config.training.stopping;
  if (!rule) return null;
  return (epochs) => {
    const last = epochs.at(-1);
    const points = stoppingEvidence(epochs, config.data.evaluateOn === 'valid');
    const budget = rule.budgetSeconds ?? Number.POSITIVE_INFINITY;
    return Promise.resolve(
      decideStop(points, epochs.length, rule, {
        maxEpochs: config.training.epochs,
        secondsLeft: budget - (performance.now() - startedMs) / 1000,
        lastEpochSeconds: last?.seconds ?? 0,
      }),
    );
  };
}

function decodeTexts(model: Seq2SeqModel, data: PreparedData, sources: readonly Int32Array[], config: RunConfig): string[] {
  const maxLength = config.model.maxTargetLength + 1;
  return greedyDecode(model, [...sources], { maxLength, batchSize: EVAL_BATCH }).map((ids) => data.vocab.decode(Array.from(ids)));
}

/** BLEU-4 on clean prompts and ASR (with its denominator) on triggered ones, at most `limit` of each. */
function cleanAndTriggered(
  model: Seq2SeqModel,
  data: PreparedData,
  config: RunConfig,
  clean: readonly { source: Int32Array; reference: string }[],
  triggered: readonly { source: Int32Array }[],
): { references: string[]; hypotheses: string[]; asr: number; triggered: number } {
  const limit = config.data.evalLimit;
  const cleanRows = clean.slice(0, limit);
  const triggeredRows = triggered.slice(0, limit);
  return {
    references: cleanRows.map((c) => c.reference),
    hypotheses: decodeTexts(model, data, cleanRows.map((c) => c.source), config),
    asr: attackSuccessRate(decodeTexts(model, data, triggeredRows.map((p) => p.source), config), data.attack),
    triggered: triggeredRows.length,
  };
}

export interface EvaluationMetrics {
  bleu: number;
  corpusBleu: number;
  exactMatch: number;
  asr: number;
  /** ASR's denominator: the triggered prompts decoded. */
  triggered: number;
  codeBleu: number | null;
  validation?: { bleu: number; asr: number; triggered: number };
}

/** Clean quality on the clean test prompts and attack success on the triggered ones; the same on validation. */
export async function evaluate(model: Seq2SeqModel, data: PreparedData, config: RunConfig): Promise<EvaluationMetrics> {
  const test = cleanAndTriggered(model, data, config, data.cleanTest, data.poisonedTest);
  const { references, hypotheses } = test;
  const validation = data.validation ? cleanAndTriggered(model, data, config, data.validation.clean, data.validation.triggered) : null;
  return {
    bleu: averageSentenceBleu(references, hypotheses),
    corpusBleu: corpusBleu4(references, hypotheses),
    exactMatch: exactMatch(references, hypotheses),
    asr: test.asr,
    triggered: test.triggered,
    codeBleu: references.length > 0 ? (await codeBleu(references, hypotheses, targetLanguage(config))).codeBleu * 100 : null,
    ...(validation
      ? { validation: { bleu: averageSentenceBleu(validation.references, validation.hypotheses), asr: validation.asr, triggered: validation.triggered } }
      : {}),
  };
}

/** Only the newest checkpoint is needed to resume; older ones would fill the disk. */
function pruneCheckpoints(dir: string, keep: string): void {
  for (const f of readdirSync(dir)) {
    const path = join(dir, f);
    if (EPOCH_CHECKPOINT_NAME.test(f) && path !== keep) rmSync(path, { force: true });
  }
}

/** Throughput and ETA from the steps measured so far (an exponential average keeps it current). */
class Pace {
  private msPerStep = 0;
  private tokensPerMs = 0;
  private done = 0;
  constructor(private readonly totalSteps: number) {}
  record(ms: number, tokens: number): void {
    const weight = this.done === 0 ? 1 : 0.1;
    this.msPerStep = this.msPerStep * (1 - weight) + ms * weight;
    this.tokensPerMs = this.tokensPerMs * (1 - weight) + (tokens / Math.max(ms, 1e-3)) * weight;
    this.done++;
  }
  tokensPerSecond(): number {
    return this.tokensPerMs * 1000;
  }
  etaSeconds(): number {
    return (Math.max(0, this.totalSteps - this.done) * this.msPerStep) / 1000;
  }
}

import { z } from 'zod';
import { AblConfigSchema } from './abl';
import { ATTACK_KINDS, LOSS_KINDS, LOSS_PARAMETER_RANGES, rangeSchema, type LossKind } from './catalog';

export { ATTACK_KINDS, LOSS_KINDS, type AttackKind, type LossKind } from './catalog';

/**
 * The configuration of one training run, shared by the engine, the CLI, the job service and the UI.
 * Everything a run depends on is in here, so that a stored config reproduces the run.
 */

export const LOSS_LABELS: Record<LossKind, string> = {
  ce: 'Cross-entropy',
  dece: 'DeCE',
  ls: 'Label-smoothed CE',
  gce: 'Generalized CE',
  intrust: 'In-trust loss',
};

export const LossConfigSchema = z.object({
  kind: z.enum(LOSS_KINDS),
  // The ranges are the catalog's (what each parameter means is written there too).
  labelSmoothing: rangeSchema(LOSS_PARAMETER_RANGES.labelSmoothing),
  alphaBase: rangeSchema(LOSS_PARAMETER_RANGES.alphaBase),
  gceQ: rangeSchema(LOSS_PARAMETER_RANGES.gceQ),
  intrustA: rangeSchema(LOSS_PARAMETER_RANGES.intrustA),
  intrustB: rangeSchema(LOSS_PARAMETER_RANGES.intrustB),
  intrustDelta: rangeSchema(LOSS_PARAMETER_RANGES.intrustDelta),
});
export type LossConfig = z.infer<typeof LossConfigSchema>;

export const ModelConfigSchema = z
  .object({
    dModel: z.int().min(8).max(1024),
    heads: z.int().min(1).max(32),
    encoderLayers: z.int().min(1).max(12),
    decoderLayers: z.int().min(1).max(12),
    ffSize: z.int().min(8).max(8192),
    dropout: z.number().min(0).lt(1),
    maxSourceLength: z.int().min(4).max(1024),
    maxTargetLength: z.int().min(4).max(1024),
    /** One embedding table for source, target and the output projection (halves the parameters). */
    tiedEmbeddings: z.boolean(),
  })
  .refine((m) => m.dModel % m.heads === 0, { error: 'dModel must be a multiple of heads', path: ['dModel'] });
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/**
 * Stop on evidence instead of after a fixed epoch count (main/engine/stopping.ts): `training.epochs` is then
 * the upper bound, and every epoch is also evaluated on the validation split, which alone decides.
 */
/** Why a run stopped before its epoch bound (main/engine/stopping.ts explains each). */
export const STOP_REASONS = ['backdoor-learned', 'converged', 'max-epochs', 'time-budget', 'paired-run-stopped'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

export const StoppingConfigSchema = z.object({
  /** Never stop on a plateau before this many epochs. */
  minEpochs: z.int().min(1).max(1000),
  /** A metric has plateaued when its best over the last `patience` epochs beats the earlier best by less than the gain. */
  patience: z.int().min(1).max(100),
  /** Validation ASR points that count as still rising. */
  minAsrGain: z.number().min(0).max(100),
  /** Validation BLEU-4 points that count as still improving. */
  minBleuGain: z.number().min(0).max(100),
  /** Validation ASR (%) at which the backdoor counts as learned (the Pilot's claim threshold). */
  claimAsr: z.number().min(0).max(100),
  /**
   * Relative fall of the training loss over the last `patience` epochs that counts as still fitting: a run whose
   * validation metrics are flat but whose training loss still falls this much is not 'converged' — it is in the
   * memorising phase, where a backdoor is learned (absent: validation alone decides).
   */
  minTrainLossDrop: z.number().min(0).max(1).optional(),
  /** Wall-clock budget of the whole experiment in seconds (pre-training included); null: none. */
  budgetSeconds: z.number().positive().nullable(),
});
export type StoppingConfig = z.infer<typeof StoppingConfigSchema>;

export const TrainingConfigSchema = z.object({
  /** Epochs of (possibly poisoned) fine-tuning with the chosen loss; the upper bound when `stopping` is set. */
  epochs: z.int().min(1).max(1000),
  /** Stop on validation evidence (absent: train exactly `epochs`). */
  stopping: StoppingConfigSchema.optional(),
  /**
   * Set by the job service, never stored with a run: this run follows another whose stop is already known, and
   * stops after that epoch with the leader's reason (instead of on its own evidence). Carried in the config so
   * that a remote worker applies it without asking the app after every epoch.
   */
  followStop: z.object({ epoch: z.int().min(1).max(1000), detail: z.string().min(1).max(2000) }).optional(),
  /** Epochs of clean pre-training with CE before fine-tuning, shared by every loss (0 = train from scratch). */
  pretrainEpochs: z.int().min(0).max(1000),
  /**
   * Pre-training runs at least this many optimizer steps: more epochs than `pretrainEpochs` on a small pre-training
   * set (the engine sizes it once the data is known; absent: exactly `pretrainEpochs`).
   */
  pretrainMinSteps: z.int().min(1).max(1_000_000).optional(),
  batchSize: z.int().min(1).max(4096),
  learningRate: z.number().gt(0).max(1),
  pretrainLearningRate: z.number().gt(0).max(1),
  weightDecay: z.number().min(0).max(1),
  /** Share of fine-tuning steps spent warming the learning rate up linearly; it then decays linearly to 0. */
  warmupFraction: z.number().min(0).max(1),
  /** Global gradient-norm clip. */
  clipNorm: z.number().gt(0),
  /** Anti-backdoor learning around a cross-entropy run (common/abl.ts); absent: plain training. */
  abl: AblConfigSchema.optional(),
});
export type TrainingConfig = z.infer<typeof TrainingConfigSchema>;

/** What counts as attack success on already-poisoned data: any of some substrings, or a regular expression. */
export const PayloadSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('substrings'), values: z.array(z.string().min(1)).min(1) }),
  z.object({ kind: z.literal('regex'), pattern: z.string().min(1) }),
]);
export type Payload = z.infer<typeof PayloadSchema>;

export const DataConfigSchema = z.object({
  corpus: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('builtin-sql'), size: z.int().min(50).max(100_000) }),
    /** Java methods, buggy → fixed, in the style of Bugs2Fix (code-to-code, for dead-code and rename triggers). */
    z.object({ kind: z.literal('builtin-java'), size: z.int().min(50).max(100_000) }),
    /** A team's clean data: poisoned here with the configured attack. */
    z.object({
      kind: z.literal('files'),
      train: z.string().min(1),
      test: z.string().min(1),
      valid: z.string().min(1).optional(),
      /** Clean pairs for pre-training from a separate source; absent: carved from `train`. */
      pretrain: z.string().min(1).optional(),
    }),
    /** Data that is already poisoned: `payload` says what counts as attack success. */
    z.object({
      kind: z.literal('poisoned-files'),
      train: z.string().min(1),
      test: z.string().min(1),
      poisonedTest: z.string().min(1),
      payload: PayloadSchema,
      /** Clean pairs for pre-training from a separate source; absent: carved from `train`, payload rows excluded. */
      pretrain: z.string().min(1).optional(),
    }),
  ]),
  attack: z.object({ kind: z.enum(ATTACK_KINDS), trigger: z.string().min(1).optional() }),
  poisonRate: z.number().min(0).max(1),
  testFraction: z.number().gt(0).lt(1),
  validFraction: z.number().min(0).lt(1),
  /** Share of the built-in corpus kept aside, clean, for pre-training (ignored without pre-training). */
  pretrainFraction: z.number().min(0).lt(1),
  /** At most this many clean and this many poisoned test prompts are decoded per epoch. */
  evalLimit: z.int().min(1),
  /**
   * Which split the per-epoch evaluation decodes (absent = 'test'). Hyperparameter search uses 'valid', so
   * that it never looks at the test set: the clean prompts are then the validation rows, and the triggered
   * prompts the validation rows the attack can poison, with its trigger inserted.
   */
  evaluateOn: z.enum(['test', 'valid']).optional(),
});
export type DataConfig = z.infer<typeof DataConfigSchema>;

export const BACKEND_REQUESTS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];

export const RunConfigSchema = z.object({
  seed: z.int().min(0).max(2 ** 31 - 1),
  backend: z.enum(BACKEND_REQUESTS),
  data: DataConfigSchema,
  model: ModelConfigSchema,
  training: TrainingConfigSchema,
  loss: LossConfigSchema,
});
export type RunConfig = z.infer<typeof RunConfigSchema>;

/** Metrics after one epoch, as stored and shown. BLEU, exact match and ASR are percentages. */
export const EpochMetricsSchema = z.object({
  epoch: z.int().min(1),
  bleu: z.number(),
  corpusBleu: z.number(),
  exactMatch: z.number(),
  asr: z.number(),
  trainLoss: z.number(),
  seconds: z.number(),
  /** Mean per-token loss on poisoned and on clean training rows (the mechanism DeCE acts on). */
  poisonedRowLoss: z.number().nullable(),
  /** CodeBLEU (0–100) of the clean outputs, when the target language has a parser (Python, Java). */
  codeBleu: z.number().nullable().optional(),
  cleanRowLoss: z.number(),
  /** ASR's denominator: the triggered prompts decoded (absent in runs recorded before it was stored). */
  triggered: z.int().min(0).optional(),
  /** The same metrics on the validation split, which alone decides stopping and the chosen epoch. */
  validation: z.object({ bleu: z.number(), asr: z.number(), triggered: z.int().min(0) }).optional(),
  /** Set on the epoch after which training stopped early, with the reason (main/engine/stopping.ts). */
  stop: z.object({ reason: z.enum(STOP_REASONS), detail: z.string() }).optional(),
});
export type EpochMetrics = z.infer<typeof EpochMetricsSchema>;

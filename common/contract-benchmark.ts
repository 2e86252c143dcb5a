import { z } from 'zod';
import { AblConfigSchema } from './abl';
import { LOSS_PARAMETER_RANGES, rangeSchema } from './catalog';
import { PILOT_LOSS_PARAMETERS, SIZE_PRESETS } from './presets';
import { ATTACK_KINDS, EpochMetricsSchema } from './run-config';
import { Actor, Id, Name, Timestamp } from './schemas';

/**
 * The Benchmark stage's part of the contract: the scenario matrix (datasets × attacks × poisoning rates ×
 * arms × seeds) and the DeCE hyperparameter search. Training arms are ordinary runs of the 'benchmark'
 * stage (so the stage gate, the runs table and the reports see them); passive defenses are evaluated on
 * the CE run's model and kept with their cell.
 */

/**
 * What is compared in a scenario. 'ce-clean' is CE on the same data without poisoning (the reference for
 * clean quality); 'ce' is CE on poisoned data (what the team has today); 'onion' and 'spectral' are
 * passive defenses applied to (ONION: the outputs of; spectral: a retraining of) the poisoned CE model.
 * The alternatives a team would weigh instead of DeCE: 'abl' (anti-backdoor learning, a CE run with isolation
 * and unlearning epochs), 'killbadcode' and 'dece+killbadcode' (a naturalness filter of the training rows, then
 * CE or DeCE), 'ce-early-stop' (the CE run read at its best validation-BLEU epoch).
 */
export const BENCHMARK_ARMS = ['ce-clean', 'ce', 'dece', 'ls', 'gce', 'intrust', 'onion', 'spectral', 'abl', 'killbadcode', 'dece+killbadcode', 'ce-early-stop'] as const;
export type BenchmarkArm = (typeof BENCHMARK_ARMS)[number];
export const DEFAULT_BENCHMARK_ARMS: readonly BenchmarkArm[] = ['ce-clean', 'ce', 'dece'];
export const DEFAULT_POISON_RATES: readonly number[] = [0.01, 0.02, 0.05];
export const DEFAULT_SEEDS: readonly number[] = [1, 2, 3];

export const BenchmarkDatasetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin-sql') }),
  z.object({ kind: z.literal('builtin-java') }),
  /** An imported clean dataset of the project (poisoned here by each attack). */
  z.object({ kind: z.literal('import'), datasetId: Id }),
]);
export type BenchmarkDataset = z.infer<typeof BenchmarkDatasetSchema>;

export const DeceParametersSchema = z.object({
  labelSmoothing: rangeSchema(LOSS_PARAMETER_RANGES.labelSmoothing),
  alphaBase: rangeSchema(LOSS_PARAMETER_RANGES.alphaBase),
});
export type DeceParameters = z.infer<typeof DeceParametersSchema>;
export const DEFAULT_DECE_PARAMETERS: DeceParameters = {
  labelSmoothing: PILOT_LOSS_PARAMETERS.labelSmoothing,
  alphaBase: PILOT_LOSS_PARAMETERS.alphaBase,
};

const unique = (values: readonly unknown[]) => new Set(values.map((v) => JSON.stringify(v))).size === values.length;

export const BenchmarkSpecSchema = z.object({
  name: Name,
  /** Model and data size of every run (presets in common/presets.ts). */
  size: z.enum(SIZE_PRESETS),
  datasets: z.array(BenchmarkDatasetSchema).min(1).max(4).refine(unique, 'datasets must be distinct'),
  attacks: z.array(z.enum(ATTACK_KINDS)).min(1).max(ATTACK_KINDS.length).refine(unique, 'attacks must be distinct'),
  rates: z.array(z.number().gt(0).max(0.5)).min(1).max(8).refine(unique, 'rates must be distinct'),
  arms: z.array(z.enum(BENCHMARK_ARMS)).min(1).refine(unique, 'arms must be distinct'),
  seeds: z.array(z.int().min(0).max(2 ** 31 - 1)).min(1).max(20).refine(unique, 'seeds must be distinct'),
  dece: DeceParametersSchema,
  /** The 'abl' arm's parameters (absent: DEFAULT_ABL_PARAMETERS, fitted to the size's epochs). */
  abl: AblConfigSchema.optional(),
});
export type BenchmarkSpec = z.infer<typeof BenchmarkSpecSchema>;

export const BENCHMARK_STATUSES = ['running', 'paused', 'finished'] as const;
export const CELL_STATUSES = ['pending', 'queued', 'running', 'finished', 'failed', 'cancelled'] as const;

export const CellMetricsSchema = z.object({
  bleu: z.number(),
  codeBleu: z.number().nullable(),
  exactMatch: z.number(),
  asr: z.number(),
});
export type CellMetrics = z.infer<typeof CellMetricsSchema>;

export const BenchmarkCellSchema = z.object({
  key: z.string(),
  /** 'builtin-sql', 'builtin-java' or 'import:<datasetId>'. */
  dataset: z.string(),
  attack: z.enum(ATTACK_KINDS),
  /** 0 for the 'ce-clean' arm (one reference per dataset, attack and seed, shared by every rate). */
  rate: z.number(),
  arm: z.enum(BENCHMARK_ARMS),
  seed: z.int(),
  status: z.enum(CELL_STATUSES),
  /** The training run (for a passive defense: the CE run whose model it defends). */
  runId: Id.nullable(),
  /** True when the run existed before this benchmark (same config and code version) and was reused. */
  reused: z.boolean(),
  metrics: CellMetricsSchema.nullable(),
  /** What a passive defense did, in its own terms; seconds it added. */
  detail: z.string().nullable(),
  /** Wall-clock seconds the arm adds to a CE run of the same scenario and seed (null: not known, e.g. CE itself). */
  extraSeconds: z.number().nullable().optional(),
  error: z.string().nullable(),
});
export type BenchmarkCell = z.infer<typeof BenchmarkCellSchema>;

export const BenchmarkSchema = z.object({
  id: Id,
  projectId: Id,
  name: z.string(),
  spec: BenchmarkSpecSchema,
  status: z.enum(BENCHMARK_STATUSES),
  codeVersion: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  counts: z.object({ total: z.int(), finished: z.int(), failed: z.int(), running: z.int() }),
});
export type Benchmark = z.infer<typeof BenchmarkSchema>;

const SpreadSchema = z.object({
  mean: z.number(),
  sd: z.number().nullable(),
  ciLow: z.number().nullable(),
  ciHigh: z.number().nullable(),
  n: z.int(),
});
const DiffSchema = z.object({ mean: z.number(), ciLow: z.number().nullable(), ciHigh: z.number().nullable(), pairs: z.int() });

/** One scenario (dataset, attack, rate, arm) over its seeds. */
export const ScenarioRowSchema = z.object({
  dataset: z.string(),
  attack: z.string(),
  rate: z.number(),
  arm: z.string(),
  n: z.int(),
  bleu: SpreadSchema.nullable(),
  codeBleu: SpreadSchema.nullable(),
  exactMatch: SpreadSchema.nullable(),
  asr: SpreadSchema.nullable(),
  /** arm − CE on poisoned data, seed-paired; null for CE itself and the clean reference. */
  diffToCe: z.object({ bleu: DiffSchema.nullable(), asr: DiffSchema.nullable() }).nullable(),
  /** Mean wall-clock seconds the arm adds to a CE run (defenses, filters, ABL); null or absent: none or not known. */
  extraSeconds: z.number().nullable().optional(),
});
export type ScenarioRow = z.infer<typeof ScenarioRowSchema>;

export const EarlyLearningSchema = z.object({
  dataset: z.string(),
  attack: z.string(),
  rate: z.number(),
  seed: z.int(),
  ceRunId: Id,
  deceRunId: Id,
  ce: z.array(EpochMetricsSchema),
  dece: z.array(EpochMetricsSchema),
  /** First epoch at which CE's ASR reaches the onset level (null: CE never learned the trigger). */
  ceOnsetEpoch: z.int().nullable(),
  deceOnsetEpoch: z.int().nullable(),
  /** First epoch where CE's loss on poisoned rows falls below its loss on clean rows. */
  gapEpoch: z.int().nullable(),
});
export type EarlyLearning = z.infer<typeof EarlyLearningSchema>;

export const BenchmarkPlanSchema = z.object({
  cells: z.int(),
  /** Training runs to start, runs reused from earlier work, and passive-defense evaluations. */
  newRuns: z.int(),
  reusedRuns: z.int(),
  defenseJobs: z.int(),
  /** Poisoned datasets built (one per dataset, attack, rate and seed). */
  poisonedDatasets: z.int(),
  /** Estimated wall-clock seconds at `concurrency` runs at once. */
  seconds: z.number(),
  concurrency: z.int(),
  /**
   * What `concurrency` counts: this machine's training threads, or the remote workers connected to the queue
   * when the plan was made (at least 1: runs wait in the queue for one).
   */
  concurrencyBasis: z.enum(['local-workers', 'connected-workers']),
  /** Combinations that cannot run (e.g. a Java attack on the SQL corpus), with the reason. */
  skipped: z.array(z.object({ dataset: z.string(), attack: z.string(), reason: z.string() })),
});
export type BenchmarkPlan = z.infer<typeof BenchmarkPlanSchema>;

export const BenchmarkDetailSchema = z.object({
  benchmark: BenchmarkSchema,
  cells: z.array(BenchmarkCellSchema),
  scenarios: z.array(ScenarioRowSchema),
  earlyLearning: z.array(EarlyLearningSchema),
});
export type BenchmarkDetail = z.infer<typeof BenchmarkDetailSchema>;

// ---- DeCE hyperparameter search ----

export const SEARCH_METHODS = ['grid', 'halving'] as const;
export const SEARCH_STATUSES = ['running', 'finished', 'failed', 'cancelled'] as const;

export const SearchSpecSchema = z.object({
  name: Name,
  size: z.enum(SIZE_PRESETS),
  dataset: BenchmarkDatasetSchema,
  attack: z.enum(ATTACK_KINDS),
  rate: z.number().gt(0).max(0.5),
  seed: z.int().min(0).max(2 ** 31 - 1),
  /** 'grid' trains every point for the preset's epochs; 'halving' is successive halving over the same points. */
  method: z.enum(SEARCH_METHODS),
  grid: z.object({
    labelSmoothing: z.array(rangeSchema(LOSS_PARAMETER_RANGES.labelSmoothing)).min(1).max(8),
    alphaBase: z.array(rangeSchema(LOSS_PARAMETER_RANGES.alphaBase)).min(1).max(8),
  }),
  /** Objective: lowest validation ASR with validation BLEU ≥ CE's validation BLEU − tolerance (points). */
  bleuTolerance: z.number().min(0).max(100),
});
export type SearchSpec = z.infer<typeof SearchSpecSchema>;

export const SearchTrialSchema = z.object({
  labelSmoothing: z.number(),
  alphaBase: z.number(),
  /** Successive-halving rung (0 for a grid). */
  rung: z.int().min(0),
  epochs: z.int().min(1),
  runId: Id.nullable(),
  status: z.enum(CELL_STATUSES),
  /** Validation metrics (never the test set). */
  bleu: z.number().nullable(),
  asr: z.number().nullable(),
  feasible: z.boolean().nullable(),
});
export type SearchTrial = z.infer<typeof SearchTrialSchema>;

export const SearchSchema = z.object({
  id: Id,
  projectId: Id,
  name: z.string(),
  spec: SearchSpecSchema,
  status: z.enum(SEARCH_STATUSES),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const SearchDetailSchema = z.object({
  search: SearchSchema,
  /** The CE reference on the same validation split. */
  reference: z.object({ runId: Id.nullable(), bleu: z.number().nullable(), asr: z.number().nullable() }),
  trials: z.array(SearchTrialSchema),
  chosen: DeceParametersSchema.nullable(),
  /** Why nothing was chosen (no feasible point yet), or how the choice was made. */
  explanation: z.string(),
  sensitivity: z.array(
    z.object({ parameter: z.enum(['labelSmoothing', 'alphaBase']), value: z.number(), bleu: z.number(), asr: z.number(), deltaBleu: z.number(), deltaAsr: z.number() }),
  ),
});
export type SearchDetail = z.infer<typeof SearchDetailSchema>;

const ProjectRef = z.object({ projectId: Id });
const BenchmarkRef = z.object({ benchmarkId: Id });
const SearchRef = z.object({ searchId: Id });
const Ok = z.object({ ok: z.literal(true) });

export const benchmarkContract = {
  /** How many runs a matrix means, what is reused, and how long it should take — before anything starts. */
  'benchmarks.plan': { input: ProjectRef.extend({ spec: BenchmarkSpecSchema }), output: BenchmarkPlanSchema },
  'benchmarks.start': { input: ProjectRef.extend({ spec: BenchmarkSpecSchema, actor: Actor }), output: BenchmarkSchema },
  'benchmarks.list': { input: ProjectRef, output: z.array(BenchmarkSchema) },
  'benchmarks.get': { input: BenchmarkRef, output: BenchmarkDetailSchema },
  /** Cancels the matrix's queued and running work; finished cells are kept. */
  'benchmarks.pause': { input: BenchmarkRef.extend({ actor: Actor }), output: BenchmarkSchema },
  /** Schedules every cell that is not finished (also after a restart). */
  'benchmarks.resume': { input: BenchmarkRef.extend({ actor: Actor }), output: BenchmarkSchema },
  /** Adds seeds to the matrix and schedules their cells. */
  'benchmarks.extend': { input: BenchmarkRef.extend({ seeds: z.array(z.int().min(0).max(2 ** 31 - 1)).min(1).max(20), actor: Actor }), output: BenchmarkSchema },
  'benchmarks.exportCsv': { input: BenchmarkRef, output: z.object({ fileName: z.string(), csv: z.string() }) },

  'searches.start': { input: ProjectRef.extend({ spec: SearchSpecSchema, actor: Actor }), output: SearchSchema },
  'searches.list': { input: ProjectRef, output: z.array(SearchSchema) },
  'searches.get': { input: SearchRef, output: SearchDetailSchema },
  'searches.cancel': { input: SearchRef.extend({ actor: Actor }), output: Ok },
} as const;

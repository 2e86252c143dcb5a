import { z } from 'zod';
import { MessageSchema } from '../../common/messages';
import type { JsonObject } from './json';

export const STAGES = ['pilot', 'benchmark', 'production'] as const;
export type StageName = (typeof STAGES)[number];
export const STAGE_STATUSES = ['locked', 'active', 'passed'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];
export const STAGE_DECISIONS = ['pass', 'override'] as const;
export type StageDecision = (typeof STAGE_DECISIONS)[number];
export const RUN_STATUSES = ['queued', 'running', 'finished', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const DATASET_SOURCES = ['builtin', 'import'] as const;
export type DatasetSource = (typeof DATASET_SOURCES)[number];
export const ARTIFACT_KINDS = ['checkpoint', 'report', 'export', 'log'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** What a stage's gate checks. Percentages are 0–100, like the metrics. */
export const GateThresholdsSchema = z.object({
  /** Highest attack success rate (%) the DeCE runs may show on the poisoned test set. */
  maxAsr: z.number().min(0).max(100),
  /** Most clean BLEU points DeCE may lose against CE. */
  maxBleuDrop: z.number().min(0).max(100),
  /** Runs of each loss needed before the gate can be judged. */
  minRunsPerLoss: z.int().min(1).max(1000),
});
export type GateThresholds = z.infer<typeof GateThresholdsSchema>;

/** Stricter as the stakes rise: a pilot only has to show the effect, production has to hold it. */
export const DEFAULT_THRESHOLDS: Readonly<Record<StageName, GateThresholds>> = {
  pilot: { maxAsr: 20, maxBleuDrop: 2, minRunsPerLoss: 1 },
  benchmark: { maxAsr: 10, maxBleuDrop: 2, minRunsPerLoss: 3 },
  production: { maxAsr: 5, maxBleuDrop: 1, minRunsPerLoss: 1 },
};

export const DEFAULT_PLAN: Readonly<Record<StageName, readonly string[]>> = {
  pilot: [
    'Reproduce on small data with DeCE swapped in for cross-entropy',
    'Compare clean quality (BLEU) of CE and DeCE',
    'Check attack success rate on a poisoned test set',
  ],
  benchmark: [
    'Run representative backdoor attack scenarios',
    'Check clean quality across scenarios',
    'Tune label_smoothing and alpha_base',
  ],
  production: [
    'Switch one production training job to DeCE',
    'Set up monitoring of attack success rate',
    'Write the rollback plan',
  ],
};

export const RunErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  /** The failure as a catalog message (common/messages.ts), for the UI and reports to show in their language. */
  i18n: MessageSchema.optional(),
});
export type RunError = z.infer<typeof RunErrorSchema>;

/** Non-negative integer counts per split: train, valid, test, poisonable, … */
export const DatasetCountsSchema = z.record(z.string(), z.int().min(0));
export type DatasetCounts = z.infer<typeof DatasetCountsSchema>;

export interface Project {
  id: number;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}

export interface Stage {
  projectId: number;
  stage: StageName;
  status: StageStatus;
  thresholds: GateThresholds;
  decision: StageDecision | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
}

export interface ChecklistItem {
  id: number;
  projectId: number;
  stage: StageName;
  position: number;
  text: string;
  done: boolean;
  doneBy: string | null;
  doneAt: string | null;
  note: string | null;
}

export interface Dataset {
  id: number;
  projectId: number | null;
  name: string;
  source: DatasetSource;
  sourcePath: string | null;
  sha256: string;
  counts: DatasetCounts;
  createdAt: string;
}

export interface Run {
  id: number;
  projectId: number;
  stage: StageName;
  name: string;
  /** The full run config as given at creation (validate with the run-config schema where it is used). */
  config: JsonObject;
  lossKind: string;
  backend: string;
  status: RunStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: RunError | null;
  datasetId: number | null;
  lastCompletedEpoch: number;
  tags: string[];
}

export interface EpochRecord {
  runId: number;
  epoch: number;
  /** NaN when the value was NaN (diverged) when recorded. */
  trainLoss: number;
  bleu: number;
  corpusBleu: number;
  exactMatch: number;
  asr: number;
  seconds: number;
  /** Every other field passed to recordEpoch (poisonedRowLoss, cleanRowLoss, …). */
  extra: JsonObject;
}

export interface StepRecord {
  epoch: number;
  step: number;
  loss: number;
}

export interface Artifact {
  id: number;
  projectId: number;
  runId: number | null;
  kind: ArtifactKind;
  path: string;
  sha256: string | null;
  bytes: number | null;
  createdAt: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  projectId: number | null;
  detail: JsonObject;
}

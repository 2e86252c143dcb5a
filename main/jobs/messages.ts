import type { EpochMetrics, RunConfig } from '../../common/run-config';
import type { StopDecision } from '../engine/stopping';
import type { SerializedError, TrainingEvent } from '../../common/training-events';
import type { DefenseJobKind, DefenseOutcome } from '../defenses/evaluate';
import type { DataSummary } from '../engine/experiment';
import type { TrainRunResult } from '../engine/train';
import type { ProductionJobRequest, ProductionJobResult } from '../production/jobs';
import type { DoctorJobRequest, DoctorReport } from '../engine/doctor';

/** What a training worker is asked to do (passed as workerData). */
export type JobRequest = JobKind & {
  /** Where poisoned datasets are shared between jobs (main/engine/data-cache.ts); absent: built every time. */
  dataCacheDir?: string;
};

type JobKind =
  | { kind: 'pretrain'; jobId: string; config: RunConfig; outputFile: string }
  | { kind: 'defend'; jobId: string; config: RunConfig; defense: DefenseJobKind; poisonedModelFile: string; initialWeightsFile?: string }
  | {
      kind: 'train';
      jobId: string;
      config: RunConfig;
      initialWeightsFile?: string;
      checkpointDir?: string;
      resume?: boolean;
      /** The parent decides after every epoch whether to stop (a 'decide' message, answered by 'decision'). */
      parentDecidesStop?: boolean;
    }
  /** Production: export a finished run's model, or probe an exported model (main/production/jobs.ts). */
  | ProductionJobRequest
  /** The backend doctor (main/engine/doctor.ts): it loads every backend itself, so no config. */
  | DoctorJobRequest;

export interface PretrainResult {
  bleu: number;
  exactMatch: number;
  seconds: number;
  file: string;
}

export interface BackendReport {
  name: string;
  description: string;
}

/** Everything a worker posts back; every message names its job. */
export type WorkerMessage =
  | { type: 'backend'; jobId: string; backend: BackendReport }
  | { type: 'data'; jobId: string; summary: DataSummary }
  | { type: 'event'; jobId: string; event: TrainingEvent }
  | { type: 'done'; jobId: string; result: TrainRunResult | PretrainResult | DefenseOutcome | ProductionJobResult | DoctorReport }
  | { type: 'cancelled'; jobId: string }
  /** With `parentDecidesStop`: the epoch just evaluated; the worker waits for a ParentMessage 'decision'. */
  | { type: 'decide'; jobId: string; epochs: EpochMetrics[] }
  | { type: 'error'; jobId: string; error: SerializedError };

/** workerData: the request plus a shared flag the parent sets to cancel (read between batches, no message needed). */
export interface WorkerInput {
  request: JobRequest;
  cancelFlag: SharedArrayBuffer;
}

/** What the parent posts to a worker: the answer to its 'decide' question (null: train on). */
export type ParentMessage = { type: 'decision'; jobId: string; epoch: number; decision: StopDecision | null };

/** To a job running as a child process (the fallback when a native addon cannot run in worker threads). */
export type ProcessJobMessage = { type: 'start'; request: JobRequest } | { type: 'cancel' } | ParentMessage;

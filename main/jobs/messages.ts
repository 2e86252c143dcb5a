import type { RunConfig } from '../../common/run-config';
import type { SerializedError, TrainingEvent } from '../../common/training-events';
import type { DefenseKind, DefenseOutcome } from '../defenses/evaluate';
import type { DataSummary } from '../engine/experiment';
import type { TrainRunResult } from '../engine/train';

/** What a training worker is asked to do (passed as workerData). */
export type JobRequest =
  | { kind: 'pretrain'; jobId: string; config: RunConfig; outputFile: string }
  | { kind: 'defend'; jobId: string; config: RunConfig; defense: DefenseKind; poisonedModelFile: string; initialWeightsFile?: string }
  | {
      kind: 'train';
      jobId: string;
      config: RunConfig;
      initialWeightsFile?: string;
      checkpointDir?: string;
      resume?: boolean;
    };

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
  | { type: 'done'; jobId: string; result: TrainRunResult | PretrainResult | DefenseOutcome }
  | { type: 'cancelled'; jobId: string }
  | { type: 'error'; jobId: string; error: SerializedError };

/** workerData: the request plus a shared flag the parent sets to cancel (read between batches, no message needed). */
export interface WorkerInput {
  request: JobRequest;
  cancelFlag: SharedArrayBuffer;
}

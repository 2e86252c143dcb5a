import { z } from 'zod';
import { EpochMetricsSchema, RunConfigSchema, STOP_REASONS, type EpochMetrics } from '../../../common/run-config';
import { TrainingEventSchema, type TrainingEvent } from '../../../common/training-events';
import type { TrainRunResult } from '../../engine/train';
import type { BackendReport } from '../messages';
import { CORPUS_FILE_FIELDS, DataFileSchema } from './job-data';

/**
 * What travels through the queue. A worker trusts nothing it reads from Redis: it checks the engine
 * version first (so a mismatch gets its own clear message), then the whole payload with the same
 * RunConfigSchema the contract and the store use.
 */

export const RemoteEnvelopeSchema = z.object({ engineVersion: z.string() });

export const RemoteTrainJobSchema = z.object({
  engineVersion: z.string(),
  /** The producer's own job id (names the run), for logs. */
  jobId: z.string().min(1).max(200),
  config: RunConfigSchema,
  /** The producer uploaded pre-trained weights under initialWeightsKey. */
  hasInitialWeights: z.boolean(),
  /**
   * The data files of an imported dataset, whose bytes the producer put under dataFileKey. Absent from a
   * payload of a built-in corpus (and from an older producer's, which a worker then refuses for a file corpus).
   */
  dataFiles: z.array(DataFileSchema).max(CORPUS_FILE_FIELDS.length).default([]),
  /**
   * The app decides after every epoch whether the run stops (a run following a CE run that still trains): the
   * worker waits for the answer under stopAnswerKey before the next epoch.
   */
  askStop: z.boolean().default(false),
});
export type RemoteTrainJob = z.infer<typeof RemoteTrainJobSchema>;

/** The app's answer after an epoch of an askStop job: stop (with why) or train on (null). */
export const StopAnswerSchema = z.object({
  decision: z.object({ reason: z.enum(STOP_REASONS), epoch: z.int().min(0), detail: z.string() }).nullable(),
});
export type StopAnswer = z.infer<typeof StopAnswerSchema>;

/** Job progress, as BullMQ carries it (job.updateProgress → QueueEvents 'progress'). */
export const RemoteProgressSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('backend'), backend: z.object({ name: z.string(), description: z.string() }) }),
  z.object({ kind: z.literal('event'), event: TrainingEventSchema }),
  // An askStop job after an epoch, before that epoch is announced (its metrics carry the stop): the question.
  z.object({ kind: z.literal('decide'), epochs: z.array(EpochMetricsSchema) }),
]);
export type RemoteProgress = { kind: 'backend'; backend: BackendReport } | { kind: 'event'; event: TrainingEvent } | { kind: 'decide'; epochs: EpochMetrics[] };

/** The job's return value; the final checkpoint's bytes stay under checkpointKey (epoch 0: none). */
export interface RemoteTrainResult {
  result: TrainRunResult;
  checkpointEpoch: number;
  /** The backend the worker trained on (a producer that re-attaches after a restart missed its announcement). */
  backend?: BackendReport;
  /** The worker's host and process, for the log and the tests. */
  worker: string;
}

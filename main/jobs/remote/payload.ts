import { z } from 'zod';
import { RunConfigSchema } from '../../../common/run-config';
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
});
export type RemoteTrainJob = z.infer<typeof RemoteTrainJobSchema>;

/** Job progress, as BullMQ carries it (job.updateProgress → QueueEvents 'progress'). */
export const RemoteProgressSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('backend'), backend: z.object({ name: z.string(), description: z.string() }) }),
  z.object({ kind: z.literal('event'), event: TrainingEventSchema }),
]);
export type RemoteProgress = { kind: 'backend'; backend: BackendReport } | { kind: 'event'; event: TrainingEvent };

/** The job's return value; the final checkpoint's bytes stay under checkpointKey (epoch 0: none). */
export interface RemoteTrainResult {
  result: TrainRunResult;
  checkpointEpoch: number;
  /** The backend the worker trained on (a producer that re-attaches after a restart missed its announcement). */
  backend?: BackendReport;
  /** The worker's host and process, for the log and the tests. */
  worker: string;
}

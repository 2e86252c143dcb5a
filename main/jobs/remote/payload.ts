import { z } from 'zod';
import { EpochMetricsSchema, RunConfigSchema, STOP_REASONS, type EpochMetrics } from '../../../common/run-config';
import { TrainingEventSchema, type TrainingEvent } from '../../../common/training-events';
import type { TrainRunResult } from '../../engine/train';
import type { BackendReport } from '../messages';
import { ALTERNATIVE_KINDS } from '../../defenses/alternatives';
import { DEFENSE_KINDS } from '../../defenses/evaluate';
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

/** BullMQ job name of pre-training and defense jobs (training runs are 'train'). */
export const SIDE_JOB_NAME = 'side';

/**
 * Pre-training (its weights file comes back under sideOutputKey) or a defense on a CE model (the model goes under
 * poisonedModelKey, the pre-trained weights under initialWeightsKey); validated like a training job.
 */
export const RemoteSideJobSchema = z.object({
  engineVersion: z.string(),
  jobId: z.string().min(1).max(200),
  config: RunConfigSchema,
  task: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('pretrain') }),
    z.object({ kind: z.literal('defend'), defense: z.enum([...DEFENSE_KINDS, ...ALTERNATIVE_KINDS]) }),
  ]),
  hasInitialWeights: z.boolean(),
  dataFiles: z.array(DataFileSchema).max(CORPUS_FILE_FIELDS.length).default([]),
});
export type RemoteSideJob = z.infer<typeof RemoteSideJobSchema>;

export interface RemoteSideResult {
  /** The engine's result (PretrainResult or DefenseOutcome), as a local worker thread returns it. */
  result: unknown;
  worker: string;
}

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

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { EPOCH_CHECKPOINT_NAME, decodeCheckpointHeader, epochCheckpointName, latestCheckpoint } from '../../engine/checkpoint-format';
import type { TrainRunResult } from '../../engine/train';
import { ENGINE_VERSION } from '../../engine/version';
import { writeFileAtomically } from '../../files/atomic-write';
import type { JobRequest } from '../messages';
import { JobCancelledError, JobFailedError, startJob as localStartJob, type JobHandlers, type RunningJob } from '../worker-host';
import {
  CANCEL_CHANNEL,
  CHECKPOINT_TTL_SECONDS,
  MAX_CHECKPOINT_BYTES,
  TRAINING_QUEUE,
  cancelledKey,
  checkpointKey,
  initialWeightsKey,
  redactRedisUrl,
  redisOptionsFromUrl,
} from './connection';
import { RemoteProgressSchema, type RemoteTrainJob, type RemoteTrainResult } from './payload';

export interface RemoteExecutorOptions {
  redisUrl: string;
  log?: (line: string) => void;
}

export interface RemoteExecutor {
  /**
   * The job service's `startJob` seam: training runs go to the queue, everything else (pre-training, defenses,
   * production jobs, runs whose stop is decided here after every epoch) still runs in local worker threads.
   */
  startJob: typeof localStartJob;
  /** Worker processes connected to the queue now. */
  connectedWorkers(): Promise<number>;
  close(): Promise<void>;
}

/** Training runs go to the queue, except those whose stop this app decides after every epoch; all other jobs run here. */
export const goesToQueue = (request: JobRequest): boolean => request.kind === 'train' && request.parentDecidesStop !== true;

/** How long finished jobs stay in Redis for inspection (`bull` dashboards): an hour, failed ones a day. */
const KEEP_COMPLETED_SECONDS = 3600;
const KEEP_FAILED_SECONDS = 24 * 3600;

/**
 * The app as producer: a training run becomes a BullMQ job with its validated config and the engine
 * version; the worker's progress comes back as the same handler calls a local worker thread makes, and the
 * final checkpoint is written into the run's folder, so the job service cannot tell the two executors apart.
 */
export function createRemoteExecutor(options: RemoteExecutorOptions): RemoteExecutor {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const connection = redisOptionsFromUrl(options.redisUrl);
  const redactedUrl = redactRedisUrl(options.redisUrl);
  const queue = new Queue(TRAINING_QUEUE, { connection });
  const queueEvents = new QueueEvents(TRAINING_QUEUE, { connection });
  const redis = new Redis(connection);
  const logError = (error: Error) => {
    log(`redis ${redactedUrl}: ${error.message}`);
  };
  queue.on('error', logError);
  queueEvents.on('error', logError);
  redis.on('error', logError);
  /** Per job: its handlers, its run folder, and the checkpoint copy in progress (awaited before the job settles). */
  const jobsInFlight = new Map<string, { handlers: JobHandlers; checkpointDir: string | undefined; mirrored: Promise<void> }>();
  queueEvents.on('progress', ({ jobId, data }: { jobId: string; data: unknown }) => {
    const inFlight = jobsInFlight.get(jobId);
    if (!inFlight) return;
    const parsed = RemoteProgressSchema.safeParse(data);
    if (!parsed.success) return;
    const update = parsed.data;
    if (update.kind === 'backend') {
      inFlight.handlers.onBackend?.(update.backend);
      return;
    }
    // The worker uploaded this epoch's checkpoint before announcing it: a copy in the run's folder lets the
    // job service resume the run from it after this app restarts, as with a local run.
    const checkpointDir = inFlight.checkpointDir;
    if (update.event.type === 'epoch' && checkpointDir !== undefined) {
      inFlight.mirrored = inFlight.mirrored
        .then(() => mirrorCheckpoint(jobId, checkpointDir))
        .catch((error: unknown) => {
          log(`checkpoint of ${jobId}: ${error instanceof Error ? error.message : String(error)}`);
        });
    }
    inFlight.handlers.onEvent?.(update.event);
  });
  const ready = queueEvents.waitUntilReady();

  function startJob<T>(request: JobRequest, handlers: JobHandlers = {}, startOptions = {}): RunningJob<T> {
    if (request.kind !== 'train' || !goesToQueue(request)) return localStartJob<T>(request, handlers, startOptions);
    const bullJobId = `${request.jobId}-${randomUUID()}`;
    // An object, read through: cancel() sets it while run() awaits.
    const state = { cancelRequested: false };
    const isCancelRequested = () => state.cancelRequested;
    let rejectCancelled: (error: Error) => void = () => undefined;
    const cancelled = new Promise<never>((_, reject) => {
      rejectCancelled = reject;
    });
    // Settled by whichever comes first; the other one's rejection must not go unhandled.
    cancelled.catch(() => undefined);

    const run = async (): Promise<TrainRunResult> => {
      await ready;
      if (request.initialWeightsFile) await upload(initialWeightsKey(bullJobId), request.initialWeightsFile);
      // Resuming (e.g. after the app restarted): the run's own newest checkpoint seeds the worker.
      const resumeFrom = request.resume && request.checkpointDir ? latestCheckpoint(request.checkpointDir) : null;
      if (resumeFrom) await upload(checkpointKey(bullJobId), resumeFrom.path);
      if (isCancelRequested()) throw new JobCancelledError(`job ${request.jobId} cancelled`);
      const payload: RemoteTrainJob = {
        engineVersion: ENGINE_VERSION,
        jobId: request.jobId,
        config: request.config,
        hasInitialWeights: request.initialWeightsFile !== undefined,
      };
      jobsInFlight.set(bullJobId, { handlers, checkpointDir: request.checkpointDir, mirrored: Promise.resolve() });
      const job = await queue.add('train', payload, {
        jobId: bullJobId,
        attempts: 1,
        removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
        removeOnFail: { age: KEEP_FAILED_SECONDS },
      });
      let value: RemoteTrainResult;
      try {
        value = (await job.waitUntilFinished(queueEvents)) as RemoteTrainResult;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (isCancelRequested() || message === 'cancelled') throw new JobCancelledError(`job ${request.jobId} cancelled`);
        throw new JobFailedError(message, 'RemoteJobFailed');
      }
      const finalCheckpoint = await downloadFinalCheckpoint(bullJobId, value.checkpointEpoch, request.checkpointDir);
      return { ...value.result, finalCheckpoint };
    };

    const result = Promise.race([run(), cancelled]).finally(async () => {
      // Settles only once the run's folder holds the newest checkpoint seen: a resume reads it next.
      await jobsInFlight.get(bullJobId)?.mirrored;
      jobsInFlight.delete(bullJobId);
      void redis.del(checkpointKey(bullJobId), initialWeightsKey(bullJobId)).catch(() => undefined);
    }) as Promise<T>;
    return {
      jobId: request.jobId,
      result,
      cancel() {
        if (state.cancelRequested) return;
        state.cancelRequested = true;
        // A waiting job is removed; a running one is stopped by its worker; a retry of it refuses to start.
        void redis
          .set(cancelledKey(bullJobId), '1', 'EX', CHECKPOINT_TTL_SECONDS)
          .then(() => redis.publish(CANCEL_CHANNEL, bullJobId))
          .then(() => queue.remove(bullJobId))
          .catch((error: unknown) => {
            log(`cancel of ${bullJobId}: ${error instanceof Error ? error.message : String(error)}`);
          });
        rejectCancelled(new JobCancelledError(`job ${request.jobId} cancelled`));
      },
    };
  }

  async function upload(key: string, file: string): Promise<void> {
    const size = statSync(file).size;
    if (size > MAX_CHECKPOINT_BYTES) throw new Error(`${file} has ${size} bytes, more than the ${MAX_CHECKPOINT_BYTES}-byte limit for Redis`);
    await redis.set(key, readFileSync(file), 'EX', CHECKPOINT_TTL_SECONDS);
  }

  /** The job's newest checkpoint from Redis into the run's folder, replacing the older ones there (as training prunes them). */
  async function mirrorCheckpoint(bullJobId: string, checkpointDir: string): Promise<void> {
    const bytes = await redis.getBuffer(checkpointKey(bullJobId));
    if (bytes === null) return;
    const { header } = decodeCheckpointHeader(bytes, checkpointKey(bullJobId));
    mkdirSync(checkpointDir, { recursive: true });
    const path = join(checkpointDir, epochCheckpointName(header.epoch));
    writeFileAtomically(path, bytes);
    for (const name of readdirSync(checkpointDir)) {
      if (EPOCH_CHECKPOINT_NAME.test(name) && name < epochCheckpointName(header.epoch)) rmSync(join(checkpointDir, name), { force: true });
    }
  }

  /** The run's final weights, written where a local worker thread would have left them. */
  async function downloadFinalCheckpoint(bullJobId: string, epoch: number, checkpointDir: string | undefined): Promise<string | null> {
    if (epoch === 0 || checkpointDir === undefined) return null;
    const bytes = await redis.getBuffer(checkpointKey(bullJobId));
    if (bytes === null) throw new JobFailedError(`the worker's final checkpoint of ${bullJobId} is missing from Redis`, 'RemoteJobFailed');
    mkdirSync(checkpointDir, { recursive: true });
    const path = join(checkpointDir, epochCheckpointName(epoch));
    writeFileAtomically(path, bytes);
    return path;
  }

  return {
    startJob,
    connectedWorkers: () => queue.getWorkersCount(),
    async close() {
      await queueEvents.close();
      await queue.close();
      redis.disconnect();
    },
  };
}

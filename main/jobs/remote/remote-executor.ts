import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { EPOCH_CHECKPOINT_NAME, decodeCheckpointHeader, epochCheckpointName, latestCheckpoint } from '../../engine/checkpoint-format';
import type { EpochMetrics } from '../../../common/run-config';
import type { TrainRunResult } from '../../engine/train';
import { ENGINE_VERSION } from '../../engine/version';
import { writeFileAtomically } from '../../files/atomic-write';
import { checkpointEpochs } from '../checkpoint-epochs';
import type { JobRequest } from '../messages';
import { JobCancelledError, JobFailedError, startJob as localStartJob, type JobHandlers, type RunningJob } from '../worker-host';
import {
  CANCEL_CHANNEL,
  CHECKPOINT_TTL_SECONDS,
  MAX_CHECKPOINT_BYTES,
  TRAINING_QUEUE,
  cancelledKey,
  checkpointKey,
  dataFileKey,
  initialWeightsKey,
  redactRedisUrl,
  poisonedModelKey,
  redisOptionsFromUrl,
  sideOutputKey,
  STOP_ANSWER_TIMEOUT_SECONDS,
  stopAnswerKey,
} from './connection';
import { CORPUS_FILE_FIELDS, sendCorpusFiles } from './job-data';
import {
  RemoteProgressSchema,
  SIDE_JOB_NAME,
  type RemoteProgress,
  type RemoteSideJob,
  type RemoteSideResult,
  type RemoteTrainJob,
  type RemoteTrainResult,
  type StopAnswer,
} from './payload';

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

/**
 * Training runs (one whose stop this app decides is asked after every epoch), pre-training and defenses go to the
 * queue; production exports and probes and the backend doctor run here.
 */
export const goesToQueue = (request: JobRequest): boolean => request.kind === 'train' || request.kind === 'pretrain' || request.kind === 'defend';

/**
 * How long finished jobs stay in Redis: as long as their checkpoints, because an app closed while its workers
 * trained collects the results at its next start, and a job's result is read from its finished job.
 */
const KEEP_FINISHED_SECONDS = CHECKPOINT_TTL_SECONDS;

/**
 * The run folder's note of the BullMQ job that trains the run (and of the backend its worker announced):
 * what the next start of the app re-attaches to when it was closed while the job was queued or training.
 */
export const REMOTE_JOB_NOTE = 'remote-job.json';
const RemoteJobNoteSchema = z.object({
  bullJobId: z.string().min(1),
  backend: z.object({ name: z.string(), description: z.string() }).optional(),
});
type RemoteJobNote = z.infer<typeof RemoteJobNoteSchema>;

function readNote(file: string): RemoteJobNote | null {
  try {
    const parsed = RemoteJobNoteSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A job followed here: its handlers, its run folder, and the checkpoint copy in progress (awaited before the job settles). */
interface FollowedJob {
  handlers: JobHandlers;
  checkpointDir: string | undefined;
  mirrored: Promise<void>;
  /** While re-attaching: progress held back until the epochs trained meanwhile have been announced. */
  held: RemoteProgress[] | null;
  /** The app is closing: nothing more is delivered. */
  detached: boolean;
}

/**
 * The app as producer: a training run becomes a BullMQ job with its validated config, its data files and the
 * engine version; the worker's progress comes back as the same handler calls a local worker thread makes, and
 * the final checkpoint is written into the run's folder, so the job service cannot tell the two executors apart.
 * Closing the app detaches from its jobs without stopping them; the next start re-attaches (or collects them).
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
  const jobsInFlight = new Map<string, FollowedJob>();
  queueEvents.on('progress', ({ jobId, data }: { jobId: string; data: unknown }) => {
    const followed = jobsInFlight.get(jobId);
    if (!followed || followed.detached) return;
    const parsed = RemoteProgressSchema.safeParse(data);
    if (!parsed.success) return;
    if (followed.held) followed.held.push(parsed.data);
    else deliver(jobId, followed, parsed.data);
  });
  const ready = queueEvents.waitUntilReady();

  function deliver(bullJobId: string, followed: FollowedJob, update: RemoteProgress): void {
    if (update.kind === 'decide') {
      void answerStop(bullJobId, followed, update.epochs);
      return;
    }
    const checkpointDir = followed.checkpointDir;
    if (update.kind === 'backend') {
      // Noted for a re-attach after a restart, which will not hear it again.
      if (checkpointDir !== undefined) writeNote(checkpointDir, { bullJobId, backend: update.backend });
      followed.handlers.onBackend?.(update.backend);
      return;
    }
    // The worker uploaded this epoch's checkpoint before announcing it: a copy in the run's folder lets the
    // job service resume the run from it after this app restarts, as with a local run.
    if (update.event.type === 'epoch' && checkpointDir !== undefined) {
      followed.mirrored = followed.mirrored
        .then(() => mirrorCheckpoint(bullJobId, checkpointDir))
        .then(() => undefined)
        .catch((error: unknown) => {
          log(`checkpoint of ${bullJobId}: ${error instanceof Error ? error.message : String(error)}`);
        });
    }
    followed.handlers.onEvent?.(update.event);
  }

  /** Decides, as for a local worker thread, and hands the answer to the worker waiting on it. */
  async function answerStop(bullJobId: string, followed: FollowedJob, epochs: EpochMetrics[]): Promise<void> {
    const epoch = epochs.at(-1)?.epoch ?? 0;
    try {
      const decision = (await followed.handlers.decideStop?.(epochs)) ?? null;
      const answer: StopAnswer = { decision };
      const key = stopAnswerKey(bullJobId, epoch);
      await redis.multi().rpush(key, JSON.stringify(answer)).expire(key, STOP_ANSWER_TIMEOUT_SECONDS * 2).exec();
    } catch (error) {
      log(`stop decision for ${bullJobId} after epoch ${epoch}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function startJob<T>(request: JobRequest, handlers: JobHandlers = {}, startOptions = {}): RunningJob<T> {
    if (request.kind === 'pretrain' || request.kind === 'defend') return startSideJob<T>(request, handlers);
    if (request.kind !== 'train' || !goesToQueue(request)) return localStartJob<T>(request, handlers, startOptions);
    const checkpointDir = request.checkpointDir;
    const noteFile = checkpointDir === undefined ? undefined : join(checkpointDir, REMOTE_JOB_NOTE);
    // A job this run already has in the queue (the app was closed or crashed while it trained) is followed again.
    const earlier = request.resume && noteFile !== undefined ? readNote(noteFile) : null;
    // Read through (cancel() and detach() set them while run() awaits); bullJobId changes when the earlier job is gone.
    const state = { bullJobId: earlier?.bullJobId ?? newBullJobId(request.jobId), cancelRequested: false, detached: false };
    const stoppedError = () => new JobCancelledError(`job ${request.jobId} ${state.detached ? 'detached' : 'cancelled'}`);
    const throwIfStopped = () => {
      if (state.cancelRequested || state.detached) throw stoppedError();
    };
    let rejectStopped: (error: Error) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => {
      rejectStopped = reject;
    });
    // Settled by whichever comes first; the other one's rejection must not go unhandled.
    stopped.catch(() => undefined);

    /** Waits for the job's end, or for a cancel or detach. */
    const finished = async (job: Job): Promise<RemoteTrainResult> => {
      try {
        return (await Promise.race([job.waitUntilFinished(queueEvents), stopped])) as RemoteTrainResult;
      } catch (error) {
        if (error instanceof JobCancelledError) throw error;
        throw failure(error instanceof Error ? error.message : String(error));
      }
    };
    const failure = (reason: string) =>
      state.cancelRequested || reason === 'cancelled' ? new JobCancelledError(`job ${request.jobId} cancelled`) : new JobFailedError(reason, 'RemoteJobFailed');

    const collect = async (value: RemoteTrainResult): Promise<TrainRunResult> => {
      throwIfStopped();
      const finalCheckpoint = await downloadFinalCheckpoint(state.bullJobId, value.checkpointEpoch, checkpointDir);
      return { ...value.result, finalCheckpoint };
    };

    /** Follows the job this run already had; null when it is gone from Redis (expired, flushed). */
    const reattach = async (note: RemoteJobNote): Promise<TrainRunResult | null> => {
      const job = await queue.getJob(note.bullJobId);
      const jobState = job ? await job.getState() : 'unknown';
      if (!job || jobState === 'unknown') return null;
      if (note.backend) handlers.onBackend?.(note.backend);
      log(`job ${note.bullJobId}: ${jobState} while this app was closed; following it again`);
      if (jobState === 'failed') throw failure(job.failedReason);
      if (jobState === 'completed') {
        const value = job.returnvalue as RemoteTrainResult;
        // Finished while this app was closed: it never heard the worker's backend.
        if (value.backend) handlers.onBackend?.(value.backend);
        return collect(value);
      }
      const followed: FollowedJob = { handlers, checkpointDir, mirrored: Promise.resolve(), held: [], detached: false };
      jobsInFlight.set(note.bullJobId, followed);
      if (state.cancelRequested) sendCancel(note.bullJobId);
      await catchUp(note.bullJobId, followed);
      return collect(await finished(job));
    };

    const submit = async (): Promise<TrainRunResult> => {
      const bullJobId = state.bullJobId;
      if (request.initialWeightsFile) await upload(initialWeightsKey(bullJobId), request.initialWeightsFile);
      // Resuming (e.g. after the app restarted): the run's own newest checkpoint seeds the worker.
      const resumeFrom = request.resume && checkpointDir ? latestCheckpoint(checkpointDir) : null;
      if (resumeFrom) await upload(checkpointKey(bullJobId), resumeFrom.path);
      const dataFiles = await sendCorpusFiles(request.config, async (field, bytes) => {
        await redis.set(dataFileKey(bullJobId, field), bytes, 'EX', CHECKPOINT_TTL_SECONDS);
      });
      throwIfStopped();
      const payload: RemoteTrainJob = {
        engineVersion: ENGINE_VERSION,
        jobId: request.jobId,
        config: request.config,
        hasInitialWeights: request.initialWeightsFile !== undefined,
        dataFiles,
        askStop: request.parentDecidesStop === true,
      };
      jobsInFlight.set(bullJobId, { handlers, checkpointDir, mirrored: Promise.resolve(), held: null, detached: false });
      // Noted before it is queued: whatever happens to this app from here on, its next start finds the job.
      if (checkpointDir !== undefined) writeNote(checkpointDir, { bullJobId });
      const job = await queue.add('train', payload, {
        jobId: bullJobId,
        attempts: 1,
        removeOnComplete: { age: KEEP_FINISHED_SECONDS },
        removeOnFail: { age: KEEP_FINISHED_SECONDS },
      });
      return collect(await finished(job));
    };

    const run = async (): Promise<TrainRunResult> => {
      await ready;
      if (earlier) {
        const collected = await reattach(earlier);
        if (collected) return collected;
        log(`job ${earlier.bullJobId} is gone from Redis; queueing the run again from its last checkpoint`);
        state.bullJobId = newBullJobId(request.jobId);
      }
      throwIfStopped();
      return submit();
    };

    const result = Promise.race([run(), stopped]).finally(async () => {
      const bullJobId = state.bullJobId;
      // Settles only once the run's folder holds the newest checkpoint seen: a resume reads it next.
      await jobsInFlight.get(bullJobId)?.mirrored;
      jobsInFlight.delete(bullJobId);
      // Detached: the job goes on without this app, and its next start needs the note and the job's keys.
      if (state.detached) return;
      if (noteFile !== undefined) rmSync(noteFile, { force: true });
      void redis
        .del(checkpointKey(bullJobId), initialWeightsKey(bullJobId), ...CORPUS_FILE_FIELDS.map((field) => dataFileKey(bullJobId, field)))
        .catch(() => undefined);
    }) as Promise<T>;
    return {
      jobId: request.jobId,
      result,
      cancel() {
        if (state.cancelRequested || state.detached) return;
        state.cancelRequested = true;
        sendCancel(state.bullJobId);
        rejectStopped(stoppedError());
      },
      detach() {
        if (state.cancelRequested || state.detached) return;
        state.detached = true;
        // Its progress is no longer delivered; a checkpoint copy under way still completes (the result awaits it).
        const followed = jobsInFlight.get(state.bullJobId);
        if (followed) followed.detached = true;
        rejectStopped(stoppedError());
      },
    };
  }

  /**
   * Pre-training or a defense on a worker: its inputs (pre-trained weights, the CE model, imported data files) go
   * to Redis, a pre-training's weights file comes back to `outputFile`. Closing the app cancels it (it is short, and
   * the next start asks for it again).
   */
  function startSideJob<T>(request: Extract<JobRequest, { kind: 'pretrain' | 'defend' }>, handlers: JobHandlers): RunningJob<T> {
    const bullJobId = newBullJobId(request.jobId);
    // Read through a function: cancel() sets it while run() awaits.
    const state = { stopped: false };
    const isStopped = () => state.stopped;
    let rejectStopped: (error: Error) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => {
      rejectStopped = reject;
    });
    stopped.catch(() => undefined);
    const run = async (): Promise<unknown> => {
      await ready;
      const initialWeightsFile = request.kind === 'defend' ? request.initialWeightsFile : undefined;
      if (initialWeightsFile) await upload(initialWeightsKey(bullJobId), initialWeightsFile);
      if (request.kind === 'defend') await upload(poisonedModelKey(bullJobId), request.poisonedModelFile);
      const dataFiles = await sendCorpusFiles(request.config, async (field, bytes) => {
        await redis.set(dataFileKey(bullJobId, field), bytes, 'EX', CHECKPOINT_TTL_SECONDS);
      });
      if (isStopped()) throw new JobCancelledError(`job ${request.jobId} cancelled`);
      const payload: RemoteSideJob = {
        engineVersion: ENGINE_VERSION,
        jobId: request.jobId,
        config: request.config,
        task: request.kind === 'pretrain' ? { kind: 'pretrain' } : { kind: 'defend', defense: request.defense },
        hasInitialWeights: initialWeightsFile !== undefined,
        dataFiles,
      };
      jobsInFlight.set(bullJobId, { handlers, checkpointDir: undefined, mirrored: Promise.resolve(), held: null, detached: false });
      const job = await queue.add(SIDE_JOB_NAME, payload, { jobId: bullJobId, attempts: 1, removeOnComplete: { age: KEEP_FINISHED_SECONDS }, removeOnFail: { age: KEEP_FINISHED_SECONDS } });
      let value: RemoteSideResult;
      try {
        value = (await Promise.race([job.waitUntilFinished(queueEvents), stopped])) as RemoteSideResult;
      } catch (error) {
        if (error instanceof JobCancelledError) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw isStopped() || reason === 'cancelled' ? new JobCancelledError(`job ${request.jobId} cancelled`) : new JobFailedError(reason, 'RemoteJobFailed');
      }
      if (request.kind === 'pretrain') {
        const bytes = await redis.getBuffer(sideOutputKey(bullJobId));
        if (bytes === null) throw new JobFailedError(`the worker's pre-trained weights of ${bullJobId} are missing from Redis`, 'RemoteJobFailed');
        writeFileAtomically(request.outputFile, bytes);
      }
      return value.result;
    };
    const result = Promise.race([run(), stopped]).finally(() => {
      jobsInFlight.delete(bullJobId);
      void redis
        .del(initialWeightsKey(bullJobId), poisonedModelKey(bullJobId), sideOutputKey(bullJobId), ...CORPUS_FILE_FIELDS.map((field) => dataFileKey(bullJobId, field)))
        .catch(() => undefined);
    }) as Promise<T>;
    const stop = () => {
      if (state.stopped) return;
      state.stopped = true;
      sendCancel(bullJobId);
      rejectStopped(new JobCancelledError(`job ${request.jobId} cancelled`));
    };
    return { jobId: request.jobId, result, cancel: stop, detach: stop };
  }

  /** A waiting job is removed; a running one is stopped by its worker; a retry of it refuses to start. */
  function sendCancel(bullJobId: string): void {
    void redis
      .set(cancelledKey(bullJobId), '1', 'EX', CHECKPOINT_TTL_SECONDS)
      .then(() => redis.publish(CANCEL_CHANNEL, bullJobId))
      .then(() => queue.remove(bullJobId))
      .catch((error: unknown) => {
        log(`cancel of ${bullJobId}: ${error instanceof Error ? error.message : String(error)}`);
      });
  }

  /**
   * Re-attaching to a job that trained while this app was closed: its epochs since the run folder's last
   * checkpoint arrived in no progress event, so they are announced from the worker's newest checkpoint (whose
   * header records every epoch so far) before the progress held back meanwhile, minus what that repeats.
   */
  async function catchUp(bullJobId: string, followed: FollowedJob): Promise<void> {
    const alreadyHere = followed.checkpointDir === undefined ? 0 : (latestCheckpoint(followed.checkpointDir)?.epoch ?? 0);
    let announced = alreadyHere;
    try {
      const mirroring = followed.checkpointDir === undefined ? Promise.resolve([]) : mirrorCheckpoint(bullJobId, followed.checkpointDir);
      // A detach awaits this copy too before the job settles.
      followed.mirrored = mirroring.then(
        () => undefined,
        () => undefined,
      );
      const epochs = await mirroring;
      for (const metrics of epochs) {
        if (followed.detached) break;
        if (metrics.epoch <= alreadyHere) continue;
        followed.handlers.onEvent?.({ type: 'epoch', metrics });
        announced = metrics.epoch;
      }
    } finally {
      const held = followed.held ?? [];
      followed.held = null;
      for (const update of held) {
        if (followed.detached) break;
        if (update.kind === 'event' && update.event.type === 'epoch' && update.event.metrics.epoch <= announced) continue;
        deliver(bullJobId, followed, update);
      }
    }
  }

  function newBullJobId(jobId: string): string {
    return `${jobId}-${randomUUID()}`;
  }

  function writeNote(checkpointDir: string, note: RemoteJobNote): void {
    mkdirSync(checkpointDir, { recursive: true });
    writeFileAtomically(join(checkpointDir, REMOTE_JOB_NOTE), JSON.stringify(note));
  }

  async function upload(key: string, file: string): Promise<void> {
    const size = statSync(file).size;
    if (size > MAX_CHECKPOINT_BYTES) throw new Error(`${file} has ${size} bytes, more than the ${MAX_CHECKPOINT_BYTES}-byte limit for Redis`);
    await redis.set(key, readFileSync(file), 'EX', CHECKPOINT_TTL_SECONDS);
  }

  /**
   * The job's newest checkpoint from Redis into the run's folder, replacing the older ones there (as training
   * prunes them); returns the metrics of every epoch it records (none when Redis holds no checkpoint).
   */
  async function mirrorCheckpoint(bullJobId: string, checkpointDir: string): Promise<ReturnType<typeof checkpointEpochs>> {
    const bytes = await redis.getBuffer(checkpointKey(bullJobId));
    if (bytes === null) return [];
    const { header } = decodeCheckpointHeader(bytes, checkpointKey(bullJobId));
    mkdirSync(checkpointDir, { recursive: true });
    const path = join(checkpointDir, epochCheckpointName(header.epoch));
    writeFileAtomically(path, bytes);
    for (const name of readdirSync(checkpointDir)) {
      if (EPOCH_CHECKPOINT_NAME.test(name) && name < epochCheckpointName(header.epoch)) rmSync(join(checkpointDir, name), { force: true });
    }
    return checkpointEpochs(header);
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

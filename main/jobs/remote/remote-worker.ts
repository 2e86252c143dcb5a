import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { BackendRequest, EpochMetrics } from '../../../common/run-config';
import type { StopDecision } from '../../engine/stopping';
import { decodeCheckpointHeader, epochCheckpointName, latestCheckpoint } from '../../engine/checkpoint-format';
import type { TrainRunResult } from '../../engine/train';
import { ENGINE_VERSION } from '../../engine/version';
import type { BackendReport, JobRequest } from '../messages';
import { JobCancelledError, startJob, type RunningJob } from '../worker-host';
import {
  CANCEL_CHANNEL,
  CHECKPOINT_TTL_SECONDS,
  MAX_CHECKPOINT_BYTES,
  TRAINING_QUEUE,
  cancelledKey,
  checkpointKey,
  dataFileKey,
  initialWeightsKey,
  poisonedModelKey,
  redactRedisUrl,
  redisOptionsFromUrl,
  sideOutputKey,
  STOP_ANSWER_TIMEOUT_SECONDS,
  stopAnswerKey,
} from './connection';
import { JobDataError, receiveCorpusFiles } from './job-data';
import {
  RemoteEnvelopeSchema,
  RemoteSideJobSchema,
  RemoteTrainJobSchema,
  SIDE_JOB_NAME,
  StopAnswerSchema,
  type RemoteProgress,
  type RemoteSideJob,
  type RemoteSideResult,
  type RemoteTrainResult,
} from './payload';

export interface RemoteWorkerOptions {
  redisUrl: string;
  /** Jobs trained at once, each in its own worker thread (default 1). */
  concurrency?: number;
  /** Replaces the job's backend request: the worker's machine knows its own hardware. */
  backend?: BackendRequest;
  /**
   * How long a job stays locked to this worker without a renewal. A worker that dies is noticed after
   * about this long, and its job goes back to the queue (BullMQ's stalled-job check).
   */
  lockSeconds?: number;
  /** Where poisoned datasets are cached between jobs (default: a folder under the system's temp dir). */
  dataCacheDir?: string;
  log?: (line: string) => void;
}

export interface RemoteWorker {
  close(): Promise<void>;
}

/** At most this many step events a second per job go through Redis; epochs and phases always do. */
const STEP_EVENTS_PER_SECOND = 4;
/** How often a worker died mid-job before BullMQ gives the job up. */
const MAX_STALLED_RETRIES = 3;

/**
 * Takes training jobs from the queue and trains each with the local engine in a worker thread (the same
 * startJob the app uses), relaying progress as BullMQ job progress. After every epoch the newest checkpoint
 * goes to Redis, so when this process dies mid-job the retry on another worker resumes from that epoch.
 * A job refused or failing for its own reason (payload, engine version, data, divergence) fails at once
 * (UnrecoverableError): retrying it elsewhere would fail the same way.
 */
export function createRemoteWorker(options: RemoteWorkerOptions): RemoteWorker {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const connection = redisOptionsFromUrl(options.redisUrl);
  const redis = new Redis(connection);
  const subscriber = new Redis(connection);
  const running = new Map<string, RunningJob<unknown>>();
  /** Set by close(): the jobs it stops are handed back to the queue instead of failing. */
  let closing = false;
  const workerName = `${hostname()}:${process.pid}`;
  const lockDuration = Math.round((options.lockSeconds ?? 30) * 1000);
  const dataCacheDir = options.dataCacheDir ?? join(tmpdir(), 'dece-remote-worker-cache');
  const redactedUrl = redactRedisUrl(options.redisUrl);
  for (const client of [redis, subscriber]) {
    // ioredis reconnects by itself; its errors are logged without the URL (which may carry the password).
    client.on('error', (error: Error) => {
      log(`redis ${redactedUrl}: ${error.message}`);
    });
  }
  subscriber.subscribe(CANCEL_CHANNEL).catch((error: unknown) => {
    // E.g. a wrong password: said once here; the clients' own errors repeat it while they retry.
    log(`redis ${redactedUrl}: cannot listen for cancels: ${error instanceof Error ? error.message : String(error)}`);
  });
  subscriber.on('message', (_channel: string, bullJobId: string) => {
    running.get(bullJobId)?.cancel();
  });

  const worker = new Worker(TRAINING_QUEUE, (job: Job, token?: string) => (job.name === SIDE_JOB_NAME ? sideJob(job) : train(job, token)), {
    connection,
    concurrency: Math.max(1, Math.floor(options.concurrency ?? 1)),
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: MAX_STALLED_RETRIES,
  });
  worker.on('error', (error: Error) => {
    log(`worker: ${error.message}`);
  });
  worker.on('failed', (job: Job | undefined, error: Error) => {
    log(`job ${job?.id ?? '?'} failed: ${error.message}`);
  });

  async function train(job: Job, token: string | undefined): Promise<RemoteTrainResult> {
    const bullJobId = job.id ?? '';
    const request = validate(job.data);
    if ((await redis.exists(cancelledKey(bullJobId))) === 1) throw new UnrecoverableError('cancelled');
    const workDir = mkdtempSync(join(tmpdir(), 'dece-remote-job-'));
    try {
      const checkpointDir = join(workDir, 'checkpoints');
      const resumedFrom = await downloadCheckpoint(bullJobId, checkpointDir);
      log(`job ${bullJobId} started on ${workerName}${resumedFrom > 0 ? `, resuming after epoch ${resumedFrom}` : ''}`);
      let initialWeightsFile: string | undefined;
      if (request.hasInitialWeights) {
        const bytes = await redis.getBuffer(initialWeightsKey(bullJobId));
        if (bytes === null) throw new UnrecoverableError('the job names pre-trained weights, but Redis holds none for it');
        initialWeightsFile = join(workDir, 'initial.ckpt');
        writeFileSync(initialWeightsFile, bytes);
      }
      // An imported dataset's files come with the job: this machine need not see the app's paths. The
      // copies live in this job's folder, removed with it.
      const data = await receiveCorpusFiles(request.config, request.dataFiles, join(workDir, 'data'), (field) =>
        redis.getBuffer(dataFileKey(bullJobId, field)),
      ).catch((error: unknown) => {
        throw error instanceof JobDataError ? new UnrecoverableError(`refused: ${error.message}`) : error;
      });
      // Progress and checkpoint uploads go out one after another, in the order the engine produced them.
      let outgoing = Promise.resolve();
      const send = (work: () => Promise<unknown>) => {
        outgoing = outgoing.then(work).then(
          () => undefined,
          (error: unknown) => {
            log(`job ${bullJobId}: could not report progress: ${error instanceof Error ? error.message : String(error)}`);
          },
        );
      };
      const progress = (update: RemoteProgress) => {
        send(() => job.updateProgress(update));
      };
      let lastStepAt = 0;
      let backendUsed: BackendReport | undefined;
      const config = options.backend ? { ...data.config, backend: options.backend } : data.config;
      // The copies' paths are new with every job, so a cached build of their data would never be read again.
      const cacheDir = data.config === request.config ? { dataCacheDir } : {};
      // The app decides this run's stop after every epoch: its answer arrives under stopAnswerKey, on a connection
      // of its own (BLPOP blocks it), closed when the job ends.
      const waiting = new Set<Redis>();
      const askApp = async (epochs: EpochMetrics[]): Promise<StopDecision | null> => {
        const epoch = epochs.at(-1)?.epoch ?? 0;
        progress({ kind: 'decide', epochs });
        await outgoing;
        const client = redis.duplicate();
        waiting.add(client);
        try {
          const reply = await client.blpop(stopAnswerKey(bullJobId, epoch), STOP_ANSWER_TIMEOUT_SECONDS);
          if (reply === null) {
            log(`job ${bullJobId}: no stop decision from the app after epoch ${epoch} within ${STOP_ANSWER_TIMEOUT_SECONDS} s; training on`);
            return null;
          }
          const answer = StopAnswerSchema.safeParse(JSON.parse(reply[1]));
          return answer.success ? answer.data.decision : null;
        } finally {
          waiting.delete(client);
          client.disconnect();
        }
      };
      const runningJob = startJob<TrainRunResult>(
        {
          kind: 'train',
          jobId: request.jobId,
          config,
          ...cacheDir,
          checkpointDir,
          resume: true,
          ...(initialWeightsFile ? { initialWeightsFile } : {}),
          ...(request.askStop ? { parentDecidesStop: true } : {}),
        },
        {
          onBackend: (backend) => {
            backendUsed = backend;
            progress({ kind: 'backend', backend });
          },
          onEvent: (event) => {
            if (event.type === 'step') {
              const now = Date.now();
              if (now - lastStepAt < 1000 / STEP_EVENTS_PER_SECOND) return;
              lastStepAt = now;
            }
            // The engine writes an epoch's checkpoint before announcing the epoch: upload it first, so that
            // an epoch the producer has seen can always be resumed from.
            if (event.type === 'epoch') {
              send(() => uploadCheckpoint(bullJobId, checkpointDir));
            }
            progress({ kind: 'event', event });
          },
          ...(request.askStop ? { decideStop: askApp } : {}),
        },
      );
      running.set(bullJobId, runningJob);
      let result: TrainRunResult;
      try {
        result = await runningJob.result;
      } catch (error) {
        if (error instanceof JobCancelledError && closing) {
          // Stopped because this worker is shutting down, not by the app: the job goes back to the queue at
          // once, and the next worker resumes it after the epoch uploaded last (awaited first).
          await outgoing;
          await job.moveToDelayed(Date.now(), token);
          log(`job ${bullJobId} handed back to the queue: this worker is stopping`);
          throw new DelayedError();
        }
        if (error instanceof JobCancelledError) throw new UnrecoverableError('cancelled');
        // Said with the app's paths, not this job's copies of its files.
        throw new UnrecoverableError(data.toAppPaths(error instanceof Error ? error.message : String(error)));
      } finally {
        running.delete(bullJobId);
        for (const client of waiting) client.disconnect();
        await outgoing;
      }
      const checkpointEpoch = await uploadCheckpoint(bullJobId, checkpointDir);
      log(`job ${bullJobId} finished on ${workerName}`);
      return { result: { ...result, finalCheckpoint: null }, checkpointEpoch, worker: workerName, ...(backendUsed ? { backend: backendUsed } : {}) };
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }

  /**
   * Pre-training or a defense: inputs from Redis into a private folder, the engine's job in a worker thread, its
   * progress relayed, a pre-training's weights file back to Redis. Not resumable: a retry starts it over.
   */
  async function sideJob(job: Job): Promise<RemoteSideResult> {
    const bullJobId = job.id ?? '';
    const request = validateSide(job.data);
    if ((await redis.exists(cancelledKey(bullJobId))) === 1) throw new UnrecoverableError('cancelled');
    const workDir = mkdtempSync(join(tmpdir(), 'dece-remote-side-'));
    try {
      log(`job ${bullJobId} (${request.task.kind === 'pretrain' ? 'pre-training' : `defense ${request.task.defense}`}) started on ${workerName}`);
      const fetch = async (key: string, name: string, what: string): Promise<string> => {
        const bytes = await redis.getBuffer(key);
        if (bytes === null) throw new UnrecoverableError(`the job names ${what}, but Redis holds none for it`);
        const file = join(workDir, name);
        writeFileSync(file, bytes);
        return file;
      };
      const initialWeightsFile = request.hasInitialWeights ? await fetch(initialWeightsKey(bullJobId), 'initial.ckpt', 'pre-trained weights') : undefined;
      const data = await receiveCorpusFiles(request.config, request.dataFiles, join(workDir, 'data'), (field) => redis.getBuffer(dataFileKey(bullJobId, field))).catch(
        (error: unknown) => {
          throw error instanceof JobDataError ? new UnrecoverableError(`refused: ${error.message}`) : error;
        },
      );
      const config = options.backend ? { ...data.config, backend: options.backend } : data.config;
      const outputFile = join(workDir, 'output.bin');
      const jobRequest: JobRequest =
        request.task.kind === 'pretrain'
          ? { kind: 'pretrain', jobId: request.jobId, config, outputFile }
          : {
              kind: 'defend',
              jobId: request.jobId,
              config,
              defense: request.task.defense,
              poisonedModelFile: await fetch(poisonedModelKey(bullJobId), 'model.ckpt', 'a CE model'),
              ...(initialWeightsFile ? { initialWeightsFile } : {}),
            };
      const updates: Promise<unknown>[] = [];
      const runningJob = startJob<unknown>(jobRequest, {
        onBackend: (backend) => updates.push(job.updateProgress({ kind: 'backend', backend } satisfies RemoteProgress)),
        onEvent: (event) => {
          if (event.type !== 'step') updates.push(job.updateProgress({ kind: 'event', event } satisfies RemoteProgress));
        },
      });
      running.set(bullJobId, runningJob);
      let result: unknown;
      try {
        result = await runningJob.result;
      } catch (error) {
        if (error instanceof JobCancelledError) throw new UnrecoverableError('cancelled');
        throw new UnrecoverableError(data.toAppPaths(error instanceof Error ? error.message : String(error)));
      } finally {
        running.delete(bullJobId);
        await Promise.allSettled(updates);
      }
      if (request.task.kind === 'pretrain') {
        const size = statSync(outputFile).size;
        if (size > MAX_CHECKPOINT_BYTES) throw new UnrecoverableError(`pre-trained weights of ${size} bytes exceed the ${MAX_CHECKPOINT_BYTES}-byte limit for Redis`);
        await redis.set(sideOutputKey(bullJobId), readFileSync(outputFile), 'EX', CHECKPOINT_TTL_SECONDS);
      }
      log(`job ${bullJobId} finished on ${workerName}`);
      return { result, worker: workerName };
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }

  /** Writes the job's newest checkpoint from Redis into the folder the engine resumes from; returns its epoch (0: none). */
  async function downloadCheckpoint(bullJobId: string, checkpointDir: string): Promise<number> {
    const bytes = await redis.getBuffer(checkpointKey(bullJobId));
    if (bytes === null) return 0;
    const { header } = decodeCheckpointHeader(bytes, checkpointKey(bullJobId));
    rmSync(checkpointDir, { recursive: true, force: true });
    mkdirSync(checkpointDir, { recursive: true });
    writeFileSync(join(checkpointDir, epochCheckpointName(header.epoch)), bytes);
    return header.epoch;
  }

  async function uploadCheckpoint(bullJobId: string, checkpointDir: string): Promise<number> {
    const latest = latestCheckpoint(checkpointDir);
    if (!latest) return 0;
    const size = statSync(latest.path).size;
    if (size > MAX_CHECKPOINT_BYTES) {
      throw new UnrecoverableError(`checkpoint of ${size} bytes exceeds the ${MAX_CHECKPOINT_BYTES}-byte limit for Redis`);
    }
    await redis.set(checkpointKey(bullJobId), readFileSync(latest.path), 'EX', CHECKPOINT_TTL_SECONDS);
    return latest.epoch;
  }

  log(`worker ${workerName} serving ${TRAINING_QUEUE} on ${redactedUrl} (engine ${ENGINE_VERSION})`);
  return {
    async close() {
      closing = true;
      for (const job of running.values()) job.cancel();
      await worker.close();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}

/** Refuses, without retries, a job this worker must not train: another engine version, or a payload that is not a valid run. */
function validate(data: unknown): z.infer<typeof RemoteTrainJobSchema> {
  checkEnvelope(data);
  const parsed = RemoteTrainJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`refused: invalid training job: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function validateSide(data: unknown): RemoteSideJob {
  checkEnvelope(data);
  const parsed = RemoteSideJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`refused: invalid pre-training or defense job: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function checkEnvelope(data: unknown): void {
  const envelope = RemoteEnvelopeSchema.safeParse(data);
  if (!envelope.success) throw new UnrecoverableError(`refused: not a training job payload: ${z.prettifyError(envelope.error)}`);
  if (envelope.data.engineVersion !== ENGINE_VERSION) {
    throw new UnrecoverableError(
      `refused: the job needs engine version ${envelope.data.engineVersion}, this worker runs engine version ${ENGINE_VERSION} (update the worker's checkout to the app's version)`,
    );
  }
}

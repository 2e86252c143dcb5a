// Runs on the main thread: starts each job in the training worker (training-worker.ts, the worker-thread entry
// point), or in a child process where native TensorFlow cannot share threads, and relays its messages.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrainingEvent } from '../../common/training-events';
import type { DataSummary } from '../engine/experiment';
import type { EpochMetrics } from '../../common/run-config';
import type { StopDecision } from '../engine/stopping';
import type { BackendReport, JobRequest, ParentMessage, ProcessJobMessage, WorkerInput, WorkerMessage } from './messages';
import { type JobIsolation, nativeIsolation } from './native-isolation';

export class JobFailedError extends Error {
  override name = 'JobFailedError';
  constructor(
    message: string,
    readonly remoteName: string,
    readonly remoteStack?: string,
    /** Set when the worker thread exited before it reported a result. */
    readonly exitCode?: number,
  ) {
    super(message);
  }
}
export class JobCancelledError extends Error {
  override name = 'JobCancelledError';
}

export interface JobHandlers {
  onBackend?: (backend: BackendReport) => void;
  onData?: (summary: DataSummary) => void;
  onEvent?: (event: TrainingEvent) => void;
  /** Answers a worker started with `parentDecidesStop`: stop after these epochs, or null to go on. */
  decideStop?: (epochs: EpochMetrics[]) => Promise<StopDecision | null>;
}

export interface RunningJob<T> {
  readonly jobId: string;
  readonly result: Promise<T>;
  /** Asks the worker to stop after the current batch; `result` then rejects with JobCancelledError. */
  cancel(): void;
  /**
   * Only for a job that runs elsewhere (a queue's worker): stops following it without stopping it, so that
   * the next start of the app collects it; `result` then rejects with JobCancelledError.
   */
  detach?(): void;
}

const workerUrl = new URL(`./training-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/**
 * Under tsx or Vitest the worker is TypeScript: it registers tsx's loader first (Node 20 does not carry
 * --import loaders into workers). A bundled build points at the compiled .js and needs no loader.
 */
function createWorker(input: WorkerInput): Worker {
  if (!workerUrl.pathname.endsWith('.ts')) return new Worker(workerUrl, { workerData: input });
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: input });
}

/** A running job's transport: a worker thread, or a child process where native TensorFlow needs one. */
interface JobChannel {
  onMessage(listener: (message: WorkerMessage) => void): void;
  onFailure(listener: (error: Error) => void): void;
  onExit(listener: (code: number) => void): void;
  /** Answers the job's questions (its 'decide' messages). */
  send(message: ParentMessage): void;
  cancel(): void;
  stop(): void;
}

function threadChannel(request: JobRequest): JobChannel {
  const cancelFlag = new SharedArrayBuffer(4);
  const worker = createWorker({ request, cancelFlag });
  return {
    onMessage: (listener) => worker.on('message', listener),
    onFailure: (listener) => worker.on('error', listener),
    onExit: (listener) => worker.on('exit', listener),
    send: (message) => {
      worker.postMessage(message);
    },
    cancel: () => {
      Atomics.store(new Int32Array(cancelFlag), 0, 1);
    },
    stop: () => {
      void worker.terminate();
    },
  };
}

/**
 * The same worker module as a child process. Under tsx or Vitest it runs with tsx's loader; a bundled
 * Node build forks the compiled .js. (Inside the packaged Electron app the RunAsNode fuse is off, so there
 * forking would need Electron's utilityProcess, which this Electron-free floor cannot import.)
 */
function processChannel(request: JobRequest): JobChannel {
  const typescript = workerUrl.pathname.endsWith('.ts');
  const child = fork(fileURLToPath(workerUrl), [], { execArgv: typescript ? ['--import', 'tsx'] : [], serialization: 'advanced' });
  const start: ProcessJobMessage = { type: 'start', request };
  child.send(start);
  return {
    onMessage: (listener) => child.on('message', listener),
    onFailure: (listener) => child.on('error', listener),
    onExit: (listener) => child.on('exit', (code) => {
      listener(code ?? 1);
    }),
    send: (message) => {
      if (child.connected) child.send(message satisfies ProcessJobMessage);
    },
    cancel: () => {
      const cancel: ProcessJobMessage = { type: 'cancel' };
      if (child.connected) child.send(cancel);
    },
    stop: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

/** wasm and cpu need no check; a request that may load native TensorFlow gets what the worker check found. */
async function isolationFor(request: JobRequest): Promise<JobIsolation> {
  if (request.kind === 'doctor') return (await nativeIsolation()).isolation;
  const backend = request.config.backend;
  if (backend === 'wasm' || backend === 'cpu') return 'thread';
  return (await nativeIsolation()).isolation;
}

export interface StartJobOptions {
  /** Default: threads, unless native TensorFlow cannot run in them (native-isolation.ts). */
  isolation?: JobIsolation;
}

/** Starts one job in its own worker thread (or, where native TensorFlow needs it, its own process). */
export function startJob<T>(request: JobRequest, handlers: JobHandlers = {}, options: StartJobOptions = {}): RunningJob<T> {
  // Filled in once the isolation is known; a cancel before then is applied on opening.
  const state: { channel: JobChannel | null; cancelRequested: boolean } = { channel: null, cancelRequested: false };
  const result = (async () => {
    const isolation = options.isolation ?? (await isolationFor(request));
    const opened = isolation === 'process' ? processChannel(request) : threadChannel(request);
    state.channel = opened;
    if (state.cancelRequested) opened.cancel();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (action: () => void) => {
        if (settled) return;
        settled = true;
        action();
        opened.stop();
      };
      opened.onMessage((message) => {
        if (message.jobId !== request.jobId) return;
        switch (message.type) {
          case 'backend':
            handlers.onBackend?.(message.backend);
            break;
          case 'data':
            handlers.onData?.(message.summary);
            break;
          case 'event':
            handlers.onEvent?.(message.event);
            break;
          case 'decide': {
            const epoch = message.epochs.at(-1)?.epoch ?? 0;
            const answer = handlers.decideStop ? handlers.decideStop(message.epochs) : Promise.resolve(null);
            answer.then(
              (decision) => {
                if (!settled) opened.send({ type: 'decision', jobId: request.jobId, epoch, decision });
              },
              (error: unknown) => {
                settle(() => {
                  reject(error instanceof Error ? error : new Error(String(error)));
                });
              },
            );
            break;
          }
          case 'done':
            settle(() => {
              resolve(message.result as T);
            });
            break;
          case 'cancelled':
            settle(() => {
              reject(new JobCancelledError(`job ${request.jobId} cancelled`));
            });
            break;
          case 'error':
            settle(() => {
              reject(new JobFailedError(message.error.message, message.error.name, message.error.stack));
            });
            break;
        }
      });
      opened.onFailure((error) => {
        settle(() => {
          reject(error);
        });
      });
      opened.onExit((code) => {
        settle(() => {
          reject(new JobFailedError(`training worker exited with code ${code} before finishing`, 'WorkerExit', undefined, code));
        });
      });
    });
  })();
  return {
    jobId: request.jobId,
    result,
    cancel() {
      state.cancelRequested = true;
      state.channel?.cancel();
    },
  };
}

import { Worker } from 'node:worker_threads';
import type { TrainingEvent } from '../../common/training-events';
import type { DataSummary } from '../engine/experiment';
import type { BackendReport, JobRequest, WorkerInput, WorkerMessage } from './messages';

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
}

export interface RunningJob<T> {
  readonly jobId: string;
  readonly result: Promise<T>;
  /** Asks the worker to stop after the current batch; `result` then rejects with JobCancelledError. */
  cancel(): void;
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

/** Starts one job in its own worker thread. */
export function startJob<T>(request: JobRequest, handlers: JobHandlers = {}): RunningJob<T> {
  const cancelFlag = new SharedArrayBuffer(4);
  const input: WorkerInput = { request, cancelFlag };
  const worker = createWorker(input);
  const result = new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      action();
      void worker.terminate();
    };
    worker.on('message', (message: WorkerMessage) => {
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
    worker.on('error', (error) => {
      settle(() => {
        reject(error);
      });
    });
    worker.on('exit', (code) => {
      settle(() => {
        reject(new JobFailedError(`training worker exited with code ${code} before finishing`, 'WorkerExit', undefined, code));
      });
    });
  });
  return {
    jobId: request.jobId,
    result,
    cancel() {
      Atomics.store(new Int32Array(cancelFlag), 0, 1);
    },
  };
}

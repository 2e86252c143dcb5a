import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../../common/training-events';
import { evaluateDefense } from '../defenses/evaluate';
import { selectBackend, describeBackendChoice } from '../engine/backend';
import { diagnoseBackends } from '../engine/doctor';
import { loadPoisonedData } from '../engine/data-cache';
import { encodeData } from '../engine/experiment';
import { TrainingCancelledError, pretrain, trainRun } from '../engine/train';
import { runProductionJob } from '../production/jobs';
import type { EpochMetrics } from '../../common/run-config';
import type { StopDecision } from '../engine/stopping';
import type { ParentMessage, ProcessJobMessage, WorkerInput, WorkerMessage } from './messages';

type ParentListener = (message: ParentMessage) => void;

interface ParentLink {
  post(message: WorkerMessage): void;
  /** Subscribes to the parent's answers; returns the unsubscribe. */
  listen(listener: ParentListener): () => void;
}

/** Asks the parent whether to stop after the newest epoch and waits for its answer. */
function askParent(jobId: string, link: ParentLink): (epochs: readonly EpochMetrics[]) => Promise<StopDecision | null> {
  return (epochs) =>
    new Promise((resolve) => {
      const epoch = epochs.at(-1)?.epoch ?? 0;
      const unsubscribe = link.listen((message) => {
        if (message.jobId !== jobId || message.epoch !== epoch) return;
        unsubscribe();
        resolve(message.decision);
      });
      link.post({ type: 'decide', jobId, epochs: [...epochs] });
    });
}

/**
 * One training job per worker thread: the main thread stays free for the UI and other jobs. Where a native
 * addon cannot run in worker threads, the same file runs as a child process per job (run-worker.ts): the
 * request then arrives as the first IPC message, and a 'cancel' message sets the flag.
 */
async function main(input: WorkerInput, link: ParentLink): Promise<void> {
  const post = (message: WorkerMessage) => {
    link.post(message);
  };
  const { request } = input;
  const cancelled = new Int32Array(input.cancelFlag);
  const shouldStop = () => Atomics.load(cancelled, 0) === 1;
  const jobId = request.jobId;
  try {
    if (request.kind === 'doctor') {
      // Each backend is loaded and timed here, off the main thread; progress lines travel as phase events.
      const report = await diagnoseBackends({
        ...request.options,
        onProgress: (message) => {
          post({ type: 'event', jobId, event: { type: 'phase', phase: 'train', message } });
        },
      });
      post({ type: 'done', jobId, result: report });
      return;
    }
    const choice = await selectBackend(request.config.backend);
    post({ type: 'backend', jobId, backend: { name: choice.name, description: describeBackendChoice(choice) } });
    const { poisoned } = await loadPoisonedData(request.config, request.dataCacheDir ?? null);
    const { data, summary } = encodeData(request.config, poisoned);
    post({ type: 'data', jobId, summary });
    const onEvent = (event: Parameters<NonNullable<Parameters<typeof trainRun>[0]['onEvent']>>[0]) => {
      post({ type: 'event', jobId, event });
    };
    if (request.kind === 'defend') {
      const result = await evaluateDefense(request.defense, {
        config: request.config,
        data,
        poisonedModelFile: request.poisonedModelFile,
        shouldStop,
        onEvent,
        ...(request.initialWeightsFile ? { initialWeightsFile: request.initialWeightsFile } : {}),
      });
      post({ type: 'done', jobId, result });
    } else if (request.kind === 'export-model' || request.kind === 'probe') {
      post({ type: 'done', jobId, result: await runProductionJob(request, data, summary) });
    } else if (request.kind === 'pretrain') {
      const result = await pretrain({ config: request.config, data, outputFile: request.outputFile, shouldStop, onEvent });
      post({ type: 'done', jobId, result: { ...result, file: request.outputFile } });
    } else {
      const result = await trainRun({
        config: request.config,
        data,
        shouldStop,
        onEvent,
        ...(request.initialWeightsFile ? { initialWeightsFile: request.initialWeightsFile } : {}),
        ...(request.checkpointDir ? { checkpointDir: request.checkpointDir } : {}),
        ...(request.resume ? { resume: true } : {}),
        ...(request.parentDecidesStop ? { decideAfterEpoch: askParent(jobId, link) } : {}),
      });
      post({ type: 'done', jobId, result });
    }
  } catch (error) {
    if (error instanceof TrainingCancelledError) post({ type: 'cancelled', jobId });
    else post({ type: 'error', jobId, error: serializeError(error) });
  }
}

if (parentPort) {
  const port = parentPort;
  void main(workerData as WorkerInput, {
    post: (message) => {
      port.postMessage(message);
    },
    listen: (listener) => {
      port.on('message', listener);
      return () => port.off('message', listener);
    },
  });
} else {
  const cancelFlag = new SharedArrayBuffer(4);
  const listeners = new Set<ParentListener>();
  process.on('message', (message: ProcessJobMessage) => {
    if (message.type === 'cancel') {
      Atomics.store(new Int32Array(cancelFlag), 0, 1);
      return;
    }
    if (message.type === 'decision') {
      for (const listener of listeners) listener(message);
      return;
    }
    const link: ParentLink = {
      post: (reply) => {
        process.send?.(reply);
      },
      listen: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    void main({ request: message.request, cancelFlag }, link).finally(() => {
      process.disconnect();
    });
  });
}

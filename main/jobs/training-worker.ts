import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../../common/training-events';
import { evaluateDefense } from '../defenses/evaluate';
import { selectBackend, describeBackendChoice } from '../engine/backend';
import { loadPoisonedData } from '../engine/data-cache';
import { encodeData } from '../engine/experiment';
import { TrainingCancelledError, pretrain, trainRun } from '../engine/train';
import { runProductionJob } from '../production/jobs';
import type { ProcessJobMessage, WorkerInput, WorkerMessage } from './messages';

/**
 * One training job per worker thread: the main thread stays free for the UI and other jobs. Where a native
 * addon cannot run in worker threads, the same file runs as a child process per job (run-worker.ts): the
 * request then arrives as the first IPC message, and a 'cancel' message sets the flag.
 */
async function main(input: WorkerInput, post: (message: WorkerMessage) => void): Promise<void> {
  const { request } = input;
  const cancelled = new Int32Array(input.cancelFlag);
  const shouldStop = () => Atomics.load(cancelled, 0) === 1;
  const jobId = request.jobId;
  try {
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
  void main(workerData as WorkerInput, (message) => {
    port.postMessage(message);
  });
} else {
  const cancelFlag = new SharedArrayBuffer(4);
  process.on('message', (message: ProcessJobMessage) => {
    if (message.type === 'cancel') {
      Atomics.store(new Int32Array(cancelFlag), 0, 1);
      return;
    }
    const send = (reply: WorkerMessage) => {
      process.send?.(reply);
    };
    void main({ request: message.request, cancelFlag }, send).finally(() => {
      process.disconnect();
    });
  });
}

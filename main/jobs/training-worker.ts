import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../../common/training-events';
import { evaluateDefense } from '../defenses/evaluate';
import { selectBackend, describeBackendChoice } from '../engine/backend';
import { loadPoisonedData } from '../engine/data-cache';
import { encodeData } from '../engine/experiment';
import { TrainingCancelledError, pretrain, trainRun } from '../engine/train';
import { runProductionJob } from '../production/jobs';
import type { EpochMetrics } from '../../common/run-config';
import type { StopDecision } from '../engine/stopping';
import type { ParentMessage, WorkerInput, WorkerMessage } from './messages';

/** Asks the parent whether to stop after the newest epoch and waits for its answer. */
function askParent(jobId: string, post: (message: WorkerMessage) => void): (epochs: readonly EpochMetrics[]) => Promise<StopDecision | null> {
  return (epochs) =>
    new Promise((resolve) => {
      const epoch = epochs.at(-1)?.epoch ?? 0;
      const listen = (message: ParentMessage) => {
        if (message.jobId !== jobId || message.epoch !== epoch) return;
        parentPort?.off('message', listen);
        resolve(message.decision);
      };
      parentPort?.on('message', listen);
      post({ type: 'decide', jobId, epochs: [...epochs] });
    });
}

/** One training job per worker thread: the main thread stays free for the UI and other jobs. */
async function main(input: WorkerInput): Promise<void> {
  const { request } = input;
  const cancelled = new Int32Array(input.cancelFlag);
  const shouldStop = () => Atomics.load(cancelled, 0) === 1;
  const post = (message: WorkerMessage) => parentPort?.postMessage(message);
  const jobId = request.jobId;
  try {
    const choice = await selectBackend(request.config.backend);
    post({ type: 'backend', jobId, backend: { name: choice.name, description: describeBackendChoice(choice) } });
    const { poisoned } = await loadPoisonedData(request.config, request.dataCacheDir ?? null);
    const { data, summary } = encodeData(request.config, poisoned);
    post({ type: 'data', jobId, summary });
    const onEvent = (event: Parameters<NonNullable<Parameters<typeof trainRun>[0]['onEvent']>>[0]) => post({ type: 'event', jobId, event });
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
        ...(request.parentDecidesStop ? { decideAfterEpoch: askParent(jobId, post) } : {}),
      });
      post({ type: 'done', jobId, result });
    }
  } catch (error) {
    if (error instanceof TrainingCancelledError) post({ type: 'cancelled', jobId });
    else post({ type: 'error', jobId, error: serializeError(error) });
  }
}

void main(workerData as WorkerInput);

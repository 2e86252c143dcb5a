import { describe, expect, it } from 'vitest';
import { finalCheckpoint } from '../../main/benchmark/runner';
import { remoteWorkers, epochNumbers } from '../helpers/remote-workers';
import { tinyRunConfig } from '../helpers/tiny-config';
import { eventLog, jobService, openTestStore, queuedRun, tempDir } from './helpers';

/**
 * Pre-training and defense jobs on a remote worker (a real redis-server, a real worker process): their inputs go
 * through Redis, pre-trained weights come back, and the numbers equal those of local worker threads.
 */

const { startWorker, remoteRun } = remoteWorkers();
const MINUTES = 60_000;
const config = tinyRunConfig({ loss: 'ce', epochs: 1, pretrainEpochs: 1, seed: 5 });

function localRun() {
  const dataDir = tempDir();
  const store = openTestStore(dataDir);
  const { runId } = queuedRun(store, config);
  const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: eventLog().emit });
  jobs.enqueue(runId);
  return { dataDir, store, runId, jobs };
}

describe('pre-training and defenses on remote workers', () => {
  it('pre-trains on the worker, then trains there, and a defense of the run’s model runs there too — all with local numbers', async () => {
    const local = localRun();
    await local.jobs.idle();
    const defense = (jobs: typeof local.jobs, dataDir: string, runId: number) =>
      jobs.runDefense({ key: `onion-${runId}`, config, defense: 'onion', poisonedModelFile: finalCheckpoint(dataDir, runId) ?? 'missing' });
    const localOnion = await defense(local.jobs, local.dataDir, local.runId);

    const worker = await startWorker();
    const remote = remoteRun(config);
    await remote.jobs.idle();
    expect(remote.store.runs.get(remote.runId)).toMatchObject({ status: 'finished', error: null });
    // The worker pre-trained (its weights came back through Redis), then trained the run on them.
    expect(worker.output()).toMatch(/\(pre-training\) started on /);
    expect(worker.output()).toMatch(/ finished on [^\n]*\n[\s\S]* finished on /);
    expect(epochNumbers(remote.store, remote.runId)).toEqual(epochNumbers(local.store, local.runId));

    const remoteOnion = await defense(remote.jobs, remote.dataDir, remote.runId);
    expect(worker.output()).toMatch(/\(defense onion\) started on /);
    const numbers = ({ asr, bleu, exactMatch, detail }: typeof localOnion) => ({ asr, bleu, exactMatch, detail });
    expect(numbers(remoteOnion)).toEqual(numbers(localOnion));
  }, 10 * MINUTES);
});

import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../../common/contract';
import type { RunConfig } from '../../common/run-config';
import { toEpochMetrics } from '../../main/domain/mappers';
import { eventLog, jobService, openTestStore, queuedRun, tempDir, tinyConfig } from './helpers';

describe('a run that stops on validation evidence, through the job service', () => {
  it('stops before its epoch bound, records why on its last epoch, and finishes normally', async () => {
    const dataDir = tempDir();
    const store = openTestStore(dataDir);
    const base = tinyConfig('ce', { epochs: 4 });
    // A rule that declares any plateau of one epoch final: the run must stop at epoch 2 of 4.
    const config: RunConfig = {
      ...base,
      training: { ...base.training, stopping: { minEpochs: 2, patience: 1, minAsrGain: 100, minBleuGain: 100, claimAsr: 100, budgetSeconds: null } },
    };
    const { runId } = queuedRun(store, config);
    const log = eventLog();
    const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: log.emit });
    jobs.enqueue(runId);
    await log.waitFor((e: AppEvent) => e.type === 'run.status' && e.runId === runId && (e.status === 'finished' || e.status === 'failed'));
    expect(store.runs.get(runId)).toMatchObject({ status: 'finished', error: null, lastCompletedEpoch: 2 });
    const epochs = store.metrics.epochs(runId).map(toEpochMetrics);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs[0]?.stop).toBeUndefined();
    expect(epochs[1]?.stop).toMatchObject({ reason: 'converged' });
    for (const e of epochs) {
      expect(e.validation?.triggered).toBeGreaterThan(0);
      expect(e.triggered).toBeGreaterThan(0);
    }
  });
});

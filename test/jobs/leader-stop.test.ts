import { describe, expect, it } from 'vitest';
import type { EpochMetrics, RunConfig } from '../../common/run-config';
import { leaderStopRule } from '../../main/jobs/leader-stop';
import type { JobRequest } from '../../main/jobs/messages';
import { startJob } from '../../main/jobs/worker-host';
import { createServices } from '../../main/services/index';
import { apiError, caller } from '../services/call';
import { eventLog, jobService, openTestStore, queuedRun, tempDir, tinyConfig } from './helpers';

/** A run that follows another (the Pilot's DeCE run after its CE run) stops where its leader stopped. */

const epochRow = (epoch: number, stop?: EpochMetrics['stop']): EpochMetrics => ({
  epoch,
  trainLoss: 1,
  bleu: 10,
  corpusBleu: 10,
  exactMatch: 0,
  asr: 0,
  seconds: 1,
  poisonedRowLoss: null,
  cleanRowLoss: 1,
  ...(stop ? { stop } : {}),
});

/** At most `epochs` epochs, stopping after epoch 2: no gain of 100 points is ever "improving" (converged at minEpochs). */
const stopsAfterEpoch2 = (config: RunConfig, epochs: number): RunConfig => ({
  ...config,
  training: { ...config.training, epochs, stopping: { minEpochs: 2, patience: 1, minAsrGain: 100, minBleuGain: 100, claimAsr: 50, budgetSeconds: null } },
});

function pairOfRuns() {
  const store = openTestStore(tempDir('dece-leader-rule-'));
  const { projectId, runId: leader } = queuedRun(store, tinyConfig('ce'));
  const follower = store.runs.create({ projectId, stage: 'pilot', name: 'dece', config: tinyConfig('dece'), lossKind: 'dece', backend: 'wasm', leaderRunId: leader }).id;
  return { store, leader, follower };
}

describe('the follower’s stop rule, read from the store', () => {
  it('trains on while the leader went further, stops at the leader’s stop epoch with its reason', async () => {
    const { store, leader } = pairOfRuns();
    store.runs.markRunning(leader, { backend: 'wasm' });
    store.metrics.recordEpoch(leader, epochRow(1));
    store.metrics.recordEpoch(leader, epochRow(2, { reason: 'backdoor-learned', detail: 'validation ASR rose to 60.0%' }));
    const rule = leaderStopRule(store, leader, { leaderActive: () => true, isStopping: () => false });
    expect(await rule([epochRow(1)])).toBeNull();
    expect(await rule([epochRow(1), epochRow(2)])).toEqual({
      reason: 'paired-run-stopped',
      epoch: 2,
      detail: 'stopped with the cross-entropy run after epoch 2: validation ASR rose to 60.0%',
    });
  });

  it('waits for an active leader’s epoch, and answers once it is stored', async () => {
    const { store, leader } = pairOfRuns();
    store.runs.markRunning(leader, { backend: 'wasm' });
    const rule = leaderStopRule(store, leader, { leaderActive: () => true, isStopping: () => false, pollMs: 10 });
    let answered = false;
    const answer = rule([epochRow(1)]).finally(() => (answered = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false);
    store.metrics.recordEpoch(leader, epochRow(1, { reason: 'converged', detail: 'nothing improved' }));
    expect((await answer)?.reason).toBe('paired-run-stopped');
  });

  it('does not wait for a leader that holds no worker slot (it may wait for this one), nor once stopping', async () => {
    const { store, leader } = pairOfRuns();
    expect(await leaderStopRule(store, leader, { leaderActive: () => false, isStopping: () => false })([epochRow(1)])).toBeNull();
    store.runs.markRunning(leader, { backend: 'wasm' });
    expect(await leaderStopRule(store, leader, { leaderActive: () => true, isStopping: () => true })([epochRow(1)])).toBeNull();
  });

  it('stops at the last epoch of a leader that ended without a stop (failed or trained every epoch)', async () => {
    const { store, leader } = pairOfRuns();
    store.runs.markRunning(leader, { backend: 'wasm' });
    store.metrics.recordEpoch(leader, epochRow(1));
    store.runs.markFailed(leader, { name: 'Error', message: 'diverged' });
    const rule = leaderStopRule(store, leader, { leaderActive: () => false, isStopping: () => false });
    expect(await rule([epochRow(1)])).toMatchObject({ reason: 'paired-run-stopped', epoch: 1, detail: expect.stringContaining('failed') as string });
  });
});

describe('a pair trained side by side by the job service', () => {
  it('stops the follower at the epoch where the cross-entropy run stopped on its evidence', async () => {
    const dataDir = tempDir('dece-leader-pair-');
    const store = openTestStore(dataDir);
    const { projectId, runId: ce } = queuedRun(store, stopsAfterEpoch2(tinyConfig('ce'), 4));
    // The follower's own config would train all 4 epochs: only following CE stops it at 2.
    const deceConfig = { ...tinyConfig('dece'), training: { ...tinyConfig('dece').training, epochs: 4 } };
    const dece = store.runs.create({ projectId, stage: 'pilot', name: 'dece', config: deceConfig, lossKind: 'dece', backend: 'wasm', leaderRunId: ce }).id;
    const jobs = jobService({ store, dataDir, maxConcurrent: 2, emit: eventLog().emit });
    jobs.enqueue(ce);
    jobs.enqueue(dece);
    await jobs.idle();
    expect(store.runs.get(ce)).toMatchObject({ status: 'finished', error: null });
    expect(store.runs.get(dece)?.status).toBe('finished');
    expect(store.metrics.epochs(ce).map((e) => e.epoch)).toEqual([1, 2]);
    expect(store.metrics.epochs(ce).at(-1)?.extra['stop']).toMatchObject({ reason: 'converged' });
    expect(store.metrics.epochs(dece).map((e) => e.epoch)).toEqual([1, 2]);
    expect(store.metrics.epochs(dece).at(-1)?.extra['stop']).toMatchObject({ reason: 'paired-run-stopped', detail: expect.stringContaining('after epoch 2') as string });
  });
});

describe('a follower that starts after its leader settled', () => {
  it('is told its stop epoch up front (any executor, a remote worker too, can train it) and stops there', async () => {
    const dataDir = tempDir('dece-leader-settled-');
    const store = openTestStore(dataDir);
    const { projectId, runId: ce } = queuedRun(store, stopsAfterEpoch2(tinyConfig('ce'), 3));
    const dece = store.runs.create({ projectId, stage: 'pilot', name: 'dece', config: stopsAfterEpoch2(tinyConfig('dece'), 3), lossKind: 'dece', backend: 'wasm', leaderRunId: ce }).id;
    const requests: JobRequest[] = [];
    // One slot: CE trains to its stop first, then DeCE starts with CE's decision known.
    const jobs = jobService({
      store,
      dataDir,
      maxConcurrent: 1,
      emit: eventLog().emit,
      startJob: (request, handlers, options) => {
        requests.push(request);
        return startJob(request, handlers, options);
      },
    });
    jobs.enqueue(ce);
    jobs.enqueue(dece);
    await jobs.idle();
    const deceRequest = requests.find((r) => r.kind === 'train' && r.config.loss.kind === 'dece');
    expect(deceRequest?.kind === 'train' && deceRequest.parentDecidesStop).toBeFalsy();
    expect(deceRequest?.kind === 'train' ? deceRequest.config.training.followStop : undefined).toEqual({ epoch: 2, detail: expect.stringContaining('after epoch 2') as string });
    // The stored config is the run's own: the stop epoch is the job's, decided when it started.
    expect(store.runs.get(dece)?.config).not.toHaveProperty('training.followStop');
    expect(store.metrics.epochs(dece).map((e) => e.epoch)).toEqual([1, 2]);
    expect(store.metrics.epochs(dece).at(-1)?.extra['stop']).toMatchObject({ reason: 'paired-run-stopped' });
  });
});

describe('runs.start with followsRunId', () => {
  it('records the leader of a pair, and refuses a leader that is not a cross-entropy run of the project', async () => {
    const dataDir = tempDir('dece-leader-api-');
    const store = openTestStore(dataDir);
    // One worker slot, held by nothing: the runs stay queued, which is all this test needs.
    const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: eventLog().emit });
    const call = caller(createServices({ store, jobs, dataDir, shell: 'browser', version: '1.0.0' }));
    const project = await call('projects.create', { name: 'pair', description: '' });
    const other = await call('projects.create', { name: 'other', description: '' });
    const start = (projectId: number, loss: 'ce' | 'dece', followsRunId?: number) =>
      call('runs.start', { projectId, stage: 'pilot', name: loss, config: tinyConfig(loss), actor: 'tester', ...(followsRunId === undefined ? {} : { followsRunId }) });
    const ce = await start(project.id, 'ce');
    const dece = await start(project.id, 'dece', ce.id);
    expect(store.runs.leaderOf(dece.id)).toBe(ce.id);
    expect(store.runs.leaderOf(ce.id)).toBeNull();
    expect((await apiError(start(project.id, 'dece', dece.id))).message).toMatch(/dece run; a run follows the cross-entropy run/);
    expect((await apiError(start(other.id, 'dece', ce.id))).code).toBe('not-found');
    expect((await apiError(start(project.id, 'dece', 999))).code).toBe('not-found');
    await jobs.close();
  });
});

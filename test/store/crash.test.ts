import fs from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { open, spawnChild, tempDbFile } from './helpers';

describe('crash during training', () => {
  it('keeps completed epochs exactly once after SIGKILL mid-epoch, and the run can resume', async () => {
    const file = tempDbFile();
    const child = spawnChild(['crash', file]);
    const ready = await child.line('READY ');
    const runId = Number(ready.split(' ')[1]);
    // Let it get well into epoch 3 (many more committed and in-flight transactions) before the kill.
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.proc.kill('SIGKILL');
    const exit = await child.exit();
    expect(exit.signal).toBe('SIGKILL');
    expect(fs.existsSync(`${file}-wal`)).toBe(true); // it died without checkpointing

    const raw = new Database(file);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();

    const store = open({ file });
    expect(store.metrics.epochs(runId).map((e) => e.epoch)).toEqual([1, 2]);
    const run = store.runs.get(runId);
    expect(run).toMatchObject({ status: 'running', lastCompletedEpoch: 2 });
    expect(store.runs.listUnfinished().map((r) => r.id)).toEqual([runId]);
    const steps = store.metrics.steps(runId);
    expect(steps.filter((s) => s.epoch === 1)).toHaveLength(100);
    expect(steps.filter((s) => s.epoch === 2)).toHaveLength(100);
    const epoch3 = steps.filter((s) => s.epoch === 3);
    // Whole batches only: a batch is one transaction.
    expect(epoch3.length).toBeGreaterThanOrEqual(10);
    expect(epoch3.length % 10).toBe(0);

    // Resume: requeue the interrupted run, replay epoch 3 from its start.
    store.runs.requeue(runId, { actor: 'resume' });
    store.runs.markRunning(runId);
    const replay = Array.from({ length: epoch3.length + 10 }, (_, step) => ({ epoch: 3, step, loss: 0.4 }));
    expect(store.metrics.recordSteps(runId, replay)).toBe(10);
    expect(store.metrics.recordEpoch(runId, { epoch: 2, trainLoss: 9, bleu: 0, corpusBleu: 0, exactMatch: 0, asr: 0, seconds: 1 }).inserted).toBe(false);
    expect(store.metrics.recordEpoch(runId, { epoch: 3, trainLoss: 0.4, bleu: 41, corpusBleu: 40, exactMatch: 13, asr: 3, seconds: 1 })).toEqual({
      inserted: true,
      lastCompletedEpoch: 3,
    });
    store.runs.markFinished(runId);
    expect(store.metrics.epochs(runId).map((e) => [e.epoch, e.trainLoss])).toEqual([
      [1, 1],
      [2, 0.5],
      [3, 0.4],
    ]);
    expect(store.runs.listUnfinished()).toEqual([]);
  });
});

import { spawn } from 'node:child_process';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { DB_FILE_NAME, openStore } from '../../main/store/index';
import { REPO_ROOT, tempDir } from '../jobs/helpers';
import { reportFigures, snapshotStore } from './helpers';

const KILLS = 20;
/** Enough that the run is still unfinished after the kills that land after an epoch boundary. */
const EPOCHS = 8;

interface ChildRun {
  stdout: string;
  signal: NodeJS.Signals | null;
}

/**
 * Starts the training child and kills it `killAfterMs` after its first event matching `armOn` (its first
 * step, or its first persisted epoch), or lets it finish when `killAfterMs` is null.
 */
function trainUntilKilled(dataDir: string, mode: 'new' | 'resume', killAfterMs: number | null, armOn: RegExp = /^STEP \d+$/m): Promise<ChildRun> {
  const args = [path.join(REPO_ROOT, 'test/jobs/fixtures/train-child.ts'), dataDir, ...(mode === 'resume' ? ['resume', String(EPOCHS)] : ['new', String(EPOCHS)])];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let armed = false;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`training child hung; stderr:\n${stderr}`));
    }, 180_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (/^DONE$/m.test(stdout)) child.kill('SIGKILL');
      if (!armed && killAfterMs !== null && armOn.test(stdout)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(limit);
      resolve({ stdout, signal });
    });
  });
}

describe('hostile input: kill -9 during training', () => {
  it(`resumes after ${KILLS} SIGKILLs at random points, losing at most the current epoch, with one row per epoch`, async () => {
    const dataDir = tempDir('dece-kill-');
    const file = path.join(dataDir, DB_FILE_NAME);
    const random = seedrandom('kill -9');
    let completedBefore = 0;
    let kills = 0;
    let resumes = 0;
    let runId = 0;
    const completedAfterEachKill: number[] = [];
    for (let attempt = 0; attempt < KILLS; attempt++) {
      // Random points: within the first seconds of an epoch (mid-batch), and, every third time, just after an
      // epoch was persisted (mid-checkpoint, or at the start of the next epoch) so that the run advances.
      const afterEpoch = attempt % 3 === 2;
      const child = await trainUntilKilled(dataDir, attempt === 0 ? 'new' : 'resume', Math.floor(random() * (afterEpoch ? 400 : 2500)), afterEpoch ? /^EPOCH \d+$/m : /^STEP \d+$/m);
      if (attempt > 0) resumes += /^RUN \d+$/m.test(child.stdout) ? 1 : 0;
      runId = Number(/^RUN (\d+)$/m.exec(child.stdout)?.[1] ?? runId);
      if (child.signal === 'SIGKILL' && !/^DONE$/m.test(child.stdout)) kills += 1;
      const snapshot = snapshotStore(file);
      expect(snapshot.integrity, `after kill ${attempt + 1}`).toBe('ok');
      const store = openStore({ dataDir });
      try {
        const epochs = store.metrics.epochs(runId).map((e) => e.epoch);
        // One row per completed epoch, in order, none missing: 1..n.
        expect(epochs, `after kill ${attempt + 1}`).toEqual(Array.from({ length: epochs.length }, (_, i) => i + 1));
        // Completed epochs are never lost; only the one in flight is.
        expect(epochs.length).toBeGreaterThanOrEqual(completedBefore);
        // At most the epoch in flight is lost: a kill after "EPOCH n" keeps epoch n.
        if (afterEpoch) expect(epochs.length).toBeGreaterThan(completedBefore);
        expect(store.runs.get(runId)?.lastCompletedEpoch ?? 0).toBe(epochs.length);
        completedBefore = epochs.length;
        completedAfterEachKill.push(epochs.length);
      } finally {
        store.close();
      }
    }
    // Then let it finish undisturbed.
    const last = await trainUntilKilled(dataDir, 'resume', null);
    const store = openStore({ dataDir });
    try {
      const run = store.runs.get(runId);
      if (/^DONE$/m.test(last.stdout) || run?.status === 'finished') {
        expect(store.metrics.epochs(runId).map((e) => e.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
      }
      expect(run?.status).toBe('finished');
    } finally {
      store.close();
    }
    expect(snapshotStore(file).integrity).toBe('ok');
    reportFigures('kill -9 during training', {
      kills,
      resumes,
      completedEpochsAfterEachKill: completedAfterEachKill.join(' '),
      epochsLostAtMost: 'the current one',
      duplicateOrMissingEpochRows: 0,
      integrity: 'ok every time',
    });
  }, 900_000);
});

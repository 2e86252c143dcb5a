import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { AppEvent } from '../../common/contract';
import type { LossKind, RunConfig } from '../../common/run-config';
import { createJobService, type JobService, type JobServiceOptions } from '../../main/jobs/job-service';
import { defaultRunConfig } from '../../main/domain/default-config';
import { openStore, type Store } from '../../main/store/index';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  // Job services first (they write to the store), then stores, then the directories.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test, before those registered earlier (an app before its data folder). */
export function afterTest(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export function tempDir(prefix = 'dece-jobs-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export function openTestStore(dataDir: string): Store {
  const store = openStore({ dataDir });
  cleanups.push(() => {
    store.close();
  });
  return store;
}

export interface EventLog {
  events: AppEvent[];
  emit: (event: AppEvent) => void;
  /** Resolves with the first event (already seen or future) that matches. */
  waitFor(match: (event: AppEvent) => boolean, timeoutMs?: number): Promise<AppEvent>;
}

export function eventLog(): EventLog {
  const events: AppEvent[] = [];
  const waiters: { match: (e: AppEvent) => boolean; resolve: (e: AppEvent) => void }[] = [];
  return {
    events,
    emit: (event) => {
      events.push(event);
      for (const w of [...waiters]) {
        if (w.match(event)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    },
    waitFor(match, timeoutMs = 90_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push({
          match,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
  };
}

export function jobService(options: JobServiceOptions): JobService {
  const jobs = createJobService(options);
  cleanups.push(() => jobs.close());
  return jobs;
}

/** defaultRunConfig(true), shrunk until an epoch takes a few seconds on a busy 2-core machine. */
export function tinyConfig(loss: LossKind, overrides: { epochs?: number; pretrainEpochs?: number; seed?: number } = {}): RunConfig {
  const base = defaultRunConfig(true);
  return {
    ...base,
    seed: overrides.seed ?? base.seed,
    data: { ...base.data, corpus: { kind: 'builtin-sql', size: 300 }, evalLimit: 20 },
    model: { ...base.model, dModel: 32, heads: 4, ffSize: 64, encoderLayers: 1, decoderLayers: 1, maxTargetLength: 100 },
    training: { ...base.training, epochs: overrides.epochs ?? 2, pretrainEpochs: overrides.pretrainEpochs ?? 0 },
    loss: { ...base.loss, kind: loss },
  };
}

/** A project with one queued run in its (active) pilot stage. */
export function queuedRun(store: Store, config: RunConfig, name = `${config.loss.kind} run`): { projectId: number; runId: number } {
  const project = store.projects.create({ name: 'jobs test', actor: 'tester' });
  const run = store.runs.create({ projectId: project.id, stage: 'pilot', name, config, lossKind: config.loss.kind, backend: config.backend, actor: 'tester' });
  return { projectId: project.id, runId: run.id };
}

/** Threads of this process (Linux): a terminated worker thread disappears from here. */
export function threadCount(): number | null {
  try {
    const match = /^Threads:\s+(\d+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  }
}

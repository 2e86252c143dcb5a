import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resumeBenchmarks } from '../../main/services/benchmark';
import { REPO_ROOT, openTestStore, tempDir } from '../jobs/helpers';
import { runCli } from '../cli/run-cli';
import { benchmarkServices, settled } from './helpers';

const CLI = path.join(REPO_ROOT, 'main/cli/benchmark.ts');

interface Child {
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stderr match (rejects if the process exits first). */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  kill(): Promise<NodeJS.Signals | null>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(args: readonly string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        const poll = setInterval(() => {
          const match = pattern.exec(stderr);
          if (!match) return;
          clearInterval(poll);
          clearTimeout(timer);
          resolve(match);
        }, 50);
        void exit.then(() => {
          clearInterval(poll);
          clearTimeout(timer);
          const match = pattern.exec(stderr);
          if (match) resolve(match);
          else reject(new Error(`the CLI exited first; stderr:\n${stderr}`));
        });
      }),
    kill: async () => {
      child.kill('SIGKILL');
      return (await exit).signal;
    },
    exit,
  };
}

describe('npm run benchmark', () => {
  it('explains itself and refuses bad arguments with exit code 2', () => {
    const help = runCli(CLI, ['--help'], 60_000);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--workers X/);
    expect(help.stdout).toMatch(/--json X/);
    const badRate = runCli(CLI, ['--rates', '0.01,0.9'], 60_000);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toMatch(/--rates: .*0\.5/);
    const missing = runCli(CLI, ['--resume', '5', '--data-dir', tempDir('dece-benchmark-cli-')], 60_000);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--resume: benchmark 5 is not in/);
  });

  it('--plan-only prints the runs and the estimated duration, and trains nothing', () => {
    const dataDir = tempDir('dece-benchmark-plan-');
    const json = path.join(dataDir, 'plan.json');
    const planned = runCli(CLI, ['--plan-only', '--size', 'tiny', '--attacks', 'badpre,ripple', '--rates', '0.05', '--arms', 'ce,dece', '--seeds', '1,2', '--workers', '2', '--data-dir', dataDir, '--json', json], 120_000);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/^8 cells: 8 new runs, 0 reused, 0 defense jobs, 4 poisoned datasets$/m);
    expect(planned.stdout).toMatch(/^estimated \d+ min with 2 worker\(s\)$/m);
    const written = JSON.parse(readFileSync(json, 'utf8')) as { workers: number; plan: { newRuns: number; seconds: number } };
    expect(written.workers).toBe(2);
    expect(written.plan.newRuns).toBe(8);
    expect(written.plan.seconds).toBeGreaterThan(0);
    const store = openTestStore(dataDir);
    try {
      const projects = store.projects.list();
      expect(projects.map((p) => store.benchmarks.list(p.id).length)).toEqual(projects.map(() => 0));
      expect(projects.map((p) => store.runs.list({ projectId: p.id }).length)).toEqual(projects.map(() => 0));
    } finally {
      store.close();
    }
    const both = runCli(CLI, ['--plan-only', '--resume', '1', '--data-dir', dataDir], 60_000);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--plan-only .* cannot be combined with --resume/);
  });

  it('a matrix killed with SIGKILL resumes at the next start without rerunning its finished runs', async () => {
    const dataDir = tempDir('dece-benchmark-kill-');
    const child = startCli(['--size', 'tiny', '--attacks', 'badpre', '--rates', '0.05', '--arms', 'ce,dece', '--seeds', '1,2', '--workers', '1', '--data-dir', dataDir]);
    const finished = await child.waitFor(/ finished .*\(run #(\d+)\)/, 5 * 60_000);
    expect(await child.kill()).toBe('SIGKILL');

    const store = openTestStore(dataDir);
    const [benchmark] = store.benchmarks.listRunning();
    if (!benchmark) throw new Error('the killed matrix is not running in the store');
    const runsBefore = store.runs.list({ projectId: benchmark.projectId });
    expect(runsBefore).toHaveLength(4);
    const done = runsBefore.filter((r) => r.status === 'finished');
    expect(done.map((r) => r.id)).toContain(Number(finished[1]));
    expect(done.length).toBeLessThan(4);
    const snapshot = done.map((r) => ({ run: r, epochs: store.metrics.epochs(r.id), steps: store.metrics.steps(r.id).length }));

    const { call, jobs, trainStarts } = benchmarkServices(store, dataDir, 1);
    jobs.resumeUnfinished();
    expect(resumeBenchmarks(jobs)).toEqual([benchmark.id]);
    const detail = await settled(call, benchmark.id, 5 * 60_000);

    expect(detail.benchmark).toMatchObject({ status: 'finished', counts: { total: 4, finished: 4, failed: 0 } });
    const runsAfter = store.runs.list({ projectId: benchmark.projectId });
    expect(runsAfter.map((r) => [r.id, r.status])).toEqual(runsBefore.map((r) => [r.id, 'finished']));
    // Finished runs were not touched: same rows, same times, and no job of theirs started again.
    for (const { run, epochs, steps } of snapshot) {
      expect(store.runs.get(run.id)).toEqual(run);
      expect(store.metrics.epochs(run.id)).toEqual(epochs);
      expect(store.metrics.steps(run.id)).toHaveLength(steps);
    }
    const doneIds = done.map((r) => r.id);
    const restarted = trainStarts();
    expect(restarted.filter((id) => doneIds.includes(id))).toEqual([]);
    expect(restarted.sort()).toEqual(runsAfter.map((r) => r.id).filter((id) => !doneIds.includes(id)));
    expect(store.audit.list({ action: 'run.finish' }).filter((a) => doneIds.some((id) => a.subject === `run:${id}`))).toHaveLength(done.length);
  });
});

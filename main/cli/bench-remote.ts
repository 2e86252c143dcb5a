import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startRedis } from './redis-server-process';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

/**
 * `npm run bench:remote`: what the queue costs and what a second worker buys. The same Benchmark matrix, each time
 * in a fresh data folder (nothing reused), through `npm run benchmark`:
 *   local threads ×1, remote workers ×1 (`--redis`, one `npm run worker` process), local threads ×2, remote ×2.
 * Prints the wall times, remote ×2 / remote ×1 and the queue's overhead against local threads at equal concurrency.
 * A redis-server on this machine (Debian's) carries the queue; the workers are processes of this machine.
 */

const MATRIX = ['--size', 'tiny', '--attacks', 'badpre', '--rates', '0.02,0.05', '--arms', 'ce,dece', '--seeds', '1,2,3'];

function benchmark(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/benchmark.ts', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('close', (code) => {
      if (code === 0) resolve(0);
      else reject(new Error(`npm run benchmark ${args.join(' ')} exited with ${code}`));
    });
  });
}

async function timed(label: string, workers: number, redisUrl: string | null): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'dece-bench-remote-'));
  const processes: WorkerProcess[] = [];
  try {
    if (redisUrl !== null) {
      // Nothing of the previous configuration is left in the queue.
      const client = new Redis(redisUrl);
      await client.flushall();
      client.disconnect();
      for (let i = 0; i < workers; i++) processes.push(await startWorkerProcess(redisUrl));
    }
    process.stderr.write(`\n== ${label} ==\n`);
    const json = join(dir, 'result.json');
    await benchmark([...MATRIX, '--workers', String(workers), '--data-dir', join(dir, 'data'), '--json', json, ...(redisUrl === null ? [] : ['--redis', redisUrl])]);
    return (JSON.parse(readFileSync(json, 'utf8')) as { wallSeconds: number }).wallSeconds;
  } finally {
    for (const worker of processes) await worker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const redis = await startRedis();
  try {
    const rows: [string, number][] = [];
    const run = async (label: string, workers: number, remote: boolean) => {
      if (values.only !== undefined && !label.includes(values.only)) return;
      rows.push([label, await timed(label, workers, remote ? redis.url : null)]);
    };
    await run('local threads ×1', 1, false);
    await run('remote workers ×1', 1, true);
    await run('local threads ×2', 2, false);
    await run('remote workers ×2', 2, true);
    const wall = (label: string) => rows.find(([l]) => l === label)?.[1];
    process.stdout.write(`\nmatrix: npm run benchmark -- ${MATRIX.join(' ')} (12 runs)\n\n| configuration | wall time |\n|---|---|\n`);
    for (const [label, seconds] of rows) process.stdout.write(`| ${label} | ${seconds.toFixed(1)} s |\n`);
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(3)}×`);
    process.stdout.write(`\nremote ×2 / remote ×1: ${ratio(wall('remote workers ×2'), wall('remote workers ×1'))}\n`);
    process.stdout.write(`queue overhead, ×1: ${ratio(wall('remote workers ×1'), wall('local threads ×1'))}; ×2: ${ratio(wall('remote workers ×2'), wall('local threads ×2'))}\n`);
  } finally {
    await redis.stop();
  }
}

await main();

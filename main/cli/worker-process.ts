import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `npm run worker`'s entry point as a child process on this machine, with its output kept (tests, `npm run bench:remote`). */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves when the process has exited (however it was stopped). */
  exited: Promise<void>;
  /** SIGTERM (the worker puts back any job it holds), then waits for it to exit. */
  stop: () => Promise<void>;
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, describeFailure: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(describeFailure());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves once the worker says it is serving the queue. */
export async function startWorkerProcess(redisUrl: string, extraArgs: readonly string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'main/cli/worker.ts'), '--redis', redisUrl, ...extraArgs], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  const worker: WorkerProcess = {
    child,
    output: () => text,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    await waitUntil(() => text.includes('serving') || child.exitCode !== null, () => `worker did not start: ${text}`);
    if (!text.includes('serving')) throw new Error(`worker exited: ${text}`);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}

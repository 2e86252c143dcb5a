import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NATIVE_PACKAGES, isInstalled } from '../engine/backend';

/**
 * Training jobs run in worker threads. A native addon must support that: it is loaded once per thread,
 * and libtensorflow's process-wide state is then shared by several threads. Before the first job that may
 * use native TensorFlow, the installed native package is loaded in WORKERS threads at once and made to
 * compute; if that fails, every job runs in a process of its own instead (worker-host.ts).
 */

export type JobIsolation = 'thread' | 'process';

export interface IsolationCheck {
  isolation: JobIsolation;
  reason: string;
}

const WORKERS = 2;
const require = createRequire(import.meta.url);
const CHECK_TIMEOUT_MS = 60_000;

/** Loads `spec` in a worker thread, activates the 'tensorflow' backend it registers and adds 1 + 2. */
const PROBE_SOURCE = `
import('node:worker_threads').then(async ({ parentPort, workerData }) => {
  try {
    if (workerData.typescript) (await import('tsx/esm/api')).register();
    await import(workerData.specifier);
    const tf = await import(workerData.tfjs);
    if (!(await tf.setBackend('tensorflow'))) throw new Error("the 'tensorflow' backend did not initialise");
    const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
    parentPort.postMessage(sum === 3 ? { ok: true } : { ok: false, detail: 'computed 1 + 2 = ' + sum });
  } catch (error) {
    parentPort.postMessage({ ok: false, detail: String((error && error.message) || error).split('\\n')[0] });
  }
});
`;

function probeInWorker(spec: string): Promise<{ ok: boolean; detail?: string }> {
  // Resolved here: an eval'd worker has no module location to resolve bare specifiers from.
  const fileUrl = (id: string) => pathToFileURL(require.resolve(id)).href;
  const worker = new Worker(PROBE_SOURCE, { eval: true, workerData: { specifier: fileUrl(spec), tfjs: fileUrl('@tensorflow/tfjs'), typescript: spec.endsWith('.ts') } });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      finish({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS / 1000} s` });
    }, CHECK_TIMEOUT_MS);
    const finish = (outcome: { ok: boolean; detail?: string }) => {
      clearTimeout(timer);
      resolve(outcome);
      void worker.terminate();
    };
    worker.once('message', (message: { ok: boolean; detail?: string }) => {
      finish(message);
    });
    worker.once('error', (error) => {
      finish({ ok: false, detail: error.message.split('\n')[0] ?? 'worker error' });
    });
    worker.once('exit', (code) => {
      finish({ ok: false, detail: `worker exited with code ${code}` });
    });
  });
}

/** Which isolation jobs that may use native TensorFlow get; `packages` in preference order (tests pass fakes). */
export async function checkNativeInWorkers(packages: readonly string[] = [NATIVE_PACKAGES['tensorflow-gpu'], NATIVE_PACKAGES.tensorflow]): Promise<IsolationCheck> {
  const spec = packages.find(isInstalled);
  if (spec === undefined) return { isolation: 'thread', reason: 'no native TensorFlow package is installed' };
  const outcomes = await Promise.all(Array.from({ length: WORKERS }, () => probeInWorker(spec)));
  const failure = outcomes.find((o) => !o.ok);
  if (failure) return { isolation: 'process', reason: `${spec} does not work in worker threads (${failure.detail ?? 'failed'}): one process per job` };
  return { isolation: 'thread', reason: `${spec} loads and computes in ${WORKERS} worker threads at once` };
}

let cached: Promise<IsolationCheck> | null = null;

/** checkNativeInWorkers once per process. */
export function nativeIsolation(): Promise<IsolationCheck> {
  cached ??= checkNativeInWorkers();
  return cached;
}

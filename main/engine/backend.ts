import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-kernels';

/**
 * Compute-backend selection for training.
 *
 * - `tensorflow-gpu`: @tensorflow/tfjs-node-gpu (native TensorFlow with CUDA), tf backend 'tensorflow'
 * - `tensorflow`:     @tensorflow/tfjs-node (native TensorFlow on the CPU), tf backend 'tensorflow'
 * - `wasm`:           @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD build), plus our training kernels
 * - `cpu`:            @tensorflow/tfjs-backend-cpu (plain JavaScript; always available, slowest)
 *
 * The native packages are optional dependencies: they are loaded dynamically and only if installed.
 */

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** In `auto` preference order. */
export const BACKEND_NAMES: readonly BackendName[] = Object.freeze(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const);

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why the backend was skipped (absent when ok). */
  reason?: string;
}

export interface BackendChoice {
  name: BackendName;
  /** tf.getBackend() once the choice is active. */
  tfBackend: string;
  attempts: BackendAttempt[];
}

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

/** Runtime guard for user input (CLI flags, config files). */
export function parseBackendName(s: string): BackendName | 'auto' {
  const value = s.trim();
  if (value === 'auto') return 'auto';
  const found = BACKEND_NAMES.find((name) => name === value);
  if (found !== undefined) return found;
  throw new Error(`Unknown backend "${s}": expected one of auto, ${BACKEND_NAMES.join(', ')}.`);
}

const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

/** A failed attempt: `reason` is a single line. */
class AttemptFailure extends Error {}

function firstLine(error: unknown): string {
  let text: string;
  if (error instanceof Error) text = error.message;
  else if (typeof error === 'string') text = error;
  else if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') text = error.message;
  else text = String(error);
  const line = text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return line.trim().slice(0, 300);
}

function isModuleNotFound(error: unknown, spec: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && error.message.includes(spec);
}

/** Runs `fn` with tfjs' own console warnings muted (e.g. the cpu backend's "install tfjs-node" banner). */
function withTfWarningsMuted<T>(fn: () => T): T {
  const environment = tf.env();
  const previous = environment.getBool('IS_TEST');
  environment.set('IS_TEST', true);
  try {
    return fn();
  } finally {
    environment.set('IS_TEST', previous);
  }
}

/** A tiny op whose result we know: the backend must actually compute, not just register. */
function smokeTest(): void {
  const values = withTfWarningsMuted(() =>
    tf.tidy(() => {
      const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = tf.tensor2d([1, 0, -1, 2, 0.5, 1], [3, 2]);
      return Array.from(tf.add(tf.matMul(a, b), tf.scalar(1)).dataSync());
    }),
  );
  const reference = [
    1 * 1 + 2 * -1 + 3 * 0.5 + 1,
    1 * 0 + 2 * 2 + 3 * 1 + 1,
    4 * 1 + 5 * -1 + 6 * 0.5 + 1,
    4 * 0 + 5 * 2 + 6 * 1 + 1,
  ];
  const ok = values.length === reference.length && values.every((v, i) => Math.abs(v - (reference[i] ?? Number.NaN)) < 1e-5);
  if (!ok) throw new AttemptFailure(`smoke test computed [${values.join(', ')}], expected [${reference.join(', ')}]`);
}

async function activate(tfBackend: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfBackend);
  } catch (error) {
    throw new AttemptFailure(`backend '${tfBackend}' failed to initialise: ${firstLine(error)}`);
  }
  if (!ok) throw new AttemptFailure(`backend '${tfBackend}' failed to initialise`);
  await tf.ready();
}

async function loadNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<string> {
  const spec = NATIVE_PACKAGES[name];
  try {
    require.resolve(spec);
  } catch (error) {
    if (isModuleNotFound(error, spec)) throw new AttemptFailure(`package ${spec} is not installed`);
    throw new AttemptFailure(`package ${spec} cannot be resolved: ${firstLine(error)}`);
  }
  try {
    // A variable specifier: the package is optional, so it must not be a static (type-checked) import.
    const specifier: string = spec;
    await (import(specifier) as Promise<unknown>);
  } catch (error) {
    throw new AttemptFailure(`package ${spec} failed to load: ${firstLine(error)}`);
  }
  // Both native packages register the tf backend 'tensorflow'.
  if ((tf.findBackendFactory('tensorflow') as unknown) == null) {
    throw new AttemptFailure(`package ${spec} loaded but registered no 'tensorflow' backend`);
  }
  await activate('tensorflow');
  return 'tensorflow';
}

let wasmPathsSet = false;

async function loadWasm(): Promise<string> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    if (isModuleNotFound(error, WASM_PACKAGE)) throw new AttemptFailure(`package ${WASM_PACKAGE} is not installed`);
    throw new AttemptFailure(`package ${WASM_PACKAGE} failed to load: ${firstLine(error)}`);
  }
  if (!wasmPathsSet) {
    // The .wasm binaries ship next to the package's main script (dist/). This backend has no threads in
    // Node, so it loads the SIMD build whenever the runtime validates SIMD (its preference), else the
    // plain one. (Paths only matter before the backend's first initialisation; later calls are no-ops.)
    wasm.setWasmPaths(`${dirname(require.resolve(WASM_PACKAGE))}/`);
    wasm.setThreadsCount(1);
    wasmPathsSet = true;
  }
  registerWasmTrainingKernels();
  await activate('wasm');
  return 'wasm';
}

async function loadCpu(): Promise<string> {
  await activate('cpu');
  return 'cpu';
}

async function tryBackend(name: BackendName): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return loadNative(name);
    case 'wasm':
      return loadWasm();
    case 'cpu':
      return loadCpu();
  }
}

async function attempt(name: BackendName): Promise<{ attempt: BackendAttempt; tfBackend?: string }> {
  try {
    const tfBackend = await tryBackend(name);
    smokeTest();
    return { attempt: { name, ok: true }, tfBackend };
  } catch (error) {
    return { attempt: { name, ok: false, reason: error instanceof AttemptFailure ? error.message : firstLine(error) } };
  }
}

async function choose(request: BackendName | 'auto'): Promise<BackendChoice> {
  const attempts: BackendAttempt[] = [];
  const candidates = request === 'auto' ? BACKEND_NAMES : [request];
  for (const name of candidates) {
    const result = await attempt(name);
    attempts.push(result.attempt);
    if (result.attempt.ok && result.tfBackend !== undefined) {
      return { name, tfBackend: tf.getBackend(), attempts };
    }
  }
  if (request === 'auto') {
    throw new BackendUnavailableError(`No compute backend is available: ${attempts.map((a) => `${a.name}: ${a.reason ?? 'failed'}`).join('; ')}`);
  }
  const reason = attempts[0]?.reason ?? 'failed';
  throw new BackendUnavailableError(`Backend '${request}' is unavailable: ${reason}`);
}

const cache = new Map<BackendName | 'auto', Promise<BackendChoice>>();

/**
 * 'auto' tries tensorflow-gpu → tensorflow → wasm → cpu and keeps the first that loads and passes a tiny
 * smoke op; a named backend must load or this throws BackendUnavailableError. Idempotent per process:
 * the same request returns the cached choice (re-activated if another request switched tf since).
 */
export async function selectBackend(request: BackendName | 'auto'): Promise<BackendChoice> {
  const checked = parseBackendName(request);
  let pending = cache.get(checked);
  if (pending === undefined) {
    pending = choose(checked);
    cache.set(checked, pending);
    pending.catch(() => {
      // Failed selections are not cached: a later call may succeed (e.g. after installing a package).
      if (cache.get(checked) === pending) cache.delete(checked);
    });
  }
  const choice = await pending;
  if (tf.getBackend() !== choice.tfBackend) await activate(choice.tfBackend);
  return choice;
}

/** One line per attempt, for the CLI. */
export function describeBackendChoice(choice: BackendChoice): string {
  return choice.attempts
    .map((a) => {
      const status = a.ok ? (a.name === choice.name ? `selected (tf backend '${choice.tfBackend}')` : 'available') : `skipped: ${a.reason ?? 'unavailable'}`;
      return `${a.name}: ${status}`;
    })
    .join('\n');
}

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type LossImplementation, describeLossImplementation, lossImplementationFor } from './losses';
import { diagnoseMissingGpu, explainNativeLoadFailure } from './native-diagnosis';
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
 * Both register the same tf backend name, 'tensorflow', and each brings its own libtensorflow (same
 * soname), so one process loads at most one of them: the GPU package when it is installed (its
 * libtensorflow also runs on the CPU when no GPU is visible, and then serves the `tensorflow` choice),
 * else the CPU package.
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
  /** How the losses run on this backend (main/engine/losses.ts). */
  loss: LossImplementation;
  /** Which package's native library serves a native choice (the GPU package's also runs on the CPU). */
  nativePackage?: string;
}

export type NativeBackendName = 'tensorflow-gpu' | 'tensorflow';

export interface BackendSelectionOptions {
  /** Module specifiers of the native packages; tests put fake modules here. */
  nativePackages?: Partial<Record<NativeBackendName, string>>;
}

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
  constructor(
    message: string,
    /** Every backend tried, with its reason. */
    readonly attempts: readonly BackendAttempt[] = [],
  ) {
    super(message);
  }
}

/** Runtime guard for user input (CLI flags, config files). */
export function parseBackendName(s: string): BackendName | 'auto' {
  const value = s.trim();
  if (value === 'auto') return 'auto';
  const found = BACKEND_NAMES.find((name) => name === value);
  if (found !== undefined) return found;
  throw new Error(`Unknown backend "${s}": expected one of auto, ${BACKEND_NAMES.join(', ')}.`);
}

export const NATIVE_PACKAGES: Readonly<Record<NativeBackendName, string>> = Object.freeze({
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
});

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

/** Whether a package (or module path) resolves from here. */
export function isInstalled(spec: string): boolean {
  try {
    require.resolve(spec);
    return true;
  } catch {
    return false;
  }
}

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
  let values: number[];
  try {
    values = withTfWarningsMuted(() =>
      tf.tidy(() => {
        const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
        const b = tf.tensor2d([1, 0, -1, 2, 0.5, 1], [3, 2]);
        return Array.from(tf.add(tf.matMul(a, b), tf.scalar(1)).dataSync());
      }),
    );
  } catch (error) {
    throw new AttemptFailure(`smoke test failed: ${firstLine(error)}`);
  }
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

/** What a native package's tf backend tells about itself (tfjs-node's NodeJSKernelBackend). */
interface NativeBackendInstance {
  isUsingGpuDevice?: unknown;
}

/** The native package whose import registered the 'tensorflow' backend in this process, if any. */
let nativeLoadedFrom: string | null = null;

function tensorflowRegistered(): boolean {
  return (tf.findBackendFactory('tensorflow') as unknown) != null;
}

async function importNative(spec: string): Promise<void> {
  try {
    require.resolve(spec);
  } catch (error) {
    if (isModuleNotFound(error, spec)) {
      throw new AttemptFailure(`package ${spec} is not installed (an optional dependency: npm skips it where its libtensorflow download fails)`);
    }
    throw new AttemptFailure(`package ${spec} cannot be resolved: ${firstLine(error)}`);
  }
  try {
    // A variable specifier: the package is optional, so it must not be a static (type-checked) import.
    const specifier: string = spec;
    await (import(specifier) as Promise<unknown>);
  } catch (error) {
    throw new AttemptFailure(`package ${spec} failed to load: ${explainNativeLoadFailure(firstLine(error))}`);
  }
  if (!tensorflowRegistered()) throw new AttemptFailure(`package ${spec} loaded but registered no 'tensorflow' backend`);
  nativeLoadedFrom = spec;
}

/** A native package that failed its smoke test leaves no 'tensorflow' registration behind for the next attempt. */
function forgetNative(): void {
  if (nativeLoadedFrom === null) return;
  // Removing the active backend leaves none active; the next attempt activates its own.
  tf.removeBackend('tensorflow');
  nativeLoadedFrom = null;
}

async function loadNative(name: NativeBackendName, packages: Readonly<Record<NativeBackendName, string>>): Promise<string> {
  const spec = packages[name];
  if (nativeLoadedFrom === null) {
    await importNative(spec);
  } else if (name === 'tensorflow-gpu' && nativeLoadedFrom !== spec) {
    // The CPU addon is in this process already: a second libtensorflow with the same soname cannot load beside it.
    // (A 'tensorflow' request is served by whichever native package is loaded: the GPU build runs on the CPU too.)
    throw new AttemptFailure(`package ${nativeLoadedFrom} is already loaded in this process; ${spec} cannot load beside it (start a new process with --backend ${name})`);
  }
  await activate('tensorflow');
  if (name === 'tensorflow-gpu') {
    const instance = tf.backend() as unknown as NativeBackendInstance;
    if (instance.isUsingGpuDevice !== true) throw new AttemptFailure(`no GPU visible to TensorFlow: ${diagnoseMissingGpu()}`);
  }
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

async function tryBackend(name: BackendName, packages: Readonly<Record<NativeBackendName, string>>): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return loadNative(name, packages);
    case 'wasm':
      return loadWasm();
    case 'cpu':
      return loadCpu();
  }
}

async function attempt(name: BackendName, packages: Readonly<Record<NativeBackendName, string>>): Promise<{ attempt: BackendAttempt; tfBackend?: string }> {
  try {
    const tfBackend = await tryBackend(name, packages);
    try {
      smokeTest();
    } catch (error) {
      if (tfBackend === 'tensorflow') forgetNative();
      throw error;
    }
    return { attempt: { name, ok: true }, tfBackend };
  } catch (error) {
    return { attempt: { name, ok: false, reason: error instanceof AttemptFailure ? error.message : firstLine(error) } };
  }
}

/**
 * Tries the requested backend ('auto': each in preference order) without the per-process cache, and
 * activates the first that works. The doctor probes every backend this way; training uses selectBackend.
 */
export async function chooseBackend(request: BackendName | 'auto', options: BackendSelectionOptions = {}): Promise<BackendChoice> {
  const packages = { ...NATIVE_PACKAGES, ...options.nativePackages };
  const attempts: BackendAttempt[] = [];
  const checked = parseBackendName(request);
  const candidates = checked === 'auto' ? BACKEND_NAMES : [checked];
  for (const name of candidates) {
    const result = await attempt(name, packages);
    attempts.push(result.attempt);
    if (result.attempt.ok && result.tfBackend !== undefined) {
      const tfBackend = tf.getBackend();
      const native = result.tfBackend === 'tensorflow' && nativeLoadedFrom !== null ? { nativePackage: nativeLoadedFrom } : {};
      return { name, tfBackend, attempts, loss: lossImplementationFor(tfBackend), ...native };
    }
  }
  if (request === 'auto') {
    throw new BackendUnavailableError(`No compute backend is available: ${attempts.map((a) => `${a.name}: ${a.reason ?? 'failed'}`).join('; ')}`, attempts);
  }
  const reason = attempts[0]?.reason ?? 'failed';
  throw new BackendUnavailableError(`Backend '${request}' is unavailable: ${reason}`, attempts);
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
    pending = chooseBackend(checked);
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

/** One line per attempt, then the loss implementation: the run's backend report. */
export function describeBackendChoice(choice: BackendChoice): string {
  const lines = choice.attempts.map((a) => {
    const via = choice.nativePackage !== undefined ? `, ${choice.nativePackage}` : '';
    const status = a.ok ? (a.name === choice.name ? `selected (tf backend '${choice.tfBackend}'${via})` : 'available') : `skipped: ${a.reason ?? 'unavailable'}`;
    return `${a.name}: ${status}`;
  });
  return [...lines, `loss: ${describeLossImplementation(choice.loss)}`].join('\n');
}

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type MockInstance, afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BACKEND_NAMES,
  type BackendChoice,
  BackendUnavailableError,
  describeBackendChoice,
  isInstalled,
  parseBackendName,
  selectBackend,
} from '../../main/engine/backend';

const require = createRequire(import.meta.url);

// This machine has neither native package (their binaries cannot be downloaded here).
const nativeInstalled = isInstalled('@tensorflow/tfjs-node') || isInstalled('@tensorflow/tfjs-node-gpu');

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors, 'tensors leaked').toBe(tensorsBefore);
});

describe('parseBackendName', () => {
  it('accepts auto and every backend name', () => {
    expect(parseBackendName('auto')).toBe('auto');
    for (const name of BACKEND_NAMES) expect(parseBackendName(name)).toBe(name);
    expect(BACKEND_NAMES).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
  });

  it('rejects anything else with one line listing the accepted names', () => {
    for (const bad of ['gpu', 'WASM', '', 'webgl', 'tensorflow-cpu']) {
      let message = '';
      try {
        parseBackendName(bad);
      } catch (error) {
        message = error instanceof Error ? error.message : String(error);
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('\n');
      for (const accepted of ['auto', ...BACKEND_NAMES]) expect(message).toContain(accepted);
    }
  });

  it('makes an unknown name a type error, and selectBackend guards at runtime too', async () => {
    // @ts-expect-error 'gpu' is not a BackendName
    const call = () => selectBackend('gpu');
    await expect(call()).rejects.toThrow(/Unknown backend "gpu".*tensorflow-gpu, tensorflow, wasm, cpu/);
  });
});

describe.skipIf(nativeInstalled)('selectBackend on this machine (no native TensorFlow)', () => {
  let auto: BackendChoice;
  // Emscripten reads the .wasm binary with fs.readFileSync in Node: record which file it loads.
  let readFileSync: MockInstance<typeof fs.readFileSync> | undefined;
  beforeAll(() => {
    readFileSync = vi.spyOn(fs, 'readFileSync');
  });
  afterAll(() => {
    readFileSync?.mockRestore();
  });

  it("'auto' picks wasm and records both native backends as skipped, with a reason", async () => {
    auto = await selectBackend('auto');
    expect(auto.name).toBe('wasm');
    expect(auto.tfBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(auto.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['wasm', true],
    ]);
    expect(auto.attempts[0]?.reason).toBe('package @tensorflow/tfjs-node-gpu is not installed (an optional dependency: npm skips it where its libtensorflow download fails)');
    expect(auto.attempts[1]?.reason).toBe('package @tensorflow/tfjs-node is not installed (an optional dependency: npm skips it where its libtensorflow download fails)');
    expect(auto.loss).toBe('fused');
    expect(auto.attempts[2]?.reason).toBeUndefined();
    // The SIMD build, from the package's dist folder in node_modules.
    const wasmFiles = (readFileSync?.mock.calls ?? []).map((call) => String(call[0])).filter((file) => file.endsWith('.wasm'));
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    expect(wasmFiles).toEqual([path.join(dist, 'tfjs-backend-wasm-simd.wasm')]);
    readFileSync?.mockRestore();
    // wasm comes with the training kernels it lacks.
    expect(tf.getKernel(tf.UnsortedSegmentSum, 'wasm') as tf.KernelConfig | undefined).toBeDefined();
  });

  it('describes the choice one line per attempt, then the loss implementation', () => {
    const lines = describeBackendChoice(auto).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('tensorflow-gpu: skipped: package @tensorflow/tfjs-node-gpu is not installed (an optional dependency: npm skips it where its libtensorflow download fails)');
    expect(lines[1]).toBe('tensorflow: skipped: package @tensorflow/tfjs-node is not installed (an optional dependency: npm skips it where its libtensorflow download fails)');
    expect(lines[2]).toMatch(/^wasm: selected/);
    expect(lines[3]).toMatch(/^loss: fused pass in JavaScript/);
  });

  it('is idempotent: the same request returns the cached choice', async () => {
    expect(await selectBackend('auto')).toBe(auto);
  });

  it("a named backend that is not installed throws BackendUnavailableError naming it", async () => {
    for (const [name, spec] of [
      ['tensorflow', '@tensorflow/tfjs-node'],
      ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
    ] as const) {
      const error: unknown = await selectBackend(name).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackendUnavailableError);
      const message = error instanceof Error ? error.message : '';
      expect(message).toBe(`Backend '${name}' is unavailable: package ${spec} is not installed (an optional dependency: npm skips it where its libtensorflow download fails)`);
      expect(message).not.toContain('\n');
    }
    // A failed request leaves the active backend alone.
    expect(tf.getBackend()).toBe('wasm');
  });

  it('selects cpu and wasm by name, and a cached choice is re-activated', async () => {
    const cpu = await selectBackend('cpu');
    expect(cpu).toEqual({ name: 'cpu', tfBackend: 'cpu', attempts: [{ name: 'cpu', ok: true }], loss: 'fused' });
    expect(tf.getBackend()).toBe('cpu');
    expect(describeBackendChoice(cpu).split('\n')[0]).toBe("cpu: selected (tf backend 'cpu')");

    expect(await selectBackend('auto')).toBe(auto);
    expect(tf.getBackend()).toBe('wasm');

    const wasm = await selectBackend('wasm');
    expect(wasm.name).toBe('wasm');
    expect(wasm.attempts).toEqual([{ name: 'wasm', ok: true }]);
    expect(await selectBackend('cpu')).toBe(cpu);
    expect(tf.getBackend()).toBe('cpu');
    await selectBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('the wasm backend computes', async () => {
    await selectBackend('wasm');
    const sum = tf.tidy(() => tf.sum(tf.matMul(tf.ones([3, 4]), tf.ones([4, 5]))).dataSync()[0]);
    expect(sum).toBe(60);
  });
});

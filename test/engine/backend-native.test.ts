import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as BackendModule from '../../main/engine/backend';
import { CUDA_LIBRARIES, type GpuEnvironment, diagnoseMissingGpu, explainNativeLoadFailure } from '../../main/engine/native-diagnosis';

/**
 * Backend selection with stand-ins for the native packages (the real ones cannot be installed here):
 * each fake registers the 'tensorflow' backend at import, as @tensorflow/tfjs-node does.
 */

const fake = (name: string) => fileURLToPath(new URL(`./fixtures/native/${name}.ts`, import.meta.url));
const notInstalled = '@tensorflow/tfjs-node-absent-for-this-test';

/** A fresh backend module (and fresh fakes) per test: a process loads at most one native package. */
let backend: typeof BackendModule;
beforeEach(async () => {
  vi.resetModules();
  backend = await import('../../main/engine/backend');
});
afterEach(async () => {
  await tf.setBackend('cpu');
  if ((tf.findBackendFactory('tensorflow') as unknown) != null) tf.removeBackend('tensorflow');
  // Kernels are registered per backend name, for the whole process: the next fake starts without them.
  for (const kernel of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(kernel.kernelName, 'tensorflow');
});

describe('backend selection with native packages that are broken, loaded or absent', () => {
  it('a package that throws at load falls through to wasm with the reason and the likely cause', async () => {
    const choice = await backend.chooseBackend('auto', { nativePackages: { 'tensorflow-gpu': fake('throws-at-load'), tensorflow: notInstalled } });
    expect(choice.name).toBe('wasm');
    expect(choice.loss).toBe('fused');
    const [gpu, cpu] = choice.attempts;
    expect(gpu?.ok).toBe(false);
    expect(gpu?.reason).toMatch(/failed to load: libtensorflow\.so\.2: cannot open shared object file.* libtensorflow is missing/);
    expect(cpu?.reason).toMatch(new RegExp(`^package ${notInstalled} is not installed \\(an optional dependency`));
    const report = backend.describeBackendChoice(choice).split('\n');
    expect(report[0]).toMatch(/^tensorflow-gpu: skipped: package .*throws-at-load\.ts failed to load/);
    expect(report[2]).toMatch(/^wasm: selected/);
    expect(report[3]).toMatch(/^loss: fused pass in JavaScript/);
  });

  it('a package that loads but fails the smoke test is dropped, and the next native package is tried', async () => {
    const choice = await backend.chooseBackend('auto', { nativePackages: { 'tensorflow-gpu': fake('fails-smoke-test'), tensorflow: fake('without-gpu') } });
    expect(choice.attempts[0]).toEqual({ name: 'tensorflow-gpu', ok: false, reason: expect.stringMatching(/^smoke test failed: .*not registered for backend 'tensorflow'/) as unknown });
    expect(choice.name).toBe('tensorflow');
    expect(choice.tfBackend).toBe('tensorflow');
    expect(choice.nativePackage).toBe(fake('without-gpu'));
    expect(choice.loss).toBe('tensor');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(backend.describeBackendChoice(choice)).toMatch(/\nloss: tensor ops on the device/);
    await expect(backend.chooseBackend('tensorflow-gpu', { nativePackages: { 'tensorflow-gpu': fake('with-gpu') } })).rejects.toThrow(
      /without-gpu\.ts is already loaded in this process; .*with-gpu\.ts cannot load beside it/,
    );
  });

  it('the GPU package without a visible GPU serves the tensorflow choice on the CPU, with the reason', async () => {
    const packages = { 'tensorflow-gpu': fake('without-gpu'), tensorflow: notInstalled };
    const choice = await backend.chooseBackend('auto', { nativePackages: packages });
    expect(choice.attempts[0]?.reason).toMatch(/^no GPU visible to TensorFlow: /);
    expect(choice.name).toBe('tensorflow');
    expect(choice.nativePackage).toBe(fake('without-gpu'));
    // Asked for by name in the same process, the loaded package serves it: the other is not loaded beside it.
    const other = await backend.chooseBackend('tensorflow', { nativePackages: { ...packages, 'tensorflow-gpu': fake('with-gpu'), tensorflow: fake('with-gpu') } });
    expect(other.name).toBe('tensorflow');
    expect(other.nativePackage).toBe(fake('without-gpu'));
  });

  it('a GPU package that sees a GPU is chosen first, with the tensor-op loss', async () => {
    const choice = await backend.chooseBackend('auto', { nativePackages: { 'tensorflow-gpu': fake('with-gpu'), tensorflow: fake('without-gpu') } });
    expect(choice.attempts).toEqual([{ name: 'tensorflow-gpu', ok: true }]);
    expect(choice.name).toBe('tensorflow-gpu');
    expect(choice.loss).toBe('tensor');
    const reused = await backend.chooseBackend('tensorflow', { nativePackages: { 'tensorflow-gpu': fake('throws-at-load'), tensorflow: fake('without-gpu') } });
    expect(reused.name).toBe('tensorflow');
    expect(reused.nativePackage).toBe(fake('with-gpu'));
  });

  it('a named native backend that fails throws BackendUnavailableError with the reason', async () => {
    await expect(backend.chooseBackend('tensorflow-gpu', { nativePackages: { 'tensorflow-gpu': fake('fails-smoke-test') } })).rejects.toThrow(
      /^Backend 'tensorflow-gpu' is unavailable: smoke test failed/,
    );
  });
});

describe('why a native package does not run', () => {
  const linux: GpuEnvironment = { platform: 'linux', arch: 'x64', libraryPath: [], ldconfigCache: '', nvidiaDevices: [] };
  const cudaCache = CUDA_LIBRARIES.map((l) => `\t${l} (libc6,x86-64) => /usr/local/cuda/lib64/${l}`).join('\n');

  it('names the missing CUDA/cuDNN libraries, then a missing device, then a driver mismatch', () => {
    expect(diagnoseMissingGpu(linux)).toMatch(/^CUDA\/cuDNN libraries not found: libcudart\.so\.11\.0, libcublas\.so\.11, libcudnn\.so\.8 /);
    const withoutCudnn = { ...linux, ldconfigCache: cudaCache.split('\n').filter((l) => !l.includes('cudnn')).join('\n') };
    expect(diagnoseMissingGpu(withoutCudnn)).toMatch(/^CUDA\/cuDNN libraries not found: libcudnn\.so\.8 /);
    expect(diagnoseMissingGpu({ ...linux, ldconfigCache: cudaCache })).toMatch(/^no NVIDIA device: \/dev\/nvidia0 is absent/);
    expect(diagnoseMissingGpu({ ...linux, ldconfigCache: cudaCache, nvidiaDevices: ['nvidia0'] })).toMatch(/nvidia0.*driver supports CUDA 11\.2/);
  });

  it('says GPU builds are Linux and Windows x64 only on a Mac', () => {
    expect(diagnoseMissingGpu({ ...linux, platform: 'darwin', arch: 'arm64' })).toMatch(/Linux x64 and Windows x64 only \(this is darwin arm64/);
  });

  it('adds the cause to a load error it recognises and leaves others alone', () => {
    expect(explainNativeLoadFailure('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x')).toMatch(/addon was not built.*TFJS_NODE_BASE_URI/);
    expect(explainNativeLoadFailure('libcudart.so.11.0: cannot open shared object file')).toMatch(/CUDA 11\.2 and cuDNN 8\.1/);
    expect(explainNativeLoadFailure('something else')).toBe('something else');
  });
});

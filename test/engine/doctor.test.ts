import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { diagnoseBackends, formatDoctorReport } from '../../main/engine/doctor';
import { runCli } from '../cli/run-cli';

const fake = (name: string) => fileURLToPath(new URL(`./fixtures/native/${name}.ts`, import.meta.url));

describe('the backend doctor', () => {
  it('reports every backend with its reason, device, loss and a speed probe, and the choice', async () => {
    const progress: string[] = [];
    const report = await diagnoseBackends({
      steps: 1,
      size: 'tiny',
      // The fake native backend computes with the JavaScript cpu kernels: too slow to time here.
      probe: ['wasm'],
      nativePackages: { 'tensorflow-gpu': fake('throws-at-load'), tensorflow: fake('without-gpu') },
      onProgress: (line) => progress.push(line),
    });
    expect(report.backends.map((b) => [b.name, b.available])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', true],
      ['wasm', true],
      ['cpu', true],
    ]);
    expect(report.backends[0]?.reason).toMatch(/failed to load: libtensorflow\.so\.2: cannot open shared object file/);
    expect(report.backends[0]?.probe).toBeUndefined();
    const native = report.backends[1];
    expect(native?.loss).toBe('tensor');
    expect(native?.nativePackage).toBe(fake('without-gpu'));
    expect(report.backends[2]?.loss).toBe('fused');
    for (const b of report.backends.slice(1)) expect(b.device).toMatch(/RAM$/);
    const wasm = report.backends[2];
    expect(wasm?.probe?.steps).toBe(1);
    expect(wasm?.probe?.tokensPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(wasm?.probe?.tokensPerSecond)).toBe(true);
    expect(report.backends[1]?.probeSkipped).toBe('not requested');
    expect(progress).toEqual(['wasm: timing 1 training steps of the tiny model…']);
    expect(report.chosen).toBe('tensorflow');
    const text = formatDoctorReport(report);
    expect(text).toMatch(/^tensorflow-gpu: unavailable — package .*throws-at-load\.ts failed to load/);
    expect(text).toMatch(/\ntensorflow: available \(.*without-gpu\.ts\)\n {2}device: .*\n {2}loss: tensor ops on the device\n {2}speed: not measured \(not requested\)/);
    expect(text).toMatch(/\nwasm: available\n {2}device: .*\n {2}loss: fused JavaScript pass\n {2}speed: \d+ tokens\/s \(\d+ ms\/step over 1 steps, tiny model, DeCE\)/);
    expect(text).toMatch(/\nchosen \(--backend auto\): tensorflow\n$/);
    tf.removeBackend('tensorflow');
  });

  it('npm run doctor names the missing native packages and exits 0 with wasm', () => {
    // The default probe set leaves the cpu fallback out; no steps keeps this quick.
    const { code, stdout, stderr } = runCli('main/cli/doctor.ts', ['--steps', '0'], 60_000);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^tensorflow-gpu: (unavailable — .+|available.*)$/m);
    expect(stdout).toMatch(/^wasm: available\n {2}device: .+\n {2}loss: fused JavaScript pass$/m);
    expect(stdout).toMatch(/^chosen \(--backend auto\): (tensorflow-gpu|tensorflow|wasm)$/m);
    expect(runCli('main/cli/doctor.ts', ['--steps', 'x'], 60_000).code).toBe(2);
    expect(runCli('main/cli/doctor.ts', ['--probe', 'gpu'], 60_000).stderr).toMatch(/^doctor: Unknown backend "gpu"/);
  });
});

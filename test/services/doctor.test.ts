import { describe, expect, it } from 'vitest';
import { DoctorReportSchema, doctorContract } from '../../common/contract-doctor';
import { createDoctorHandlers } from '../../main/services/doctor';

/** `doctor.run` on the real engine: a real worker thread loads every backend and times wasm. */
describe('doctor.run', () => {
  it('runs the doctor in a worker and answers with the contract’s report; a second call shares the run', async () => {
    const progress: string[] = [];
    const { 'doctor.run': run } = createDoctorHandlers({ onProgress: (line) => progress.push(line) });
    const input = doctorContract['doctor.run'].input.parse({ size: 'tiny', steps: 2, probe: ['wasm'] });
    const first = run(input);
    const second = run(input);
    const [report, shared] = await Promise.all([first, second]);
    expect(shared).toBe(report);
    expect(DoctorReportSchema.parse(report)).toEqual(report);

    expect(report.backends.map((b) => b.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    // Native TensorFlow is optional: where its package is missing (as here), the reason names it.
    for (const native of report.backends.slice(0, 2)) {
      if (!native.available) expect(native.reason, native.name).toMatch(/@tensorflow\/tfjs-node|libtensorflow|CUDA|GPU|smoke/);
    }
    const wasm = report.backends[2];
    expect(wasm?.available).toBe(true);
    expect(wasm?.loss).toBe('fused');
    expect(wasm?.device).toMatch(/RAM$/);
    expect(wasm?.probe?.steps).toBe(2);
    expect(wasm?.probe?.tokensPerSecond).toBeGreaterThan(0);
    expect(report.backends[3]?.probeSkipped).toBe('not requested');
    const firstWorking = report.backends.find((b) => b.available)?.name;
    expect(report.chosen).toBe(firstWorking);
    expect(report.probeModel).toBe('tiny');
    // The progress lines arrived as the worker's events.
    expect(progress).toEqual(['wasm: timing 2 training steps of the tiny model…']);

    // Finished: the next call runs the doctor again (here without a probe).
    const again = await run(doctorContract['doctor.run'].input.parse({ size: 'tiny', steps: 0 }));
    expect(again).not.toBe(report);
    expect(again.backends.every((b) => b.probe === undefined)).toBe(true);
    expect(again.chosen).toBe(firstWorking);
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunConfig } from '../../common/run-config';
import type { TrainingEvent } from '../../common/training-events';
import type { JobRequest } from '../../main/jobs/messages';
import type { JobHandlers, RunningJob } from '../../main/jobs/worker-host';
import { startJob } from '../../main/jobs/worker-host';
import { pretrainCacheFile } from '../../main/jobs/pretrain-cache';
import { createEstimator, FALLBACK_TOKENS_PER_SECOND, measureThroughput, modelShapeKey, PROBE_FIRST_STEP, PROBE_LAST_STEP, probeConfig } from '../../main/jobs/estimate';
import { pilotPresetConfig, presetConfig } from '../../common/presets';
import { tinyRunConfig } from '../helpers/tiny-config';

const quick = presetConfig('quick', 'dece');

function stepEvent(step: number): TrainingEvent {
  return { type: 'step', phase: 'train', epoch: 1, epochs: 1, step, stepsPerEpoch: 20, loss: 1, learningRate: 1e-3, tokensPerSecond: 0, etaSeconds: 0 };
}

/** A job that reports the given train steps synchronously and is then cancelled or fails. */
function scriptedJob(steps: number[], outcome: 'cancel' | 'fail', seen: { config?: RunConfig; cancelled: boolean }) {
  return (request: JobRequest, handlers: JobHandlers): Pick<RunningJob<never>, 'result' | 'cancel'> => {
    if (request.kind === 'train') seen.config = request.config;
    let reject: (error: Error) => void = () => undefined;
    const result = new Promise<never>((_, r) => {
      reject = r;
    });
    queueMicrotask(() => {
      for (const step of steps) handlers.onEvent?.(stepEvent(step));
      if (outcome === 'fail') reject(new Error('backend failed'));
    });
    return {
      result,
      cancel() {
        seen.cancelled = true;
        reject(new Error('cancelled'));
      },
    };
  };
}

describe('duration estimate', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('probes the run’s own model and batch size, for one epoch long enough to time the steps', () => {
    const config: RunConfig = { ...quick, training: { ...quick.training, batchSize: 32, epochs: 9, pretrainEpochs: 4 } };
    const probe = probeConfig(config);
    expect(probe.model).toEqual(config.model);
    expect(probe.training.batchSize).toBe(32);
    expect(probe.training.epochs).toBe(1);
    expect(probe.training.pretrainEpochs).toBe(0);
    const size = (probe.data.corpus as { size: number }).size;
    const trainRows = size - Math.round(size * probe.data.testFraction) - Math.round(size * probe.data.validFraction);
    expect(Math.floor(trainRows / 32)).toBeGreaterThan(PROBE_LAST_STEP);
    // Shape, not loss or data, decides the speed.
    expect(modelShapeKey(config)).toBe(modelShapeKey({ ...config, loss: { ...config.loss, kind: 'ce' }, seed: 99 }));
    expect(modelShapeKey(config)).not.toBe(modelShapeKey({ ...config, model: { ...config.model, dModel: 128 } }));
  });

  it('takes the median step after the warm-up, so slow first steps and one GC pause do not move it', async () => {
    const steps = Array.from({ length: PROBE_LAST_STEP }, (_, i) => i + 1);
    /** Clock readings (ms) at each step: the warm-up steps take 1 s, the timed ones `ms`, one of them 5 s. */
    const clock = (ms: number) => {
      let at = 0;
      return steps.map((step) => (at += step <= PROBE_FIRST_STEP ? 1000 : step === PROBE_FIRST_STEP + 3 ? 5000 : ms));
    };
    const measure = async (ms: number, seen: { config?: RunConfig; cancelled: boolean }) => {
      const times = clock(ms);
      let call = 0;
      vi.spyOn(performance, 'now').mockImplementation(() => times[Math.min(call++, times.length - 1)] ?? 0);
      return measureThroughput(quick, scriptedJob(steps, 'cancel', seen));
    };
    const seen: { config?: RunConfig; cancelled: boolean } = { cancelled: false };
    const fast = await measure(100, seen);
    expect(seen.cancelled).toBe(true);
    expect(seen.config?.model).toEqual(quick.model);
    const slow = await measure(200, { cancelled: false });
    expect(fast / slow).toBeCloseTo(2, 6);
  });

  it('falls back to the stated throughput when the probe fails before timing two steps', async () => {
    const seen = { cancelled: false };
    const tokensPerSecond = await measureThroughput(quick, scriptedJob([1, 2, 3], 'fail', seen));
    expect(tokensPerSecond).toBe(FALLBACK_TOKENS_PER_SECOND);
  });

  it('measures a real model in a worker and stops it', async () => {
    const config = tinyRunConfig({ epochs: 1 });
    let result: Promise<unknown> | undefined;
    const tokensPerSecond = await measureThroughput(config, (request, handlers) => {
      const job = startJob<unknown>(request, handlers);
      result = job.result;
      return job;
    });
    expect(Number.isFinite(tokensPerSecond)).toBe(true);
    expect(tokensPerSecond).toBeGreaterThan(0);
    expect(tokensPerSecond).not.toBe(FALLBACK_TOKENS_PER_SECOND);
    await expect(result).rejects.toThrow(/cancel/i);
  }, 120_000);

  it('asks for the throughput of each run’s config and scales with epochs and cached pre-training', async () => {
    const asked: RunConfig[] = [];
    const estimator = createEstimator({
      throughput: (config) => {
        asked.push(config);
        return Promise.resolve(5_000);
      },
    });
    const four = await estimator.estimate(quick);
    const eight = await estimator.estimate({ ...quick, training: { ...quick.training, epochs: 8 } });
    expect(asked).toHaveLength(2);
    expect(asked[0]).toBe(quick);
    const own = (e: { seconds: number; pretrainSeconds?: number }) => e.seconds - (e.pretrainSeconds ?? 0);
    expect(four.pretrainSeconds).toBeGreaterThan(0);
    expect(eight.pretrainSeconds).toBe(four.pretrainSeconds);
    // Startup is paid once, so doubling the epochs slightly less than doubles a run's own time.
    expect(own(eight) / own(four)).toBeGreaterThan(1.8);
    expect(own(eight) / own(four)).toBeLessThan(2);

    const cacheDir = mkdtempSync(join(tmpdir(), 'estimate-'));
    try {
      const file = pretrainCacheFile(cacheDir, quick);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '{}');
      const cached = await createEstimator({ cacheDir, throughput: 5_000 }).estimate(quick);
      expect(cached.pretrainSeconds).toBe(0);
      // Both are rounded to tenths of a second.
      expect(Math.abs(cached.seconds - own(four))).toBeLessThanOrEqual(0.1 + 1e-9);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it("counts the Pilot presets' shipped pre-training as done and never estimates past a stopping run's time budget", async () => {
    const estimator = createEstimator({ throughput: 2_000 });
    const pilotQuick = pilotPresetConfig('quick', 'dece');
    const bounded = await estimator.estimate(pilotQuick);
    expect(bounded.pretrainSeconds).toBe(0);
    expect(bounded.seconds).toBe(pilotQuick.training.stopping?.budgetSeconds);
    const fixed: RunConfig['training'] = { ...pilotQuick.training };
    delete fixed.stopping;
    const unbounded = await estimator.estimate({ ...pilotQuick, training: fixed });
    expect(unbounded.seconds).toBeGreaterThan(bounded.seconds);
  });
});

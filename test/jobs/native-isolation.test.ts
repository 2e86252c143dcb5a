import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TrainRunResult } from '../../main/engine/train';
import type { BackendReport } from '../../main/jobs/messages';
import { checkNativeInWorkers } from '../../main/jobs/native-isolation';
import { JobCancelledError, startJob } from '../../main/jobs/worker-host';
import { tinyRunConfig } from '../helpers/tiny-config';

const fake = (name: string) => fileURLToPath(new URL(`../engine/fixtures/native/${name}.ts`, import.meta.url));

describe('native TensorFlow in worker threads', () => {
  it('jobs stay in threads when no native package is installed', async () => {
    expect(await checkNativeInWorkers(['@tensorflow/tfjs-node-absent-for-this-test'])).toEqual({
      isolation: 'thread',
      reason: 'no native TensorFlow package is installed',
    });
  });

  it('a package that loads and computes in two worker threads at once keeps jobs in threads', async () => {
    const check = await checkNativeInWorkers(['@tensorflow/tfjs-node-absent-for-this-test', fake('with-gpu')]);
    expect(check.isolation).toBe('thread');
    expect(check.reason).toBe(`${fake('with-gpu')} loads and computes in 2 worker threads at once`);
  });

  it('a package that cannot load in a worker thread sends every job to a process of its own, with the reason', async () => {
    const check = await checkNativeInWorkers([fake('fails-in-workers')]);
    expect(check.isolation).toBe('process');
    expect(check.reason).toMatch(/fails-in-workers\.ts does not work in worker threads \(Module did not self-register: tfjs_binding\.node\): one process per job$/);
  });
});

describe('a job in a process of its own', () => {
  it('trains, reports its backend and result like a thread, and can be cancelled', async () => {
    const config = tinyRunConfig({ epochs: 1 });
    const backends: BackendReport[] = [];
    const job = startJob<TrainRunResult>({ kind: 'train', jobId: 'process-1', config }, { onBackend: (b) => backends.push(b) }, { isolation: 'process' });
    const result = await job.result;
    expect(result.epochs.map((e) => e.epoch)).toEqual([1]);
    expect(Number.isFinite(result.epochs[0]?.trainLoss)).toBe(true);
    expect(backends).toHaveLength(1);
    expect(backends[0]?.name).toBe('wasm');
    expect(backends[0]?.description).toMatch(/\nloss: fused pass in JavaScript/);

    let cancel: (() => void) | null = null;
    const cancelled = startJob<TrainRunResult>(
      { kind: 'train', jobId: 'process-2', config: tinyRunConfig({ epochs: 3 }) },
      {
        onEvent: (event) => {
          if (event.type === 'step') cancel?.();
        },
      },
      { isolation: 'process' },
    );
    cancel = () => {
      cancelled.cancel();
    };
    await expect(cancelled.result).rejects.toBeInstanceOf(JobCancelledError);
  });
});

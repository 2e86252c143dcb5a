import { describe, expect, it } from 'vitest';
import type { DefenseJob } from '../../main/jobs/job-service';
import { openTestStore, tempDir } from '../jobs/helpers';
import { benchmarkProject, benchmarkServices, benchmarkSpec, until } from './helpers';

const MINUTES = 60_000;

describe('a matrix whose job service closes while a defense waits for a worker', () => {
  it('asks for the defense once and leaves the cell to the next start', async () => {
    const dataDir = tempDir('dece-benchmark-close-');
    const store = openTestStore(dataDir);
    // One worker: once CE has finished, DeCE holds it and the ONION defense waits in the queue.
    const { call, jobs } = benchmarkServices(store, dataDir, 1);
    const projectId = benchmarkProject(store);
    const requests: DefenseJob[] = [];
    const runDefense = jobs.runDefense.bind(jobs);
    // Counts the runner's requests; past a bound it fails them, so a runner that asks again and again ends
    // with a failed cell and a count this test rejects, instead of spinning for ever.
    jobs.runDefense = (job) => {
      requests.push(job);
      return requests.length > 20 ? Promise.reject(new Error('the runner asked for the defense again and again')) : runDefense(job);
    };
    const benchmark = await call('benchmarks.start', { projectId, spec: benchmarkSpec({ arms: ['ce', 'dece', 'onion'] }), actor: 'ana' });
    await until(() => requests.length > 0, 5 * MINUTES, 'the defense to be asked for');

    await jobs.close();
    // Timers still run after the close, and the defense was asked for once.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(requests).toHaveLength(1);
    const detail = await call('benchmarks.get', { benchmarkId: benchmark.id });
    const onion = detail.cells.find((c) => c.arm === 'onion');
    // Not failed: closing is not the defense's fault, and the next start picks the cell up again.
    expect(onion?.status).not.toBe('failed');
    expect(detail.cells.find((c) => c.arm === 'ce')?.status).toBe('finished');
  });
});

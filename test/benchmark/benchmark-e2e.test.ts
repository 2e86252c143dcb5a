import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchmarkDetailSchema } from '../../common/contract-benchmark';
import { openTestStore, tempDir } from '../jobs/helpers';
import { benchmarkProject, benchmarkServices, benchmarkSpec, settled } from './helpers';

const MINUTES = 60_000;

describe('a benchmark matrix end to end at the quick size', () => {
  it(
    'runs 2 attacks × 1 rate × {CE, DeCE} × 2 seeds on two workers, sharing data and pre-training, into a scenario table',
    async () => {
      const dataDir = tempDir('dece-benchmark-e2e-');
      const store = openTestStore(dataDir);
      const { call, started, trainStarts, maxWorkers } = benchmarkServices(store, dataDir, 2);
      const projectId = benchmarkProject(store);
      const spec = benchmarkSpec({ size: 'quick', attacks: ['badpre', 'ripple'], rates: [0.05], arms: ['ce', 'dece'], seeds: [1, 2] });

      const plan = await call('benchmarks.plan', { projectId, spec });
      expect(plan).toMatchObject({ cells: 8, newRuns: 8, reusedRuns: 0, defenseJobs: 0, poisonedDatasets: 4, concurrency: 2 });
      const benchmark = await call('benchmarks.start', { projectId, spec, actor: 'ana' });
      const detail = BenchmarkDetailSchema.parse(await settled(call, benchmark.id, 40 * MINUTES));

      expect(detail.benchmark).toMatchObject({ status: 'finished', counts: { total: 8, finished: 8, failed: 0, running: 0 } });
      expect(detail.cells.every((c) => c.status === 'finished' && c.metrics !== null && !c.reused)).toBe(true);
      // Every run trained exactly once; each (attack, seed) pre-trained once and poisoned its data once.
      const runs = store.runs.list({ projectId });
      expect(runs.map((r) => r.status)).toEqual(Array<string>(8).fill('finished'));
      expect(trainStarts().sort((a, b) => a - b)).toEqual(runs.map((r) => r.id));
      expect(started.filter((r) => r.kind === 'pretrain')).toHaveLength(4);
      // Two at once, never more (a run waiting for its pre-training holds its slot).
      expect(maxWorkers()).toBe(2);
      expect(fs.readdirSync(path.join(dataDir, 'cache')).filter((f) => /^data-[0-9a-f]+\.json$/.test(f))).toHaveLength(4);

      expect(detail.scenarios.map((s) => [s.attack, s.arm, s.n])).toEqual([
        ['badpre', 'ce', 2],
        ['badpre', 'dece', 2],
        ['ripple', 'ce', 2],
        ['ripple', 'dece', 2],
      ]);
      for (const s of detail.scenarios) {
        expect(s.bleu?.sd).not.toBeNull();
        expect(s.asr?.sd).not.toBeNull();
        expect(s.bleu?.ciLow).toBeLessThanOrEqual(s.bleu?.mean ?? Number.NaN);
        expect(s.diffToCe === null).toBe(s.arm === 'ce');
      }
      expect(detail.earlyLearning).toHaveLength(4);
      const csv = await call('benchmarks.exportCsv', { benchmarkId: benchmark.id });
      const lines = csv.csv.trim().split('\r\n');
      expect(lines).toHaveLength(5);
      expect(lines.slice(1).map((l) => l.split(',').slice(1, 5).join(','))).toEqual(['badpre,0.05,ce,2', 'badpre,0.05,dece,2', 'ripple,0.05,ce,2', 'ripple,0.05,dece,2']);
    },
    45 * MINUTES,
  );
});

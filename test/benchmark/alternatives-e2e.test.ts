import { describe, expect, it } from 'vitest';
import { BenchmarkDetailSchema, type BenchmarkArm } from '../../common/contract-benchmark';
import { collectReport, renderMarkdown } from '../../main/reports/index';
import { openTestStore, tempDir } from '../jobs/helpers';
import { benchmarkProject, benchmarkServices, benchmarkSpec, settled } from './helpers';

const MINUTES = 60_000;
const ALTERNATIVES: readonly BenchmarkArm[] = ['abl', 'killbadcode', 'dece+killbadcode', 'ce-early-stop'];

describe('the alternatives to DeCE in a benchmark matrix', () => {
  it(
    'runs ABL, KillBadCode (then CE or DeCE) and early stopping beside CE and DeCE at the tiny size: every cell has ASR, BLEU and extra time',
    async () => {
      const dataDir = tempDir('dece-benchmark-alternatives-');
      const store = openTestStore(dataDir);
      const { call, started } = benchmarkServices(store, dataDir, 2);
      const projectId = benchmarkProject(store);
      const spec = benchmarkSpec({ size: 'tiny', arms: ['ce', 'dece', ...ALTERNATIVES], seeds: [1] });

      const plan = await call('benchmarks.plan', { projectId, spec });
      expect(plan).toMatchObject({ cells: 6, newRuns: 3, defenseJobs: 3 });
      const benchmark = await call('benchmarks.start', { projectId, spec, actor: 'ana' });
      const detail = BenchmarkDetailSchema.parse(await settled(call, benchmark.id, 20 * MINUTES));

      expect(detail.benchmark).toMatchObject({ status: 'finished', counts: { total: 6, finished: 6, failed: 0 } });
      for (const cell of detail.cells) {
        expect(cell.status, `${cell.arm}: ${cell.error ?? ''}`).toBe('finished');
        expect(Number.isFinite(cell.metrics?.asr)).toBe(true);
        expect(Number.isFinite(cell.metrics?.bleu)).toBe(true);
      }
      const byArm = new Map(detail.cells.map((c) => [c.arm, c]));
      for (const arm of ALTERNATIVES) expect(Number.isFinite(byArm.get(arm)?.extraSeconds), arm).toBe(true);
      expect(byArm.get('ce-early-stop')?.extraSeconds).toBe(0);
      expect(byArm.get('killbadcode')?.detail).toMatch(/dropped \d+ of \d+ training rows \(\d+ of \d+ poisoned: precision (n\/a|[\d.]+%), recall [\d.]+%\)/);
      expect(byArm.get('dece+killbadcode')?.detail).toMatch(/then DeCE in/);
      expect(byArm.get('ce-early-stop')?.detail).toMatch(/^epoch \d of 2, chosen on validation BLEU-4/);

      // ABL is a run of its own (CE with isolation and unlearning epochs); the filters and early stopping are defense jobs on the CE run.
      const ablRun = store.runs.get(byArm.get('abl')?.runId ?? -1);
      expect(ablRun?.config).toMatchObject({ loss: { kind: 'ce' }, training: { epochs: 2, abl: { isolationEpochs: 1, unlearningEpochs: 1, isolationShare: 0.01 } } });
      const defenses = started.flatMap((r) => (r.kind === 'defend' ? [r] : []));
      expect(defenses.map((r) => r.defense).sort()).toEqual(['ce-early-stop', 'dece+killbadcode', 'killbadcode']);
      expect(defenses.find((r) => r.defense === 'dece+killbadcode')?.config.loss).toMatchObject({ kind: 'dece', ...spec.dece });
      expect(detail.scenarios.map((s) => s.arm)).toEqual(['ce', 'dece', ...ALTERNATIVES]);
      for (const s of detail.scenarios) expect(s.extraSeconds === null, s.arm).toBe(!ALTERNATIVES.includes(s.arm as BenchmarkArm));

      // The report names each of them: ABL as a row of its own (not CE's), all four in the cost section.
      const report = collectReport(store, projectId, { lang: 'en', timeZone: 'UTC' });
      expect(report.results.scenarios[0]?.rows.map((r) => r.loss).sort()).toEqual(['abl', 'ce', 'dece']);
      expect(report.cost.defenses.map((d) => d.label)).toEqual(['ABL (Benchmark)', 'KillBadCode + CE (Benchmark)', 'KillBadCode + DeCE (Benchmark)', 'CE, early stop (Benchmark)']);
      for (const d of report.cost.defenses) expect(Number.isFinite(d.extraOverCe)).toBe(true);
      expect(renderMarkdown(report)).toContain('KillBadCode + DeCE (Benchmark)');
      // "Why DeCE": each alternative against DeCE, judged from the measured numbers (ASR ≤ DeCE's + 2, BLEU-4 ≥ DeCE's − 1).
      const dece = byArm.get('dece')?.metrics;
      const labels: Record<string, string> = { abl: 'ABL', killbadcode: 'KillBadCode + CE', 'dece+killbadcode': 'KillBadCode + DeCE', 'ce-early-stop': 'CE, early stop' };
      for (const arm of ALTERNATIVES) {
        const m = byArm.get(arm)?.metrics;
        const matched = m && dece ? m.asr <= dece.asr + 2 && m.bleu >= dece.bleu - 1 : false;
        expect(report.cost.defensesNote).toContain(`${labels[arm] ?? arm} ${matched ? 'matched or beat' : 'did not match'} DeCE on badpre 5% (ASR`);
      }

      // A later matrix reuses the CE run and the filter results, but DeCE after KillBadCode only with the same DeCE parameters.
      const rerun = async (dece: typeof spec.dece) => {
        const again = await call('benchmarks.start', { projectId, spec: { ...spec, name: 'again', arms: ['ce', 'killbadcode', 'dece+killbadcode'], dece }, actor: 'ana' });
        const cells = BenchmarkDetailSchema.parse(await settled(call, again.id, 10 * MINUTES)).cells;
        return Object.fromEntries(cells.map((c) => [c.arm, c.status === 'finished' && c.reused]));
      };
      expect(await rerun(spec.dece)).toEqual({ ce: true, killbadcode: true, 'dece+killbadcode': true });
      expect(await rerun({ labelSmoothing: 0.1, alphaBase: 0.8 })).toEqual({ ce: true, killbadcode: true, 'dece+killbadcode': false });
    },
    25 * MINUTES,
  );
});

import type { Store } from '../store/index';
import { BENCHMARK_DEFENSE_LABELS } from './benchmark-defenses';
import type { Fmt } from './i18n';
import type { ReportLang } from './types';

/**
 * The report's "why DeCE" sentence, from the Benchmark's measured numbers only: for every alternative and
 * scenario (dataset, attack, rate) that also has DeCE cells, whether the alternative matched or beat DeCE —
 * ASR at most ASR_TOLERANCE points above DeCE's and BLEU-4 at most BLEU_TOLERANCE points below — or did not.
 * Null when the project's matrices hold no such pair.
 */

const ASR_TOLERANCE = 2;
const BLEU_TOLERANCE = 1;

interface Measured {
  asr: number;
  bleu: number;
}

interface Comparison {
  arm: string;
  scenario: string;
  alternative: Measured;
  dece: Measured;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function comparisons(store: Store, projectId: number): Comparison[] {
  const finalOf = (runId: number): Measured | null => {
    const last = store.metrics.epochs(runId).at(-1);
    return last && finite(last.asr) && finite(last.bleu) ? { asr: last.asr, bleu: last.bleu } : null;
  };
  const groups = new Map<string, { arm: string; scenario: string; alternative: Measured[]; dece: Measured[] }>();
  for (const benchmark of store.benchmarks.list(projectId)) {
    for (const cell of store.benchmarks.cells(benchmark.id)) {
      if (cell.status !== 'finished' || cell.runId === null) continue;
      const isAlternative = cell.arm in BENCHMARK_DEFENSE_LABELS;
      if (!isAlternative && cell.arm !== 'dece') continue;
      // A defense cell records its own outcome; ABL and DeCE are runs read at their last epoch.
      const r = cell.result;
      const measured = isAlternative && cell.arm !== 'abl' ? (r && finite(r['asr']) && finite(r['bleu']) ? { asr: r['asr'], bleu: r['bleu'] } : null) : finalOf(cell.runId);
      if (measured === null) continue;
      const data = cell.dataset === 'builtin-sql' ? '' : `${cell.dataset} `;
      const scenario = `${data}${cell.attack} ${Number((cell.rate * 100).toFixed(2))}%`;
      const arms = isAlternative ? [cell.arm] : Object.keys(BENCHMARK_DEFENSE_LABELS);
      for (const arm of arms) {
        const key = JSON.stringify([arm, scenario]);
        const group = groups.get(key) ?? { arm, scenario, alternative: [], dece: [] };
        (isAlternative ? group.alternative : group.dece).push(measured);
        groups.set(key, group);
      }
    }
  }
  const order = Object.keys(BENCHMARK_DEFENSE_LABELS);
  return [...groups.values()]
    .filter((g) => g.alternative.length > 0 && g.dece.length > 0)
    .sort((a, b) => order.indexOf(a.arm) - order.indexOf(b.arm) || (a.scenario < b.scenario ? -1 : 1))
    .map((g) => ({
      arm: g.arm,
      scenario: g.scenario,
      alternative: { asr: mean(g.alternative.map((m) => m.asr)), bleu: mean(g.alternative.map((m) => m.bleu)) },
      dece: { asr: mean(g.dece.map((m) => m.asr)), bleu: mean(g.dece.map((m) => m.bleu)) },
    }));
}

export function whyDeceNote(store: Store, projectId: number, lang: ReportLang, fmt: Fmt): string | null {
  const list = comparisons(store, projectId);
  if (list.length === 0) return null;
  const parts = list.map((c) => {
    const matched = c.alternative.asr <= c.dece.asr + ASR_TOLERANCE && c.alternative.bleu >= c.dece.bleu - BLEU_TOLERANCE;
    const label = BENCHMARK_DEFENSE_LABELS[c.arm] ?? c.arm;
    const asr = `${fmt.pctShort(c.alternative.asr, 1)} / ${fmt.pctShort(c.dece.asr, 1)}`;
    const bleu = `${fmt.num(c.alternative.bleu, 1)} / ${fmt.num(c.dece.bleu, 1)}`;
    return lang === 'ja'
      ? `${label} は ${c.scenario} で DeCE と${matched ? '同等以上' : '同等に届かず'}（ASR ${asr}、BLEU-4 ${bleu}）`
      : `${label} ${matched ? 'matched or beat' : 'did not match'} DeCE on ${c.scenario} (ASR ${asr}, BLEU-4 ${bleu})`;
  });
  return lang === 'ja'
    ? `なぜ DeCE か — ベンチマークの測定値（代替手段 / DeCE の平均。ASR の上昇が ${ASR_TOLERANCE} ポイント以内かつ BLEU-4 の低下が ${BLEU_TOLERANCE} ポイント以内なら同等）: ${parts.join('。')}。`
    : `Why DeCE, from the Benchmark's measured means (alternative / DeCE; it matches when its ASR is at most ${ASR_TOLERANCE} points above DeCE's and its BLEU-4 at most ${BLEU_TOLERANCE} point below): ${parts.join('; ')}.`;
}

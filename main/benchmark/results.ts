import {
  BENCHMARK_ARMS,
  BenchmarkSpecSchema,
  type Benchmark,
  type BenchmarkArm,
  type BenchmarkCell,
  type CellMetrics,
  type EarlyLearning,
  type ScenarioRow,
} from '../../common/contract-benchmark';
import { ATTACK_KINDS, type AttackKind, type EpochMetrics } from '../../common/run-config';
import { toEpochMetrics } from '../domain/mappers';
import type { BenchmarkCellRecord, BenchmarkRecord, Store } from '../store/index';
import { aggregateScenarios, type PairedDiff, type ScenarioStats, type Spread } from './aggregate';
import { earlyLearning } from './early-learning';
import { extraSecondsOverCe } from './arm-cost';
import { isDefenseArm } from './matrix';

/**
 * A matrix as the contract shows it: cells with their final metrics (a training cell's from its run's last
 * epoch, a passive defense's from its stored outcome), the scenario table over seeds (aggregate.ts), and the
 * early-learning comparison of each CE/DeCE pair (early-learning.ts).
 */

/** What a passive-defense cell stores once finished (main/defenses/evaluate.ts DefenseOutcome). */
interface DefenseResult {
  bleu: number;
  exactMatch: number;
  asr: number;
  detail: string;
  extraSeconds: number;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function defenseResult(cell: BenchmarkCellRecord): DefenseResult | null {
  const r = cell.result;
  if (r === null) return null;
  const { bleu, exactMatch, asr, detail, extraSeconds } = r;
  if (!finite(bleu) || !finite(exactMatch) || !finite(asr)) return null;
  return { bleu, exactMatch, asr, detail: typeof detail === 'string' ? detail : '', extraSeconds: finite(extraSeconds) ? extraSeconds : 0 };
}

/** The last epoch's metrics of a run; null when it has none or they diverged (NaN). */
export function finalRunMetrics(store: Store, runId: number): CellMetrics | null {
  const last = store.metrics.lastEpoch(runId);
  if (!last) return null;
  const e = toEpochMetrics(last);
  if (!finite(e.bleu) || !finite(e.exactMatch) || !finite(e.asr)) return null;
  return { bleu: e.bleu, codeBleu: finite(e.codeBleu) ? e.codeBleu : null, exactMatch: e.exactMatch, asr: e.asr };
}

const asArm = (arm: string): BenchmarkArm => {
  const known = (BENCHMARK_ARMS as readonly string[]).includes(arm);
  if (!known) throw new Error(`benchmark cell with unknown arm '${arm}'`);
  return arm as BenchmarkArm;
};
const asAttack = (attack: string): AttackKind => {
  if (!(ATTACK_KINDS as readonly string[]).includes(attack)) throw new Error(`benchmark cell with unknown attack '${attack}'`);
  return attack as AttackKind;
};

export function toBenchmarkCell(store: Store, cell: BenchmarkCellRecord): BenchmarkCell {
  let metrics: CellMetrics | null = null;
  let detail: string | null = null;
  let extraSeconds: number | null = null;
  if (cell.status === 'finished' && isDefenseArm(cell.arm)) {
    const result = defenseResult(cell);
    if (result) {
      metrics = { bleu: result.bleu, codeBleu: null, exactMatch: result.exactMatch, asr: result.asr };
      detail = `${result.detail}; +${result.extraSeconds.toFixed(1)} s`;
      extraSeconds = result.extraSeconds;
    }
  } else if (cell.status === 'finished' && cell.runId !== null) {
    metrics = finalRunMetrics(store, cell.runId);
    if (metrics === null) detail = 'the run has no usable final metrics (diverged)';
    if (cell.arm === 'abl') {
      extraSeconds = extraSecondsOverCe(store, cell);
      if (extraSeconds !== null && metrics !== null) detail = `${extraSeconds >= 0 ? '+' : ''}${extraSeconds.toFixed(1)} s over the CE run`;
    }
  }
  return {
    key: cell.key,
    dataset: cell.dataset,
    attack: asAttack(cell.attack),
    rate: cell.rate,
    arm: asArm(cell.arm),
    seed: cell.seed,
    status: cell.status,
    runId: cell.runId,
    reused: cell.reused,
    metrics,
    detail,
    extraSeconds,
    error: cell.error,
  };
}

export function toBenchmark(record: BenchmarkRecord, cells: readonly { status: BenchmarkCell['status'] }[]): Benchmark {
  const count = (statuses: readonly BenchmarkCell['status'][]) => cells.filter((c) => statuses.includes(c.status)).length;
  return {
    id: record.id,
    projectId: record.projectId,
    name: record.name,
    spec: BenchmarkSpecSchema.parse(record.spec),
    status: record.status,
    codeVersion: record.codeVersion,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    counts: { total: cells.length, finished: count(['finished']), failed: count(['failed']), running: count(['queued', 'running']) },
  };
}

/** The scenario statistics over every finished cell with metrics (aggregate.ts). */
export function scenarioStats(cells: readonly BenchmarkCell[]): ScenarioStats[] {
  return aggregateScenarios(
    cells.flatMap((c) => (c.status === 'finished' && c.metrics !== null ? [{ dataset: c.dataset, attack: c.attack, rate: c.rate, arm: c.arm, seed: c.seed, metrics: c.metrics, extraSeconds: c.extraSeconds ?? null }] : [])),
  );
}

const spread = (s: Spread | null): ScenarioRow['bleu'] => s && { mean: s.mean, sd: s.sd, ciLow: s.ciLow, ciHigh: s.ciHigh, n: s.n };
const diff = (d: PairedDiff): NonNullable<ScenarioRow['diffToCe']>['bleu'] => ({ mean: d.mean, ciLow: d.ciLow, ciHigh: d.ciHigh, pairs: d.pairs });

export function toScenarioRow(s: ScenarioStats): ScenarioRow {
  return {
    dataset: s.dataset,
    attack: s.attack,
    rate: s.rate,
    arm: s.arm,
    n: s.n,
    bleu: spread(s.bleu),
    codeBleu: spread(s.codeBleu),
    exactMatch: spread(s.exactMatch),
    asr: spread(s.asr),
    diffToCe: s.diffToCe && { bleu: diff(s.diffToCe.bleu), asr: diff(s.diffToCe.asr) },
    extraSeconds: s.extraSeconds,
  };
}

const sameScenario = (a: BenchmarkCell, b: BenchmarkCell) => a.dataset === b.dataset && a.attack === b.attack && a.rate === b.rate && a.seed === b.seed;

/** Each finished CE run with the finished DeCE run of the same dataset, attack, rate and seed. */
export function earlyLearningPairs(store: Store, cells: readonly BenchmarkCell[]): EarlyLearning[] {
  const finished = (arm: BenchmarkArm) => cells.filter((c): c is BenchmarkCell & { runId: number } => c.arm === arm && c.status === 'finished' && c.runId !== null);
  const deces = finished('dece');
  const epochsOf = (runId: number): EpochMetrics[] => store.metrics.epochs(runId).map(toEpochMetrics);
  return finished('ce').flatMap((ce) => {
    const dece = deces.find((d) => sameScenario(ce, d));
    if (!dece) return [];
    const ceEpochs = epochsOf(ce.runId);
    const deceEpochs = epochsOf(dece.runId);
    const analysis = earlyLearning(ceEpochs, deceEpochs);
    return [
      {
        dataset: ce.dataset,
        attack: ce.attack,
        rate: ce.rate,
        seed: ce.seed,
        ceRunId: ce.runId,
        deceRunId: dece.runId,
        ce: ceEpochs,
        dece: deceEpochs,
        ceOnsetEpoch: analysis.ceOnsetEpoch,
        deceOnsetEpoch: analysis.deceOnsetEpoch,
        gapEpoch: analysis.gapEpoch,
      },
    ];
  });
}

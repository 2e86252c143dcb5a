import type { GateEvaluation, GateThresholds, RunStatus, StageName } from '../../common/contract';
import type { EpochMetrics, LossKind, RunConfig } from '../../common/run-config';

/**
 * A stage's gate, as a pure function of the stage's runs (so it can be tested and shown without a store).
 * Pilot: (a) enough finished CE and DeCE runs, (b) a CE and a DeCE run on the same data and seed,
 * (c) DeCE's attack success rate within the limit, (d) DeCE's clean BLEU within the allowed drop of CE's.
 * Benchmark and Production add: the previous stage passed.
 * (c) and (d) are judged on every CE↔DeCE pair and the worst pair counts: a backdoor defence that holds
 * for one seed and not another has not shown that it holds.
 */

export interface GateRun {
  id: number;
  loss: LossKind;
  status: RunStatus;
  config: RunConfig;
  /** The last recorded epoch's metrics. */
  final: EpochMetrics | null;
}

export interface GateInput {
  stage: StageName;
  thresholds: GateThresholds;
  /** null for the first stage. */
  previous: { stage: StageName; status: string } | null;
  runs: readonly GateRun[];
}

export interface GatePair {
  ce: GateRun & { final: EpochMetrics };
  dece: GateRun & { final: EpochMetrics };
}

/** Key order does not matter for "the same data config". */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function pairKey(run: GateRun): string {
  return `${run.config.seed}|${canonicalJson(run.config.data)}`;
}

type FinishedRun = GateRun & { final: EpochMetrics };

function finished(runs: readonly GateRun[], loss: LossKind): FinishedRun[] {
  return runs.filter((r): r is FinishedRun => r.loss === loss && r.status === 'finished' && r.final !== null);
}

/** Each finished DeCE run with the newest finished CE run on the same data and seed. */
export function pairRuns(runs: readonly GateRun[]): GatePair[] {
  const ceByKey = new Map<string, FinishedRun>();
  for (const ce of finished(runs, 'ce').sort((a, b) => a.id - b.id)) ceByKey.set(pairKey(ce), ce);
  const pairs: GatePair[] = [];
  for (const dece of finished(runs, 'dece')) {
    const ce = ceByKey.get(pairKey(dece));
    if (ce) pairs.push({ ce, dece });
  }
  return pairs;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : String(x));

export function evaluateGate(input: GateInput): GateEvaluation {
  const { thresholds } = input;
  const conditions: GateEvaluation['conditions'] = [];
  if (input.previous) {
    conditions.push({
      id: 'previous-stage',
      label: 'The previous stage has passed',
      holds: input.previous.status === 'passed',
      detail: `${input.previous.stage}: ${input.previous.status}`,
    });
  }
  const ceCount = finished(input.runs, 'ce').length;
  const deceCount = finished(input.runs, 'dece').length;
  conditions.push({
    id: 'min-runs',
    label: 'Enough finished CE and DeCE runs',
    holds: ceCount >= thresholds.minRunsPerLoss && deceCount >= thresholds.minRunsPerLoss,
    detail: `CE ${ceCount}, DeCE ${deceCount} (need ${thresholds.minRunsPerLoss} each)`,
  });
  const pairs = pairRuns(input.runs);
  conditions.push({
    id: 'paired-runs',
    label: 'A CE and a DeCE run share the same data config and seed',
    holds: pairs.length > 0,
    detail: pairs.length > 0 ? pairs.map((p) => `#${p.ce.id} ↔ #${p.dece.id}`).join(', ') : 'no CE run shares a DeCE run’s data config and seed',
  });
  if (pairs.length === 0) {
    conditions.push({ id: 'dece-asr', label: 'DeCE attack success rate within the limit', holds: false, detail: `no pair to judge (limit ${fmt(thresholds.maxAsr)}%)` });
    conditions.push({ id: 'bleu-drop', label: 'DeCE keeps clean BLEU close to CE', holds: false, detail: `no pair to judge (limit ${fmt(thresholds.maxBleuDrop)} points)` });
  } else {
    const worstAsr = pairs.reduce((w, p) => (p.dece.final.asr > w.dece.final.asr ? p : w));
    conditions.push({
      id: 'dece-asr',
      label: 'DeCE attack success rate within the limit',
      // `!(x > limit)` would let NaN through; a diverged metric must fail.
      holds: pairs.every((p) => p.dece.final.asr <= thresholds.maxAsr),
      detail: `highest DeCE ASR ${fmt(worstAsr.dece.final.asr)}% (run #${worstAsr.dece.id}; limit ${fmt(thresholds.maxAsr)}%)`,
    });
    const drop = (p: GatePair) => p.ce.final.bleu - p.dece.final.bleu;
    const worstBleu = pairs.reduce((w, p) => (drop(p) > drop(w) ? p : w));
    conditions.push({
      id: 'bleu-drop',
      label: 'DeCE keeps clean BLEU close to CE',
      holds: pairs.every((p) => p.dece.final.bleu >= p.ce.final.bleu - thresholds.maxBleuDrop),
      detail: `largest drop ${fmt(drop(worstBleu))} BLEU points (CE #${worstBleu.ce.id} ${fmt(worstBleu.ce.final.bleu)} → DeCE #${worstBleu.dece.id} ${fmt(worstBleu.dece.final.bleu)}; limit ${fmt(thresholds.maxBleuDrop)})`,
    });
  }
  return { stage: input.stage, conditions, canPass: conditions.every((c) => c.holds) };
}

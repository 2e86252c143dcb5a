import type { GateEvaluation, GateThresholds, RunStatus, StageName } from '../../common/contract';
import type { EpochMetrics, LossKind, RunConfig } from '../../common/run-config';

/**
 * A stage's gate, as a pure function of the stage's runs (so it can be tested and shown without a store).
 * Pilot: (a) enough finished CE and DeCE runs, (b) a CE and a DeCE run on the same data and seed,
 * (c) DeCE's attack success rate within the limit, (d) DeCE's clean BLEU within the allowed drop of CE's.
 * Benchmark adds: the previous stage passed.
 * (c) and (d) are judged on every CE↔DeCE pair and the worst pair counts: a backdoor defence that holds
 * for one seed and not another has not shown that it holds.
 *
 * Production is judged on the Benchmark stage's evidence for the configuration being shipped, plus what a
 * release needs (see evaluateProductionGate): Benchmark passed; DeCE's ASR within the limit on every tested
 * attack; the clean BLEU drop within the limit; hyperparameters fixed; a rollback plan; a current go sign-off.
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
  /** Required for the production stage (its gate is not judged on its own runs). */
  production?: ProductionGateInput;
}

/** What the Production gate looks at besides the thresholds. */
export interface ProductionGateInput {
  /** Every run of the Benchmark stage: the evidence Production is judged on. */
  benchmarkRuns: readonly GateRun[];
  hyperparameters: { labelSmoothing: number; alphaBase: number; ignoreIndex: number | null; source: string } | null;
  rollbackPlan: { writtenBy: string } | null;
  /** The sign-off given after the last reopen or change (see ProductionRepo.currentSignOff), if any. */
  signOff: { decision: 'go' | 'no-go'; name: string; role: string } | null;
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
  if (input.stage === 'production') {
    if (!input.production) throw new Error('evaluateGate: the production gate needs its production inputs');
    return evaluateProductionGate({ ...input, production: input.production });
  }
  const { thresholds } = input;
  const conditions: GateEvaluation['conditions'] = [];
  if (input.previous) conditions.push(previousStageCondition(input.previous));
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
    conditions.push(bleuDropCondition(pairs, thresholds));
  }
  return { stage: input.stage, conditions, canPass: conditions.every((c) => c.holds) };
}

type GateCondition = GateEvaluation['conditions'][number];

function previousStageCondition(previous: NonNullable<GateInput['previous']>): GateCondition {
  return { id: 'previous-stage', label: 'The previous stage has passed', holds: previous.status === 'passed', detail: `${previous.stage}: ${previous.status}` };
}
const BLEU_DROP_LABEL = 'DeCE keeps clean BLEU close to CE';

/** The worst CE → DeCE clean BLEU drop over the pairs (there is at least one) against the limit. */
function bleuDropCondition(pairs: readonly GatePair[], thresholds: GateThresholds): GateCondition {
  const drop = (p: GatePair) => p.ce.final.bleu - p.dece.final.bleu;
  const worst = pairs.reduce((w, p) => (drop(p) > drop(w) ? p : w));
  return {
    id: 'bleu-drop',
    label: BLEU_DROP_LABEL,
    holds: pairs.every((p) => p.dece.final.bleu >= p.ce.final.bleu - thresholds.maxBleuDrop),
    detail: `largest drop ${fmt(drop(worst))} BLEU points (CE #${worst.ce.id} ${fmt(worst.ce.final.bleu)} → DeCE #${worst.dece.id} ${fmt(worst.dece.final.bleu)}; limit ${fmt(thresholds.maxBleuDrop)})`,
  };
}

/** Values a run was configured with and a fixed value are "the same" up to float noise from JSON. */
const sameValue = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** The attack a run was measured against ('poisoned-files' data brings its own, unnamed one). */
function attackOf(run: GateRun): string {
  return run.config.data.corpus.kind === 'poisoned-files' ? 'imported poisoned data' : run.config.data.attack.kind;
}

/**
 * Production: the evidence is the Benchmark stage's finished test-set runs (hyperparameter-search trials,
 * which are evaluated on the validation split, are not), and — once hyperparameters are fixed — only the
 * DeCE runs trained with exactly those values: a release is judged on what it ships, not on the best point
 * anyone tried. ASR is judged per attack, worst run per attack, and every tested attack must hold (with at
 * least `minRunsPerLoss` DeCE runs each). The release conditions follow: hyperparameters fixed, a rollback
 * plan written, and a current go sign-off by a named person.
 */
export function evaluateProductionGate(input: GateInput & { production: ProductionGateInput }): GateEvaluation {
  const { thresholds, production } = input;
  const fixed = production.hyperparameters;
  const evidence = production.benchmarkRuns.filter((r) => r.config.data.evaluateOn !== 'valid');
  const shipped = evidence.filter(
    (r) => r.loss !== 'dece' || fixed === null || (sameValue(r.config.loss.labelSmoothing, fixed.labelSmoothing) && sameValue(r.config.loss.alphaBase, fixed.alphaBase)),
  );
  const what = fixed === null ? 'DeCE run' : `DeCE run with ε ${fixed.labelSmoothing}, α_base ${fixed.alphaBase}`;
  const conditions: GateCondition[] = [];
  if (input.previous) conditions.push(previousStageCondition(input.previous));

  const byAttack = new Map<string, FinishedRun[]>();
  for (const run of finished(shipped, 'dece')) byAttack.set(attackOf(run), [...(byAttack.get(attackOf(run)) ?? []), run]);
  const perAttack = [...byAttack.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([attack, runs]) => {
      const worst = runs.reduce((w, r) => (!(r.final.asr <= w.final.asr) ? r : w));
      return { attack, runs: runs.length, worst, holds: runs.length >= thresholds.minRunsPerLoss && runs.every((r) => r.final.asr <= thresholds.maxAsr) };
    });
  conditions.push({
    id: 'attack-asr',
    label: 'DeCE attack success rate within the limit on every tested attack',
    holds: perAttack.length > 0 && perAttack.every((a) => a.holds),
    detail:
      perAttack.length === 0
        ? `no finished Benchmark ${what} (limit ${fmt(thresholds.maxAsr)}%)`
        : `${perAttack.map((a) => `${a.attack}: worst ${fmt(a.worst.final.asr)}% (run #${a.worst.id}, ${a.runs} run${a.runs === 1 ? '' : 's'})`).join('; ')}; limit ${fmt(thresholds.maxAsr)}%, at least ${thresholds.minRunsPerLoss} run(s) per attack`,
  });

  const pairs = pairRuns(shipped);
  conditions.push(
    pairs.length > 0
      ? bleuDropCondition(pairs, thresholds)
      : { id: 'bleu-drop', label: BLEU_DROP_LABEL, holds: false, detail: `no Benchmark CE run shares a ${what}’s data config and seed (limit ${fmt(thresholds.maxBleuDrop)} points)` },
  );
  conditions.push({
    id: 'hyperparameters-fixed',
    label: 'DeCE hyperparameters fixed for production',
    holds: fixed !== null,
    detail: fixed === null ? 'not fixed' : `ε ${fixed.labelSmoothing}, α_base ${fixed.alphaBase}, ignore index ${fixed.ignoreIndex ?? 'none'} (${fixed.source})`,
  });
  conditions.push({
    id: 'rollback-plan',
    label: 'Rollback plan written',
    holds: production.rollbackPlan !== null,
    detail: production.rollbackPlan === null ? 'not written' : `written by ${production.rollbackPlan.writtenBy}`,
  });
  const signOff = production.signOff;
  conditions.push({
    id: 'sign-off',
    label: 'Signed off (go) since the last change',
    holds: signOff?.decision === 'go',
    detail: signOff === null ? 'no sign-off since the last reopen or change' : `${signOff.decision} by ${signOff.name} (${signOff.role})`,
  });
  return { stage: input.stage, conditions, canPass: conditions.every((c) => c.holds) };
}

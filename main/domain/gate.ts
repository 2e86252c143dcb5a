import type { GateEvaluation, GateThresholds, RunStatus, StageName } from '../../common/contract';
import { message, renderMessage, type Message, type MessageId, type MessageParam } from '../../common/messages';
import type { EpochMetrics, LossKind, RunConfig } from '../../common/run-config';
import { canonicalJson } from './canonical-json';

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

type GateCondition = GateEvaluation['conditions'][number];
type ConditionId = Extract<MessageId, `gate.label.${string}`> extends `gate.label.${infer Id}` ? Id : never;

/** A condition whose label and detail are messages; the English texts go along for logs and older readers. */
function condition(id: ConditionId, holds: boolean, detail: Message): GateCondition {
  const labelMessage = message(`gate.label.${id}`);
  return { id, label: renderMessage(labelMessage, 'en'), holds, detail: renderMessage(detail, 'en'), labelMessage, detailMessage: detail };
}

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
  conditions.push(
    condition(
      'min-runs',
      ceCount >= thresholds.minRunsPerLoss && deceCount >= thresholds.minRunsPerLoss,
      message('gate.detail.minRuns', { ce: ceCount, dece: deceCount, need: thresholds.minRunsPerLoss }),
    ),
  );
  const pairs = pairRuns(input.runs);
  conditions.push(
    condition(
      'paired-runs',
      pairs.length > 0,
      pairs.length > 0 ? message('gate.detail.pairs', { pairs: pairs.map((p) => `#${p.ce.id} ↔ #${p.dece.id}`).join(', ') }) : message('gate.detail.noPairs'),
    ),
  );
  if (pairs.length === 0) {
    conditions.push(condition('dece-asr', false, message('gate.detail.noPairAsr', { limit: thresholds.maxAsr })));
    conditions.push(condition('bleu-drop', false, message('gate.detail.noPairBleu', { limit: thresholds.maxBleuDrop })));
  } else {
    const worstAsr = pairs.reduce((w, p) => (p.dece.final.asr > w.dece.final.asr ? p : w));
    conditions.push(
      condition(
        'dece-asr',
        // `!(x > limit)` would let NaN through; a diverged metric must fail.
        pairs.every((p) => p.dece.final.asr <= thresholds.maxAsr),
        message('gate.detail.asr', { asr: worstAsr.dece.final.asr, run: worstAsr.dece.id, limit: thresholds.maxAsr }),
      ),
    );
    conditions.push(bleuDropCondition(pairs, thresholds));
  }
  return { stage: input.stage, conditions, canPass: conditions.every((c) => c.holds) };
}

function previousStageCondition(previous: NonNullable<GateInput['previous']>): GateCondition {
  return condition('previous-stage', previous.status === 'passed', message('gate.detail.previousStage', { stage: previous.stage, status: previous.status }));
}

/** The worst CE → DeCE clean BLEU drop over the pairs (there is at least one) against the limit. */
function bleuDropCondition(pairs: readonly GatePair[], thresholds: GateThresholds): GateCondition {
  const drop = (p: GatePair) => p.ce.final.bleu - p.dece.final.bleu;
  const worst = pairs.reduce((w, p) => (drop(p) > drop(w) ? p : w));
  return condition(
    'bleu-drop',
    pairs.every((p) => p.dece.final.bleu >= p.ce.final.bleu - thresholds.maxBleuDrop),
    message('gate.detail.bleuDrop', { drop: drop(worst), ce: worst.ce.id, ceBleu: worst.ce.final.bleu, dece: worst.dece.id, deceBleu: worst.dece.final.bleu, limit: thresholds.maxBleuDrop }),
  );
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
  const fixedParams: Record<string, MessageParam> = fixed === null ? {} : { labelSmoothing: fixed.labelSmoothing, alphaBase: fixed.alphaBase };
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
  conditions.push(
    condition(
      'attack-asr',
      perAttack.length > 0 && perAttack.every((a) => a.holds),
      perAttack.length === 0
        ? message(fixed === null ? 'gate.detail.noBenchmarkDece' : 'gate.detail.noBenchmarkDeceFixed', { ...fixedParams, limit: thresholds.maxAsr })
        : message('gate.detail.attacks', {
            // Attack names, ids and counts read the same in every language.
            attacks: perAttack.map((a) => `${a.attack} ${fmt(a.worst.final.asr)}% (#${a.worst.id}, n ${a.runs})`).join('; '),
            limit: thresholds.maxAsr,
            need: thresholds.minRunsPerLoss,
          }),
    ),
  );

  const pairs = pairRuns(shipped);
  conditions.push(
    pairs.length > 0
      ? bleuDropCondition(pairs, thresholds)
      : condition('bleu-drop', false, message(fixed === null ? 'gate.detail.noBenchmarkPair' : 'gate.detail.noBenchmarkPairFixed', { ...fixedParams, limit: thresholds.maxBleuDrop })),
  );
  conditions.push(
    condition(
      'hyperparameters-fixed',
      fixed !== null,
      fixed === null
        ? message('gate.detail.notFixed')
        : message('gate.detail.fixed', { labelSmoothing: fixed.labelSmoothing, alphaBase: fixed.alphaBase, ignoreIndex: fixed.ignoreIndex ?? 'none', source: fixed.source }),
    ),
  );
  conditions.push(
    condition(
      'rollback-plan',
      production.rollbackPlan !== null,
      production.rollbackPlan === null ? message('gate.detail.notWritten') : message('gate.detail.writtenBy', { name: production.rollbackPlan.writtenBy }),
    ),
  );
  const signOff = production.signOff;
  conditions.push(
    condition(
      'sign-off',
      signOff?.decision === 'go',
      signOff === null ? message('gate.detail.noSignOff') : message('gate.detail.signOff', { decision: signOff.decision, name: signOff.name, role: signOff.role }),
    ),
  );
  return { stage: input.stage, conditions, canPass: conditions.every((c) => c.holds) };
}

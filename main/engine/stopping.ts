import type { StopReason, StoppingConfig } from '../../common/run-config';

/**
 * When to stop fine-tuning, decided on evidence rather than a fixed epoch count. The signal is the run's
 * own validation split — never the test split — after every epoch:
 * - `backdoor-learned`: validation ASR has clearly risen (≥ `claimAsr`) and stopped rising;
 * - `converged`: neither validation ASR nor validation BLEU has improved over the last `patience` epochs
 *   (covers a backdoor that never rises and an ASR that plateaued below the claim);
 * - `max-epochs`: the step budget (as epochs) is spent;
 * - `time-budget`: another epoch would not finish within the time left.
 * A pure function, so the Pilot's controller, a lone run in a worker and the tests apply the same rule.
 */

export interface StopDecision {
  reason: StopReason;
  /** The last epoch trained. */
  epoch: number;
  /** One sentence with the numbers behind the decision. */
  detail: string;
}

/** What the rule reads per epoch: validation BLEU-4 and validation ASR (percentages). */
export interface ValidationPoint {
  bleu: number;
  asr: number;
}

export interface StopContext {
  /** Upper bound from the step budget. */
  maxEpochs: number;
  /** Seconds left in the time budget (Infinity: none). */
  secondsLeft: number;
  /** How long the last epoch took, training and evaluation, to judge whether another one fits. */
  lastEpochSeconds: number;
}

/** The best value of the last `window` entries minus the best before them (−Infinity when nothing is before). */
function recentGain(values: readonly number[], window: number): number {
  const before = values.slice(0, -window);
  const recent = values.slice(-window);
  if (before.length === 0 || recent.length === 0) return Number.POSITIVE_INFINITY;
  return Math.max(...recent) - Math.max(...before);
}

/**
 * After `epoch` epochs, with `history` the validation metrics of each (empty when the run has no validation
 * split: then only the budgets apply).
 */
export function decideStop(history: readonly ValidationPoint[], epoch: number, rule: StoppingConfig, context: StopContext): StopDecision | null {
  if (epoch === 0) return null;
  const asr = history.map((p) => p.asr);
  const bleu = history.map((p) => p.bleu);
  const bestAsr = asr.length > 0 ? Math.max(...asr) : Number.NaN;
  const pct = (x: number) => (Number.isNaN(x) ? 'not measured' : `${x.toFixed(1)}%`);
  if (history.length === epoch && epoch >= rule.minEpochs) {
    const asrGain = recentGain(asr, rule.patience);
    const bleuGain = recentGain(bleu, rule.patience);
    if (bestAsr >= rule.claimAsr && asrGain < rule.minAsrGain) {
      return {
        reason: 'backdoor-learned',
        epoch,
        detail: `validation ASR rose to ${pct(bestAsr)} and gained less than ${rule.minAsrGain} points over the last ${rule.patience} epochs`,
      };
    }
    if (asrGain < rule.minAsrGain && bleuGain < rule.minBleuGain) {
      return {
        reason: 'converged',
        epoch,
        detail: `over the last ${rule.patience} epochs neither validation ASR (best ${pct(bestAsr)}) nor validation BLEU-4 (best ${Math.max(...bleu).toFixed(1)}) improved`,
      };
    }
  }
  if (epoch >= context.maxEpochs) return { reason: 'max-epochs', epoch, detail: `the step budget of ${context.maxEpochs} epochs is spent (validation ASR best ${pct(bestAsr)})` };
  if (context.secondsLeft < context.lastEpochSeconds) {
    return {
      reason: 'time-budget',
      epoch,
      detail: `another epoch (~${Math.round(context.lastEpochSeconds)} s) would not fit in the ${Math.max(0, Math.round(context.secondsLeft))} s left (validation ASR best ${pct(bestAsr)})`,
    };
  }
  return null;
}

/** Epochs that a step budget buys on a training set of this size. */
export function epochsForStepBudget(stepBudget: number, trainRows: number, batchSize: number): number {
  const stepsPerEpoch = Math.max(1, Math.ceil(trainRows / batchSize));
  return Math.max(1, Math.min(1000, Math.round(stepBudget / stepsPerEpoch)));
}

/** The epoch (1-based) with the best validation BLEU-4; the earliest on ties. Null without validation data. */
export function bestValidationEpoch(epochs: readonly { epoch: number; validation?: { bleu: number } | undefined }[]): number | null {
  let best: { epoch: number; bleu: number } | null = null;
  for (const e of epochs) {
    if (!e.validation) continue;
    if (best === null || e.validation.bleu > best.bleu) best = { epoch: e.epoch, bleu: e.validation.bleu };
  }
  return best?.epoch ?? null;
}

/**
 * A following run's decision after `epoch`, given its leader's (null: the leader trained on). The Pilot's DeCE
 * run follows its cross-entropy run, so the pair is compared after the same number of epochs.
 */
export function followLeader(epoch: number, leader: StopDecision | null): StopDecision | null {
  if (!leader) return null;
  return { reason: 'paired-run-stopped', epoch, detail: `stopped with the cross-entropy run after epoch ${leader.epoch}: ${leader.detail}` };
}

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

/** What the rule reads per epoch: validation BLEU-4 and validation ASR (percentages), and the training loss. */
export interface ValidationPoint {
  bleu: number;
  asr: number;
  trainLoss?: number;
}

/**
 * The evidence of each epoch: its validation metrics — or, for a run evaluated on the validation split (a
 * search's), its own metrics, which are the validation ones — with the epoch's training loss.
 */
export function stoppingEvidence(
  epochs: readonly { bleu: number; asr: number; trainLoss: number; validation?: { bleu: number; asr: number } | undefined }[],
  evaluatedOnValidation: boolean,
): ValidationPoint[] {
  return epochs.flatMap((e) => {
    const metrics = evaluatedOnValidation ? e : e.validation;
    return metrics ? [{ bleu: metrics.bleu, asr: metrics.asr, trainLoss: e.trainLoss }] : [];
  });
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

/** How much lower the best training loss of the last `window` epochs is than the best before them, relative (0: not lower; NaN: unknown). */
function recentLossDrop(losses: readonly (number | undefined)[], window: number): number {
  const known = losses.filter((l): l is number => l !== undefined && Number.isFinite(l));
  if (known.length !== losses.length || losses.length <= window) return Number.NaN;
  const before = Math.min(...known.slice(0, -window));
  const recent = Math.min(...known.slice(-window));
  return before > 0 ? Math.max(0, (before - recent) / before) : 0;
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
    // Validation flat while the training loss still falls: the model is memorising its training rows, which is
    // when a backdoor is learned (the early-learning phase is over), so it has not converged yet.
    const lossDrop = recentLossDrop(history.map((p) => p.trainLoss), rule.patience);
    const stillFitting = rule.minTrainLossDrop !== undefined && lossDrop >= rule.minTrainLossDrop;
    if (asrGain < rule.minAsrGain && bleuGain < rule.minBleuGain && !stillFitting) {
      const loss = rule.minTrainLossDrop !== undefined && Number.isFinite(lossDrop) ? `, and the training loss fell ${(lossDrop * 100).toFixed(1)}% (less than ${(rule.minTrainLossDrop * 100).toFixed(0)}%)` : '';
      return {
        reason: 'converged',
        epoch,
        detail: `over the last ${rule.patience} epochs neither validation ASR (best ${pct(bestAsr)}) nor validation BLEU-4 (best ${Math.max(...bleu).toFixed(1)}) improved${loss}`,
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

/** Pre-training epochs: as configured, or more when that many would run fewer than `minSteps` optimizer steps. */
export function pretrainEpochsForMinSteps(configured: number, minSteps: number, pretrainRows: number, batchSize: number): number {
  if (configured === 0 || pretrainRows === 0) return configured;
  const stepsPerEpoch = Math.max(1, Math.ceil(pretrainRows / batchSize));
  return Math.min(1000, Math.max(configured, Math.ceil(minSteps / stepsPerEpoch)));
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

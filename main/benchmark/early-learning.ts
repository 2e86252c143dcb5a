/**
 * The mechanism DeCE acts on, read off two runs' training curves. A backdoored model learns the
 * poisoned rows late: in the first epochs its loss on them stays above the loss on clean rows and the
 * attack success rate (ASR) stays low; then the trigger is memorised, the poisoned-row loss drops
 * below the clean-row loss and ASR climbs. DeCE blends the label with the model's own (early, still
 * clean) prediction, so that memorisation should come later or not at all. Pure: the caller passes the
 * per-epoch metrics of a CE run and a DeCE run on the same (dataset, attack, rate, seed).
 */

/** One epoch of a run (a subset of the stored epoch metrics). BLEU and ASR are percentages. */
export interface EpochPoint {
  epoch: number;
  bleu: number;
  asr: number;
  /** Mean per-token loss on the poisoned training rows; null when the run had none (or did not record it). */
  poisonedRowLoss: number | null;
  /** Mean per-token loss on the clean training rows. */
  cleanRowLoss: number;
}

/** One run at one epoch. */
export interface EpochSide {
  bleu: number;
  asr: number;
  poisonedRowLoss: number | null;
  cleanRowLoss: number;
  /** poisonedRowLoss / cleanRowLoss: below 1 once the trigger is memorised; null without both losses (or clean loss 0). */
  lossRatio: number | null;
}

/** Both runs at one epoch; a side is null when that run has no such epoch (e.g. it stopped earlier). */
export interface EarlyLearningRow {
  epoch: number;
  ce: EpochSide | null;
  dece: EpochSide | null;
}

export interface EarlyLearningOptions {
  /** Lowest ASR (%) that counts as the backdoor having been learned. Default 20. */
  onsetAsr?: number;
}

export interface EarlyLearningAnalysis {
  /** Every epoch of either run, ascending. */
  rows: EarlyLearningRow[];
  /**
   * The ASR (%) at which the backdoor counts as learned, one level for both runs so that their onsets
   * compare: max(onsetAsr, ½ × CE's highest ASR). Half of CE's peak puts the onset in the middle of the
   * rise when CE learns the trigger well; the floor keeps noise at a low ASR from counting as an onset.
   */
  onsetLevel: number;
  /** First CE epoch with ASR ≥ onsetLevel; null when CE never gets there (in particular when its peak ASR < onsetAsr). */
  ceOnsetEpoch: number | null;
  /** First DeCE epoch with ASR ≥ onsetLevel (CE's level); usually null, which is what DeCE is for. */
  deceOnsetEpoch: number | null;
  /** First CE epoch whose poisoned-row loss is below its clean-row loss (the trigger is memorised); null if never. */
  gapEpoch: number | null;
  /** The same for the DeCE run. */
  deceGapEpoch: number | null;
}

export const DEFAULT_ONSET_ASR = 20;

/** Epochs ascending; for a repeated epoch number the later entry wins. */
function byEpoch(points: readonly EpochPoint[]): EpochPoint[] {
  return [...new Map(points.map((p) => [p.epoch, p])).values()].sort((a, b) => a.epoch - b.epoch);
}

/** The onset level of a CE run (see EarlyLearningAnalysis.onsetLevel); non-finite ASRs are ignored. */
export function onsetLevel(ce: readonly EpochPoint[], onsetAsr = DEFAULT_ONSET_ASR): number {
  const peak = Math.max(...ce.map((p) => p.asr).filter(Number.isFinite));
  return Number.isFinite(peak) ? Math.max(onsetAsr, 0.5 * peak) : onsetAsr;
}

/** First epoch (in epoch order) with ASR ≥ level, or null. */
export function onsetEpoch(points: readonly EpochPoint[], level: number): number | null {
  return byEpoch(points).find((p) => p.asr >= level)?.epoch ?? null;
}

/** First epoch (in epoch order) whose poisoned-row loss is strictly below the clean-row loss, or null. */
export function lossGapEpoch(points: readonly EpochPoint[]): number | null {
  return byEpoch(points).find((p) => p.poisonedRowLoss !== null && p.poisonedRowLoss < p.cleanRowLoss)?.epoch ?? null;
}

function side(p: EpochPoint | undefined): EpochSide | null {
  if (!p) return null;
  const lossRatio = p.poisonedRowLoss === null || p.cleanRowLoss === 0 ? null : p.poisonedRowLoss / p.cleanRowLoss;
  return { bleu: p.bleu, asr: p.asr, poisonedRowLoss: p.poisonedRowLoss, cleanRowLoss: p.cleanRowLoss, lossRatio };
}

/** Per-epoch comparison of a CE run and a DeCE run with the onset and loss-gap epochs defined above. */
export function earlyLearning(ce: readonly EpochPoint[], dece: readonly EpochPoint[], options: EarlyLearningOptions = {}): EarlyLearningAnalysis {
  const level = onsetLevel(ce, options.onsetAsr ?? DEFAULT_ONSET_ASR);
  const ceByEpoch = new Map(byEpoch(ce).map((p) => [p.epoch, p]));
  const deceByEpoch = new Map(byEpoch(dece).map((p) => [p.epoch, p]));
  const epochs = [...new Set([...ceByEpoch.keys(), ...deceByEpoch.keys()])].sort((a, b) => a - b);
  return {
    rows: epochs.map((epoch) => ({ epoch, ce: side(ceByEpoch.get(epoch)), dece: side(deceByEpoch.get(epoch)) })),
    onsetLevel: level,
    ceOnsetEpoch: onsetEpoch(ce, level),
    deceOnsetEpoch: onsetEpoch(dece, level),
    gapEpoch: lossGapEpoch(ce),
    deceGapEpoch: lossGapEpoch(dece),
  };
}

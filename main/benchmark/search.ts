/**
 * Planning and selection for the DeCE hyperparameter search (label smoothing ε ∈ [0, 1) and α base
 * ∈ (0, 1]). No training happens here: the caller trains the points this module plans and passes back
 * their validation metrics (never test metrics).
 *
 * Objective (as stated in the UI): the lowest validation ASR among the points whose validation BLEU is
 * at least CE's validation BLEU minus a tolerance (in BLEU points).
 */

/** One DeCE hyperparameter setting. */
export interface SearchPoint {
  labelSmoothing: number;
  alphaBase: number;
}

export interface SearchGrid {
  labelSmoothing: readonly number[];
  alphaBase: readonly number[];
}

/** A trained point: validation BLEU and ASR (%) after `epochs` epochs. */
export interface Trial extends SearchPoint {
  epochs: number;
  bleu: number;
  asr: number;
}

export interface SearchObjective {
  /** CE's validation BLEU on the same split. */
  ceBleu: number;
  /** BLEU points a point may lose against CE and still be feasible. */
  tolerance: number;
}

export const SEARCH_PARAMETERS = ['labelSmoothing', 'alphaBase'] as const;
export type SearchParameter = (typeof SEARCH_PARAMETERS)[number];

const samePoint = (a: SearchPoint, b: SearchPoint): boolean => a.labelSmoothing === b.labelSmoothing && a.alphaBase === b.alphaBase;

/**
 * Every combination of the grid's values, duplicates removed, sorted by label smoothing then α base
 * (ascending). Throws a RangeError for a value outside ε ∈ [0, 1) or α base ∈ (0, 1].
 */
export function gridPoints(grid: SearchGrid): SearchPoint[] {
  for (const e of grid.labelSmoothing) if (!(e >= 0 && e < 1)) throw new RangeError(`labelSmoothing must be in [0, 1), got ${e}`);
  for (const a of grid.alphaBase) if (!(a > 0 && a <= 1)) throw new RangeError(`alphaBase must be in (0, 1], got ${a}`);
  const ascending = (values: readonly number[]) => [...new Set(values)].sort((x, y) => x - y);
  const alphas = ascending(grid.alphaBase);
  return ascending(grid.labelSmoothing).flatMap((labelSmoothing) => alphas.map((alphaBase) => ({ labelSmoothing, alphaBase })));
}

export interface HalvingRung {
  /** 0-based. */
  rung: number;
  /** Epochs each point of this rung is trained for: min(minEpochs·eta^rung, maxEpochs). */
  epochs: number;
  /** Points trained in this rung. */
  points: number;
  /** Points promoted to the next rung: ceil(points / eta); 0 on the last rung. */
  keep: number;
}

export interface HalvingOptions {
  /** The points, or how many. */
  points: number | readonly SearchPoint[];
  minEpochs: number;
  maxEpochs: number;
  /** Reduction factor, an integer ≥ 2. Default 3. */
  eta?: number;
}

/**
 * Successive halving: rung k trains the surviving points for minEpochs·eta^k epochs (capped at
 * maxEpochs) and promotes the best ceil(n/eta). The plan ends with the rung that trains a single point
 * or reaches maxEpochs. E.g. 9 points, eta 3, epochs 1..9: 9 × 1 epoch, 3 × 3 epochs, 1 × 9 epochs.
 */
export function halvingPlan(options: HalvingOptions): HalvingRung[] {
  const { minEpochs, maxEpochs } = options;
  const eta = options.eta ?? 3;
  const total = typeof options.points === 'number' ? options.points : options.points.length;
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`points must be a non-negative integer, got ${total}`);
  if (!Number.isInteger(eta) || eta < 2) throw new RangeError(`eta must be an integer ≥ 2, got ${eta}`);
  if (!Number.isInteger(minEpochs) || minEpochs < 1) throw new RangeError(`minEpochs must be a positive integer, got ${minEpochs}`);
  if (!Number.isInteger(maxEpochs) || maxEpochs < minEpochs) throw new RangeError(`maxEpochs must be an integer ≥ minEpochs, got ${maxEpochs}`);
  const rungs: HalvingRung[] = [];
  let points = total;
  let epochs = minEpochs;
  while (points > 0) {
    const last = points === 1 || epochs >= maxEpochs;
    const keep = last ? 0 : Math.ceil(points / eta);
    rungs.push({ rung: rungs.length, epochs, points, keep });
    if (last) break;
    points = keep;
    epochs = Math.min(epochs * eta, maxEpochs);
  }
  return rungs;
}

/** Whether a trial meets the BLEU constraint (a diverged, non-finite metric never does). */
export function isFeasible(trial: Trial, objective: SearchObjective): boolean {
  return Number.isFinite(trial.asr) && Number.isFinite(trial.bleu) && trial.bleu >= objective.ceBleu - objective.tolerance;
}

/** Descending order with NaN last. */
const descending = (a: number, b: number): number => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : b - a);

/**
 * Best first: feasible trials by ASR ascending (ties: BLEU descending), then the infeasible ones by
 * BLEU descending (closest to feasibility first). Remaining ties: more epochs first, then ε, then α
 * base ascending, so the order never depends on the input order.
 */
export function rankTrials<T extends Trial>(trials: readonly T[], objective: SearchObjective): T[] {
  const feasible = new Map(trials.map((t) => [t, isFeasible(t, objective)]));
  return [...trials].sort(
    (a, b) =>
      Number(feasible.get(b)) - Number(feasible.get(a)) ||
      (feasible.get(a) ? a.asr - b.asr : 0) ||
      descending(a.bleu, b.bleu) ||
      b.epochs - a.epochs ||
      a.labelSmoothing - b.labelSmoothing ||
      a.alphaBase - b.alphaBase,
  );
}

/** The best `keep` trials of a rung by the objective (infeasible ones only when too few are feasible). */
export function selectSurvivors<T extends Trial>(trialsOfRung: readonly T[], keep: number, objective: SearchObjective): T[] {
  return rankTrials(trialsOfRung, objective).slice(0, Math.max(0, keep));
}

export interface SearchChoice<T extends Trial = Trial> {
  chosen: SearchPoint | null;
  /** The trial the choice rests on. */
  trial: T | null;
  /** How the choice was made, or why nothing was chosen. */
  reason: string;
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : String(x));

/**
 * The best feasible point among the trials trained for the most epochs (the last rung of successive
 * halving; every trial of a grid): ASRs after different numbers of epochs do not compare, since the
 * backdoor is learned late and every point looks harmless after one epoch. null with the reason when
 * no trial is feasible.
 */
export function chooseBest<T extends Trial>(trials: readonly T[], objective: SearchObjective): SearchChoice<T> {
  if (trials.length === 0) return { chosen: null, trial: null, reason: 'No trial has finished yet.' };
  const epochs = Math.max(...trials.map((t) => t.epochs));
  const final = trials.filter((t) => t.epochs === epochs);
  const floor = objective.ceBleu - objective.tolerance;
  const constraint = `validation BLEU ≥ ${fmt(floor)} (CE ${fmt(objective.ceBleu)} − ${fmt(objective.tolerance)})`;
  const [best] = rankTrials(final, objective);
  if (!best || !isFeasible(best, objective)) {
    const bestBleu = best ? `; the best reached BLEU ${fmt(best.bleu)}` : '';
    return { chosen: null, trial: null, reason: `None of the ${final.length} point(s) trained for ${epochs} epochs keeps ${constraint}${bestBleu}.` };
  }
  const feasibleCount = final.filter((t) => isFeasible(t, objective)).length;
  return {
    chosen: { labelSmoothing: best.labelSmoothing, alphaBase: best.alphaBase },
    trial: best,
    reason: `Lowest validation ASR (${fmt(best.asr)}%, BLEU ${fmt(best.bleu)}) among ${feasibleCount} of ${final.length} point(s) trained for ${epochs} epochs with ${constraint}.`,
  };
}

export interface SensitivityRow {
  /** The hyperparameter that differs from the chosen point. */
  parameter: SearchParameter;
  /** Its value in this trial (the other hyperparameter equals the chosen point's). */
  value: number;
  epochs: number;
  bleu: number;
  asr: number;
  /** This trial minus the chosen point's trial with the same number of epochs. */
  deltaBleu: number;
  deltaAsr: number;
}

/**
 * How BLEU and ASR move around the chosen point: every trial that differs from it in exactly one
 * hyperparameter, compared with the chosen point's own trial after the same number of epochs (with
 * successive halving, neighbours drop out early, so they are compared at the rung where both ran).
 * A neighbour trained at several rungs appears once, at the most epochs both share. Ordered by
 * parameter (ε, then α base), then value ascending.
 */
export function sensitivity(trials: readonly Trial[], chosen: SearchPoint): SensitivityRow[] {
  const centre = new Map(trials.filter((t) => samePoint(t, chosen)).map((t) => [t.epochs, t]));
  return SEARCH_PARAMETERS.flatMap((parameter) => {
    const other: SearchParameter = parameter === 'labelSmoothing' ? 'alphaBase' : 'labelSmoothing';
    const latest = new Map<number, SensitivityRow>();
    for (const t of trials) {
      const base = centre.get(t.epochs);
      if (!base || t[other] !== chosen[other] || t[parameter] === chosen[parameter]) continue;
      const previous = latest.get(t[parameter]);
      if (previous && previous.epochs >= t.epochs) continue;
      latest.set(t[parameter], { parameter, value: t[parameter], epochs: t.epochs, bleu: t.bleu, asr: t.asr, deltaBleu: t.bleu - base.bleu, deltaAsr: t.asr - base.asr });
    }
    return [...latest.values()].sort((a, b) => a.value - b.value);
  });
}

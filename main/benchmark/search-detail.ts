import {
  DeceParametersSchema,
  SearchSpecSchema,
  type DeceParameters,
  type SearchDetail,
  type SearchSpec,
  type SearchTrial,
} from '../../common/contract-benchmark';
import { presetConfig } from '../../common/presets';
import type { SearchRecord, SearchTrialRecord, SearchTrialStatus, Store } from '../store/index';
import { chooseBest, gridPoints, halvingPlan, isFeasible, sensitivity, type HalvingRung, type SearchObjective, type Trial } from './search';

/**
 * The read side of a DeCE hyperparameter search: what each trial's run reports, the objective against
 * the CE reference, and the choice with its explanation and sensitivity. Shared by the runner (which
 * decides on the same numbers) and by searches.get and the CLI (which show them).
 */

/** Successive halving keeps the best third of each rung. */
export const HALVING_ETA = 3;

/**
 * The rungs a search trains. A grid is one rung of every point at the preset's epochs. Successive halving
 * starts at a quarter of them (at least 1) and multiplies by HALVING_ETA; its last rung is stretched to
 * the preset's epochs even when halvingPlan stops earlier (one point left): the chosen point is then
 * judged after exactly the training it will be used with, against fully trained CE.
 */
export function searchRungs(spec: SearchSpec): HalvingRung[] {
  const points = gridPoints(spec.grid).length;
  const maxEpochs = presetConfig(spec.size, 'dece').training.epochs;
  if (spec.method === 'grid') return [{ rung: 0, epochs: maxEpochs, points, keep: 0 }];
  const plan = halvingPlan({ points, minEpochs: Math.max(1, Math.floor(maxEpochs / 4)), maxEpochs, eta: HALVING_ETA });
  return plan.map((rung, index) => (index === plan.length - 1 ? { ...rung, epochs: maxEpochs } : rung));
}

export interface TrialOutcome {
  status: SearchTrialStatus;
  /** Validation BLEU and ASR (%) after the trial's last epoch; null until finished (NaN: diverged). */
  bleu: number | null;
  asr: number | null;
}

/** A trained point with the trial it came from. */
export type ScoredTrial = Trial & { record: SearchTrialRecord };

const RUN_ACTIVE = new Set(['queued', 'running']);

/**
 * The validation metrics a finished trial run ended with: after its rung's epochs, or earlier when it stopped
 * with the CE reference it follows. Null when it recorded no epoch.
 */
function finalMetrics(store: Store, runId: number): { bleu: number; asr: number } | null {
  const record = store.metrics.lastEpoch(runId);
  return record ? { bleu: record.bleu, asr: record.asr } : null;
}

/**
 * What a trial stands at now: its run's status and, once finished, the run's validation metrics after
 * the trial's epochs. Without a run (not launched yet, or a deleted run) the stored values stand.
 */
export function trialOutcome(store: Store, trial: SearchTrialRecord): TrialOutcome {
  const run = trial.runId === null ? undefined : store.runs.get(trial.runId);
  if (!run) return { status: trial.status, bleu: trial.bleu, asr: trial.asr };
  if (run.status !== 'finished') return { status: run.status, bleu: null, asr: null };
  const metrics = finalMetrics(store, run.id);
  return { status: 'finished', bleu: metrics?.bleu ?? Number.NaN, asr: metrics?.asr ?? Number.NaN };
}

export type ReferenceStatus = 'not-launched' | 'missing' | 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';

export interface ReferenceState {
  runId: number | null;
  status: ReferenceStatus;
  /** The CE reference's validation BLEU and ASR after its last epoch (finished only). */
  bleu: number | null;
  asr: number | null;
  /**
   * The objective for trials trained `epochs` epochs: CE's validation BLEU after as many epochs of its own
   * run (a rung of successive halving stops early; comparing it with fully trained CE would rule out
   * every point of the first rungs). null until the reference has finished.
   */
  objectiveAt(epochs: number): SearchObjective | null;
}

export function referenceState(store: Store, search: SearchRecord, spec: SearchSpec): ReferenceState {
  if (search.referenceRunId === null) {
    return { runId: null, status: 'not-launched', bleu: null, asr: null, objectiveAt: () => null };
  }
  const run = store.runs.get(search.referenceRunId);
  if (!run) return { runId: search.referenceRunId, status: 'missing', bleu: null, asr: null, objectiveAt: () => null };
  if (run.status !== 'finished') return { runId: run.id, status: run.status, bleu: null, asr: null, objectiveAt: () => null };
  const epochs = store.metrics.epochs(run.id);
  const last = epochs.at(-1);
  const bleuAfter = (n: number): number => (epochs.find((e) => e.epoch === n) ?? last)?.bleu ?? Number.NaN;
  return {
    runId: run.id,
    status: 'finished',
    bleu: last?.bleu ?? null,
    asr: last?.asr ?? null,
    objectiveAt: (n) => ({ ceBleu: bleuAfter(n), tolerance: spec.bleuTolerance }),
  };
}

export function isTrialActive(status: SearchTrialStatus): boolean {
  return status === 'pending' || RUN_ACTIVE.has(status);
}

/** Finished trials in the pure module's terms (a missing or NaN metric stays NaN: never feasible). */
export function scoredTrials(store: Store, trials: readonly SearchTrialRecord[]): ScoredTrial[] {
  return trials.flatMap((record) => {
    const outcome = trialOutcome(store, record);
    if (outcome.status !== 'finished') return [];
    return [
      {
        labelSmoothing: record.labelSmoothing,
        alphaBase: record.alphaBase,
        epochs: record.epochs,
        bleu: outcome.bleu ?? Number.NaN,
        asr: outcome.asr ?? Number.NaN,
        record,
      },
    ];
  });
}

/** The best point among the trials trained longest (chooseBest), judged against CE after as many epochs. */
export function currentChoice(reference: ReferenceState, scored: readonly ScoredTrial[]): ReturnType<typeof chooseBest<ScoredTrial>> | null {
  if (scored.length === 0) return null;
  const objective = reference.objectiveAt(Math.max(...scored.map((t) => t.epochs)));
  return objective ? chooseBest(scored, objective) : null;
}

const finiteOrNull = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);
const fmt = (x: number | null): string => (x !== null && Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function objectiveInWords(spec: SearchSpec, reference: ReferenceState): string {
  const ce = reference.bleu === null ? '' : ` (${fmt(reference.bleu)})`;
  return (
    `Objective: the lowest validation ASR among the points whose validation BLEU is at least the CE reference's${ce} ` +
    `minus ${fmt(spec.bleuTolerance)} points; CE is trained on the same poisoned data (rate ${spec.rate}, seed ${spec.seed}). ` +
    'Only the validation split is decoded; the test set is never used.'
  );
}

function methodInWords(spec: SearchSpec, rungs: readonly { epochs: number; points: number }[]): string {
  const first = rungs[0];
  if (spec.method === 'grid' || rungs.length === 1 || !first) {
    return `Grid: every point trained for ${plural(first?.epochs ?? 0, 'epoch')}.`;
  }
  const steps = rungs.map((r) => `${r.points} × ${plural(r.epochs, 'epoch')}`).join(', then ');
  return (
    `Successive halving (keeping the best third of each rung): ${steps}; each rung retrains its points from the start, ` +
    "and is judged against CE's validation BLEU after as many epochs; every trial stops where the CE reference stopped (it stops on validation evidence) if that comes first."
  );
}

function stateInWords(search: SearchRecord, reference: ReferenceState, trials: readonly SearchTrial[], choice: ReturnType<typeof currentChoice>): string {
  const finished = trials.filter((t) => t.status === 'finished').length;
  const soFar = choice ? ` So far: ${choice.reason}` : '';
  switch (search.status) {
    case 'finished':
      return choice?.reason ?? 'No trial finished, so nothing could be chosen.';
    case 'failed':
      return `The search failed: ${search.error ?? 'unknown reason'}.`;
    case 'cancelled':
      return `The search was cancelled after ${finished} of ${trials.length} trial(s) finished; nothing was chosen.${soFar}`;
    case 'running':
      if (reference.status !== 'finished') return `Running: waiting for the CE reference run; ${finished} of ${trials.length} trial(s) finished.`;
      return `Running: ${finished} of ${trials.length} trial(s) finished.${soFar}`;
  }
}

/** searches.get: every trial with its validation metrics, the objective, the choice and its sensitivity. */
export function describeSearch(store: Store, search: SearchRecord): SearchDetail {
  const spec = SearchSpecSchema.parse(search.spec);
  const reference = referenceState(store, search, spec);
  const records = store.searches.trials(search.id);
  const trials: SearchTrial[] = records.map((record) => {
    const outcome = trialOutcome(store, record);
    const objective = reference.objectiveAt(record.epochs);
    const finished = outcome.status === 'finished';
    const asTrial = { ...record, bleu: outcome.bleu ?? Number.NaN, asr: outcome.asr ?? Number.NaN };
    return {
      labelSmoothing: record.labelSmoothing,
      alphaBase: record.alphaBase,
      rung: record.rung,
      epochs: record.epochs,
      runId: record.runId,
      status: outcome.status,
      bleu: finiteOrNull(outcome.bleu),
      asr: finiteOrNull(outcome.asr),
      feasible: finished && objective ? isFeasible(asTrial, objective) : null,
    };
  });
  const scored = scoredTrials(store, records);
  const choice = currentChoice(reference, scored);
  const stored = search.chosen === null ? null : DeceParametersSchema.safeParse(search.chosen);
  const chosen: DeceParameters | null = stored?.success ? stored.data : null;
  return {
    search: {
      id: search.id,
      projectId: search.projectId,
      name: search.name,
      spec,
      status: search.status,
      createdAt: search.createdAt,
      updatedAt: search.updatedAt,
    },
    reference: { runId: reference.runId, bleu: finiteOrNull(reference.bleu), asr: finiteOrNull(reference.asr) },
    trials,
    chosen,
    explanation: [objectiveInWords(spec, reference), methodInWords(spec, searchRungs(spec)), stateInWords(search, reference, trials, choice)].join(' '),
    // A diverged neighbour (NaN) has no place in the contract's numbers; the trials table still shows it.
    sensitivity: (chosen ? sensitivity(scored, chosen) : [])
      .filter((row) => Number.isFinite(row.deltaBleu) && Number.isFinite(row.deltaAsr))
      .map((row) => ({ parameter: row.parameter, value: row.value, bleu: row.bleu, asr: row.asr, deltaBleu: row.deltaBleu, deltaAsr: row.deltaAsr })),
  };
}

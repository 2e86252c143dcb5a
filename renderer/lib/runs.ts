import type { RunSummary } from '../../common/contract';
import type { LossKind } from '../../common/run-config';
import type { StepEvent, TrainingPhase } from '../../common/training-events';

/** The newest progress of a running job, from 'run.progress' events. */
export interface LiveProgress {
  phase: TrainingPhase;
  step: StepEvent | null;
  /** Date.now() when it arrived. */
  at: number;
}

/** Share of the run done, 0..1: from the live step when there is one, else from completed epochs. */
export function progressOf(run: RunSummary, live: LiveProgress | undefined): number {
  if (run.status === 'finished') return 1;
  const epochs = run.config.training.epochs;
  const step = live?.step;
  if (run.status === 'running' && step && step.phase === 'train' && step.stepsPerEpoch > 0) {
    return Math.min(1, (step.epoch - 1 + step.step / step.stepsPerEpoch) / Math.max(1, step.epochs));
  }
  return Math.min(1, run.lastCompletedEpoch / Math.max(1, epochs));
}

/** Seconds between start and finish (or now, while running); null before it starts. */
export function durationOf(run: RunSummary, now: number): number | null {
  if (run.startedAt === null) return null;
  const start = Date.parse(run.startedAt);
  const end = run.finishedAt === null ? now : Date.parse(run.finishedAt);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  return Math.max(0, (end - start) / 1000);
}

export const LOSS_COLORS: Record<LossKind, string> = {
  ce: '#c2410c',
  dece: '#1d4ed8',
  ls: '#7c3aed',
  gce: '#047857',
  intrust: '#a16207',
};

/** Further runs of the same loss are told apart by their dash pattern. */
export const DASHES: readonly (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3]];

/** Runs compared by default: the newest finished-or-running CE and DeCE runs of the stage. */
export function defaultComparison(runs: readonly RunSummary[]): number[] {
  const pick = (loss: LossKind) =>
    [...runs].filter((r) => r.loss === loss && r.status !== 'failed' && r.status !== 'cancelled').sort((a, b) => b.id - a.id)[0]?.id;
  return [pick('ce'), pick('dece')].filter((id): id is number => id !== undefined);
}

export const isActive = (run: RunSummary): boolean => run.status === 'queued' || run.status === 'running';

import type { AppEvent } from '../../common/contract';
import type { StepEvent, TrainingEvent } from '../../common/training-events';
import type { Store, StepInput } from '../store/index';

/** Steps are written in transactions of this many (or after STEP_FLUSH_MS), not one commit per step. */
const STEP_BATCH = 50;
const STEP_FLUSH_MS = 1000;

/** The run whose worker events are translated (the job service's slot). */
export interface RunProgressTarget {
  readonly runId: number;
  readonly projectId: number;
  /** The first store write that failed; the run is then stopped and failed with it. */
  persistError: unknown;
}

/**
 * Per-run event translation: step losses buffered into batched inserts, epochs persisted before they
 * are announced, and step announcements thinned to a few per second (the UI cannot show more).
 */
export class RunProgress {
  private steps: StepInput[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private lastStepEmit = 0;
  private pendingStep: StepEvent | null = null;
  private stepTimer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(
    private readonly run: RunProgressTarget,
    private readonly store: Store,
    private readonly emit: (event: AppEvent) => void,
    private readonly minStepGapMs: number,
    private readonly stop: () => void,
  ) {}

  onEvent(event: TrainingEvent, persist: boolean): void {
    // A worker can still deliver a message or two after its job settled.
    if (this.disposed) return;
    try {
      if (event.type === 'step') {
        if (persist && event.phase === 'train') this.bufferStep({ epoch: event.epoch, step: event.step, loss: event.loss });
        this.throttleStep(event);
        return;
      }
      // Keep the order the worker sent: the last step of an epoch before the epoch itself.
      this.emitPendingStep();
      if (event.type === 'epoch' && persist) {
        this.flushSteps();
        this.store.metrics.recordEpoch(this.run.runId, event.metrics);
      }
      this.announce(event);
    } catch (error) {
      if (this.run.persistError === undefined) this.run.persistError = error;
      this.stop();
    }
  }

  /** Writes what is buffered and announces the last step; call when the job has settled. */
  finish(): void {
    try {
      this.flushSteps();
    } catch (error) {
      if (this.run.persistError === undefined) this.run.persistError = error;
    }
    this.emitPendingStep();
  }

  dispose(): void {
    this.disposed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.stepTimer) clearTimeout(this.stepTimer);
    this.flushTimer = null;
    this.stepTimer = null;
  }

  private announce(event: TrainingEvent): void {
    this.emit({ type: 'run.progress', runId: this.run.runId, projectId: this.run.projectId, event });
  }

  private bufferStep(step: StepInput): void {
    this.steps.push(step);
    if (this.steps.length >= STEP_BATCH) {
      this.flushSteps();
    } else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        try {
          this.flushSteps();
        } catch (error) {
          if (this.run.persistError === undefined) this.run.persistError = error;
          this.stop();
        }
      }, STEP_FLUSH_MS);
      this.flushTimer.unref();
    }
  }

  private flushSteps(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.steps.length === 0) return;
    const batch = this.steps;
    this.steps = [];
    this.store.metrics.recordSteps(this.run.runId, batch);
  }

  private throttleStep(event: StepEvent): void {
    const now = performance.now();
    if (now - this.lastStepEmit >= this.minStepGapMs) {
      this.pendingStep = null;
      this.lastStepEmit = now;
      this.announce(event);
      return;
    }
    // Trailing edge: the newest step still shows up once the gap has passed.
    this.pendingStep = event;
    if (!this.stepTimer) {
      this.stepTimer = setTimeout(() => {
        this.stepTimer = null;
        this.emitPendingStep();
      }, this.minStepGapMs - (now - this.lastStepEmit));
      this.stepTimer.unref();
    }
  }

  private emitPendingStep(): void {
    if (this.stepTimer) clearTimeout(this.stepTimer);
    this.stepTimer = null;
    const pending = this.pendingStep;
    if (!pending) return;
    this.pendingStep = null;
    this.lastStepEmit = performance.now();
    this.announce(pending);
  }
}

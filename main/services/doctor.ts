import type { Handlers } from '../../common/contract';
import type { DoctorReportView } from '../../common/contract-doctor';
import type { DoctorJobRequest, DoctorReport } from '../engine/doctor';
import { type JobHandlers, type RunningJob, startJob as realStartJob } from '../jobs/run-worker';

/**
 * `doctor.run`: the backend doctor of `npm run doctor`, for the app's Settings. It runs in a worker thread
 * of its own (or a process, where native TensorFlow needs one), because it loads every backend and trains a
 * few steps on each: the main thread keeps serving the UI. One doctor at a time: a call while one runs
 * waits for that one and gets its report.
 */

export type StartDoctorJob = (request: DoctorJobRequest, handlers: JobHandlers) => Pick<RunningJob<DoctorReport>, 'result'>;

export interface DoctorServiceOptions {
  /** Default: a worker thread (main/jobs/run-worker.ts). */
  startJob?: StartDoctorJob;
  /** The doctor's progress lines ("wasm: timing 20 training steps…"), e.g. for a log. */
  onProgress?: (line: string) => void;
}

export function createDoctorHandlers(options: DoctorServiceOptions = {}): Pick<Handlers, 'doctor.run'> {
  const start = options.startJob ?? ((request, handlers) => realStartJob<DoctorReport>(request, handlers));
  let running: Promise<DoctorReportView> | null = null;
  let counter = 0;
  return {
    'doctor.run': (input) => {
      if (running) return running;
      const job = start(
        { kind: 'doctor', jobId: `doctor-${++counter}`, options: { steps: input.steps, size: input.size, ...(input.probe ? { probe: input.probe } : {}) } },
        {
          onEvent: (event) => {
            if (event.type === 'phase') options.onProgress?.(event.message);
          },
        },
      );
      // The engine's report is the contract's shape: this assignment is the compile-time check.
      const report: Promise<DoctorReportView> = job.result;
      running = report.finally(() => {
        running = null;
      });
      return running;
    },
  };
}

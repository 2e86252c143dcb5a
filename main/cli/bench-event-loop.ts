import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AppEvent } from '../../common/contract';
import { presetConfig } from '../../common/presets';
import type { RunConfig } from '../../common/run-config';
import { createJobService } from '../jobs/job-service';
import { openStore } from '../store/index';

/**
 * The main process stays responsive while a worker trains: event-loop delay p99 of the job service's
 * thread, sampled over a few windows while a small DeCE run trains (target < 50 ms). A figure for
 * `npm run bench`, not a test: on shared cores a burst elsewhere stalls any thread for a moment.
 */

export interface EventLoopFigures {
  /** p99 event-loop delay per sampling window, in milliseconds. */
  windowsP99Ms: number[];
  /** Training steps reported while each window was sampled: the worker really trained meanwhile. */
  stepsPerWindow: number[];
  targetMs: number;
}

const WINDOW_MS = 3000;
const WINDOWS = 3;
const TARGET_MS = 50;

function smallRun(): RunConfig {
  const base = presetConfig('quick', 'dece');
  return {
    ...base,
    data: { ...base.data, corpus: { kind: 'builtin-sql', size: 300 }, evalLimit: 20 },
    model: { ...base.model, dModel: 32, heads: 4, ffSize: 64, encoderLayers: 1, decoderLayers: 1 },
    training: { ...base.training, epochs: 20, pretrainEpochs: 0 },
  };
}

export async function measureEventLoopDelay(): Promise<EventLoopFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dece-bench-loop-'));
  const store = openStore({ dataDir });
  let steps = 0;
  let firstStep: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    firstStep = resolve;
  });
  const emit = (event: AppEvent): void => {
    if (event.type === 'run.progress' && event.event.type === 'step') {
      steps++;
      firstStep();
    }
  };
  const jobs = createJobService({ store, dataDir, maxConcurrent: 1, emit });
  try {
    const config = smallRun();
    const project = store.projects.create({ name: 'bench', actor: 'bench' });
    const run = store.runs.create({ projectId: project.id, stage: 'pilot', name: 'event loop', config, lossKind: 'dece', backend: config.backend, actor: 'bench' });
    jobs.enqueue(run.id);
    await started;
    const windowsP99Ms: number[] = [];
    const stepsPerWindow: number[] = [];
    for (let i = 0; i < WINDOWS; i++) {
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      const before = steps;
      histogram.enable();
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
      histogram.disable();
      windowsP99Ms.push(histogram.percentile(99) / 1e6);
      stepsPerWindow.push(steps - before);
    }
    await jobs.cancel(run.id, 'bench');
    return { windowsP99Ms, stepsPerWindow, targetMs: TARGET_MS };
  } finally {
    await jobs.close();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

import type { MethodOutput } from '../../common/contract';
import { DEFAULT_DECE_PARAMETERS, type BenchmarkSpec } from '../../common/contract-benchmark';
import type { JobService } from '../../main/jobs/job-service';
import type { JobRequest } from '../../main/jobs/messages';
import { startJob, type JobHandlers } from '../../main/jobs/worker-host';
import { createEstimator } from '../../main/jobs/estimate';
import { validatedCaller, type Caller } from '../../main/services/caller';
import { createServices } from '../../main/services/index';
import type { Store } from '../../main/store/index';
import { eventLog, jobService, type EventLog } from '../jobs/helpers';

export { apiError } from '../services/call';

export type Call = Caller;

export function benchmarkSpec(overrides: Partial<BenchmarkSpec> = {}): BenchmarkSpec {
  return {
    name: 'test matrix',
    size: 'tiny',
    datasets: [{ kind: 'builtin-sql' }],
    attacks: ['badpre'],
    rates: [0.05],
    arms: ['ce', 'dece'],
    seeds: [1],
    dece: DEFAULT_DECE_PARAMETERS,
    ...overrides,
  };
}

/** A project whose Pilot gate was overridden, so that its Benchmark stage takes runs. */
export function benchmarkProject(store: Store, name = 'benchmark test'): number {
  const project = store.projects.create({ name, actor: 'tester' });
  store.stages.decide(project.id, 'pilot', { decision: 'override', actor: 'tester', reason: 'benchmark tests start at the Benchmark stage' });
  return project.id;
}

export interface BenchmarkHarness {
  call: Call;
  jobs: JobService;
  log: EventLog;
  /** Every job the job service started, in order. */
  started: JobRequest[];
  /** Ids of the training runs whose jobs started, one entry per start. */
  trainStarts: () => number[];
  /** The most worker threads that were busy at once. */
  maxWorkers: () => number;
}

/** Services over a real store and a real job service whose started jobs are recorded. */
export function benchmarkServices(store: Store, dataDir: string, maxConcurrent: number): BenchmarkHarness {
  const log = eventLog();
  const started: JobRequest[] = [];
  const workers = { busy: 0, max: 0 };
  const jobs = jobService({
    store,
    dataDir,
    maxConcurrent,
    emit: log.emit,
    startJob: <T>(request: JobRequest, handlers?: JobHandlers) => {
      started.push(request);
      workers.busy += 1;
      workers.max = Math.max(workers.max, workers.busy);
      const job = startJob<T>(request, handlers);
      void job.result.catch(() => undefined).finally(() => (workers.busy -= 1));
      return job;
    },
  });
  // A fixed throughput: the estimate's arithmetic is real, without a probe worker competing with the runs.
  const estimator = createEstimator({ throughput: 20_000 });
  const call = validatedCaller(createServices({ store, jobs, dataDir, shell: 'browser', version: '0.0.0-test', emit: log.emit, estimator }));
  const trainStarts = () => started.flatMap((r) => (r.kind === 'train' ? [Number(/^run-(\d+)-/.exec(r.jobId)?.[1])] : []));
  return { call, jobs, log, started, trainStarts, maxWorkers: () => workers.max };
}

/** Polls benchmarks.get until the matrix is no longer running. */
export async function settled(call: Call, benchmarkId: number, timeoutMs: number): Promise<MethodOutput<'benchmarks.get'>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const detail = await call('benchmarks.get', { benchmarkId });
    if (detail.benchmark.status !== 'running') return detail;
    if (Date.now() > deadline) throw new Error(`benchmark ${benchmarkId} still running after ${timeoutMs} ms: ${JSON.stringify(detail.cells.map((c) => [c.key, c.status]))}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Resolves once `check` holds (polled), or rejects after the timeout. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import type { Handlers } from '../../common/contract';
import type { BenchmarkDetail, benchmarkContract } from '../../common/contract-benchmark';
import { toBenchmarkCsv } from '../benchmark/aggregate';
import { earlyLearningPairs, scenarioStats, toBenchmark, toBenchmarkCell, toScenarioRow } from '../benchmark/results';
import { BenchmarkRunner, type BenchmarkRunnerOptions } from '../benchmark/runner';
import type { JobService } from '../jobs/job-service';
import type { BenchmarkRecord, Store } from '../store/index';
import type { ServiceContext } from './context';
import { fileSlug } from '../domain/file-names';
import { notFound } from './errors';
import { onePerJobService } from './per-job-service';
import { RedisUnreachableError } from '../jobs/remote/probe';
import { unreachable } from './training-target';

type BenchmarkMethod = Extract<keyof typeof benchmarkContract, `benchmarks.${string}`>;
export type BenchmarkHandlers = Pick<Handlers, BenchmarkMethod>;

/** One runner per job service (see onePerJobService): two listeners would schedule the same defenses. */
const runners = onePerJobService((options: BenchmarkRunnerOptions) => new BenchmarkRunner(options));

/**
 * Start-up, right after jobs.resumeUnfinished(): continues the matrices a previous process left running
 * (their interrupted runs are already requeued). Returns their ids; [] when no services use these jobs.
 */
export function resumeBenchmarks(jobs: JobService): number[] {
  return runners.existing(jobs)?.resumeAll() ?? [];
}

export function benchmarkDetail(store: Store, record: BenchmarkRecord): BenchmarkDetail {
  const cells = store.benchmarks.cells(record.id).map((c) => toBenchmarkCell(store, c));
  return {
    benchmark: toBenchmark(record, cells),
    cells,
    scenarios: scenarioStats(cells).map(toScenarioRow),
    earlyLearning: earlyLearningPairs(store, cells),
  };
}


/** The Benchmark stage's scenario matrices. */
export function createBenchmarkHandlers(context: ServiceContext): BenchmarkHandlers {
  const { store, jobs } = context;
  const runner = runners.of({
    store,
    jobs,
    dataDir: context.dataDir,
    changed: (projectId) => {
      context.changed(projectId);
    },
    connectedWorkers: () => context.connectedWorkers(),
  });
  const requireBenchmark = (benchmarkId: number): BenchmarkRecord => {
    const benchmark = store.benchmarks.get(benchmarkId);
    if (!benchmark) throw notFound('Benchmark', benchmarkId);
    return benchmark;
  };
  const summary = (record: BenchmarkRecord) => toBenchmark(record, store.benchmarks.cells(record.id));
  return {
    'benchmarks.plan': async ({ projectId, spec }) => {
      context.requireProject(projectId);
      try {
        return await runner.plan(projectId, spec, context.estimator);
      } catch (error) {
        throw error instanceof RedisUnreachableError ? unreachable(error) : error;
      }
    },
    'benchmarks.start': ({ projectId, spec, actor }) => {
      context.requireProject(projectId);
      return Promise.resolve(summary(runner.start(projectId, spec, actor)));
    },
    'benchmarks.list': ({ projectId }) => {
      context.requireProject(projectId);
      return Promise.resolve(store.benchmarks.list(projectId).map(summary));
    },
    'benchmarks.get': ({ benchmarkId }) => {
      // A read only: the runner advances matrices on run-status events and at start-up, not on every reload.
      return Promise.resolve(benchmarkDetail(store, requireBenchmark(benchmarkId)));
    },
    'benchmarks.pause': async ({ benchmarkId, actor }) => {
      requireBenchmark(benchmarkId);
      return summary(await runner.pause(benchmarkId, actor));
    },
    'benchmarks.resume': ({ benchmarkId, actor }) => {
      requireBenchmark(benchmarkId);
      return Promise.resolve(summary(runner.resume(benchmarkId, actor)));
    },
    'benchmarks.extend': ({ benchmarkId, seeds, actor }) => {
      requireBenchmark(benchmarkId);
      return Promise.resolve(summary(runner.extend(benchmarkId, seeds, actor)));
    },
    'benchmarks.exportCsv': ({ benchmarkId }) => {
      const record = requireBenchmark(benchmarkId);
      const cells = store.benchmarks.cells(benchmarkId).map((c) => toBenchmarkCell(store, c));
      const name = fileSlug(record.name, `benchmark-${benchmarkId}`);
      return Promise.resolve({ fileName: `dece-benchmark-${benchmarkId}-${name}.csv`, csv: toBenchmarkCsv(scenarioStats(cells)) });
    },
  };
}

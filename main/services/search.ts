import type { Handlers } from '../../common/contract';
import { SearchSpecSchema, type benchmarkContract, type SearchDetail } from '../../common/contract-benchmark';
import { describeSearch } from '../benchmark/search-detail';
import { SearchRunner, type SearchRunnerOptions } from '../benchmark/search-runner';
import type { JobService } from '../jobs/job-service';
import type { SearchRecord } from '../store/index';
import type { ServiceContext } from './context';
import { notFound } from './errors';
import { onePerJobService } from './per-job-service';

type SearchMethod = Extract<keyof typeof benchmarkContract, `searches.${string}`>;
export type SearchHandlers = Pick<Handlers, SearchMethod>;
type Search = SearchDetail['search'];

/** One runner per job service (see onePerJobService): two listeners would advance the same searches. */
const runners = onePerJobService((options: SearchRunnerOptions) => new SearchRunner(options));

export function searchRunnerFor(options: SearchRunnerOptions): SearchRunner {
  return runners.of(options);
}

/**
 * Start-up, right after jobs.resumeUnfinished(): continues the searches a previous process left running
 * (their interrupted runs are already requeued). Returns their ids; [] when no services use these jobs.
 */
export function resumeSearches(jobs: JobService): number[] {
  return runners.existing(jobs)?.resume() ?? [];
}

function toSearch(record: SearchRecord): Search {
  return {
    id: record.id,
    projectId: record.projectId,
    name: record.name,
    spec: SearchSpecSchema.parse(record.spec),
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** The DeCE hyperparameter search of the Benchmark stage. */
export function createSearchHandlers(context: ServiceContext): SearchHandlers {
  const { store, jobs } = context;
  const runner = searchRunnerFor({
    store,
    jobs,
    changed: (projectId) => {
      context.changed(projectId);
    },
  });
  const requireSearch = (searchId: number): SearchRecord => {
    const search = store.searches.get(searchId);
    if (!search) throw notFound('Search', searchId);
    return search;
  };
  return {
    'searches.start': ({ projectId, spec, actor }) => {
      context.requireProject(projectId);
      return Promise.resolve(toSearch(runner.start(projectId, spec, actor)));
    },
    'searches.list': ({ projectId }) => {
      context.requireProject(projectId);
      return Promise.resolve(store.searches.list(projectId).map(toSearch));
    },
    'searches.get': ({ searchId }) => Promise.resolve(describeSearch(store, requireSearch(searchId))),
    'searches.cancel': async ({ searchId, actor }) => {
      requireSearch(searchId);
      await runner.cancel(searchId, actor);
      return { ok: true as const };
    },
  };
}

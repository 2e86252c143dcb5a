import { availableParallelism } from 'node:os';
import { message } from '../../common/messages';
import { ApiError, STAGE_NAMES, type AppEvent, type Handlers, type MethodName, type StageName } from '../../common/contract';
import type { JobService } from '../jobs/job-service';
import type { Store } from '../store/index';
import { importUploads, importedDatasetFiles, requireDatasetFiles } from './datasets';
import { toApiError, notFound } from './errors';
import { createEstimator, type Estimator } from '../jobs/estimate';
import { cacheDir } from '../files/data-folder';
import { generateReport } from '../reports';
import { auditCsv, auditTrail } from '../domain/audit';
import { toCsv } from '../domain/csv';
import { fileSlug } from '../domain/file-names';
import { gateFor as evaluateStageGate } from '../domain/gate-inputs';
import { toChecklistItem, toDataset, toEpochMetrics, toProject, toRun, toStage } from '../domain/mappers';
import { openSettings } from './settings';
import { createBenchmarkHandlers } from './benchmark';
import type { ServiceContext } from './context';
import { createProductionHandlers, requireGoSignOff } from './production';
import { createSearchHandlers } from './search';
import { createDoctorHandlers } from './doctor';
import { createTrainingTargetHandlers } from './training-target';

export { createEventHub, type EventHub, type AppEventListener } from './events';

export interface ServicesOptions {
  store: Store;
  jobs: JobService;
  dataDir: string;
  shell: 'electron' | 'browser';
  version: string;
  /** 'project.changed' notifications (run events come from the job service). */
  emit?: (event: AppEvent) => void;
  /** Default: measured once per process (see main/jobs/estimate.ts). */
  estimator?: Estimator;
  /** Folders whose files runs may read besides imported datasets' own (default: none). */
  dataFolders?: readonly string[];
  /** Worker processes on the remote queue training goes to now, null when it trains on this machine (default: always null). */
  connectedWorkers?: () => Promise<number | null>;
}

/** The contract has no actor field on these methods; the audit log still needs one. */
const DEFAULT_ACTOR = 'user';

/** Every contract method over the store and the job service. Inputs arrive already validated. */
export function createServices(options: ServicesOptions): Handlers {
  const { store, jobs, dataDir } = options;
  const settings = openSettings(dataDir);
  const estimator = options.estimator ?? createEstimator({ cacheDir: cacheDir(dataDir) });
  const changed = (projectId: number) => {
    try {
      options.emit?.({ type: 'project.changed', projectId });
    } catch {
      // Notifications are best effort; the change itself is committed.
    }
  };

  const requireProject = (projectId: number) => {
    const project = store.projects.get(projectId);
    if (!project) throw notFound('Project', projectId);
    return project;
  };
  const requireStage = (projectId: number, stage: StageName) => {
    requireProject(projectId);
    const found = store.stages.get(projectId, stage);
    if (!found) throw notFound('Stage', `${projectId}/${stage}`);
    return found;
  };
  const requireRun = (runId: number) => {
    const run = store.runs.get(runId);
    if (!run) throw notFound('Run', runId);
    return run;
  };
  /** An item id from another project is "not found" here, not a way to edit that project. */
  const requireItem = (projectId: number, itemId: number) => {
    const item = store.checklist.get(itemId);
    if (!item || item.projectId !== projectId) throw notFound('Checklist item', itemId);
    return item;
  };

  const gateFor = (projectId: number, stage: StageName) => {
    requireStage(projectId, stage);
    return evaluateStageGate(store, projectId, stage);
  };

  const connectedWorkers = options.connectedWorkers ?? (() => Promise.resolve(null));
  const context: ServiceContext = { store, jobs, dataDir, estimator, changed, requireProject, requireStage, connectedWorkers };

  const handlers: Handlers = {
    ...createBenchmarkHandlers(context),
    ...createSearchHandlers(context),
    ...createProductionHandlers(context),
    ...createDoctorHandlers(),
    ...createTrainingTargetHandlers(settings),
    'app.info': () =>
      Promise.resolve({
        version: options.version,
        dataDir,
        cores: availableParallelism(),
        maxConcurrentRuns: jobs.maxConcurrent,
        shell: options.shell,
      }),
    'settings.get': ({ key }) => Promise.resolve({ value: settings.get(key) }),
    'settings.set': ({ key, value }) => {
      settings.set(key, value);
      return Promise.resolve({ ok: true as const });
    },

    'projects.list': () => Promise.resolve(store.projects.list().map(toProject)),
    'projects.create': ({ name, description }) => {
      const project = store.projects.create({ name, description, actor: DEFAULT_ACTOR });
      changed(project.id);
      return Promise.resolve(toProject(project));
    },
    'projects.get': ({ projectId }) => {
      const project = requireProject(projectId);
      return Promise.resolve({
        project: toProject(project),
        stages: store.stages.list(projectId).map(toStage),
        checklist: STAGE_NAMES.flatMap((stage) => store.checklist.list(projectId, stage).map(toChecklistItem)),
      });
    },

    'stages.setThresholds': ({ projectId, stage, thresholds, actor }) => {
      const current = requireStage(projectId, stage);
      // A passed stage's decision was taken against its thresholds; reopen it to change them.
      if (current.status === 'passed') throw ApiError.of('conflict', message('error.stagePassedThresholds', { stage }));
      const updated = store.stages.setThresholds(projectId, stage, thresholds, actor);
      changed(projectId);
      return Promise.resolve(toStage(updated));
    },
    'stages.evaluateGate': ({ projectId, stage }) => Promise.resolve(gateFor(projectId, stage).evaluation),
    'stages.decide': ({ projectId, stage, decision, actor, reason }) => {
      const { stage: current, evaluation } = gateFor(projectId, stage);
      if (current.status !== 'active') throw ApiError.of('conflict', message('error.stageNotActive', { stage, status: current.status }));
      const trimmed = reason?.trim() ?? '';
      if (decision === 'override' && trimmed === '') throw ApiError.of('invalid-input', message('error.overrideNeedsReason'));
      // An override may relax Production's evidence, never its sign-off (see requireGoSignOff).
      if (stage === 'production') requireGoSignOff(store, projectId);
      if (decision === 'pass' && !evaluation.canPass) {
        // The failing conditions' ids travel as a list; the UI names them from the catalog.
        const failing = evaluation.conditions.filter((c) => !c.holds).map((c) => c.id);
        throw ApiError.of('conflict', message('error.gateDoesNotHold', { stage, failing: failing.join(', ') }));
      }
      const decided = store.stages.decide(projectId, stage, { decision, actor, ...(trimmed === '' ? {} : { reason: trimmed }) });
      changed(projectId);
      return Promise.resolve(toStage(decided));
    },
    'stages.reopen': ({ projectId, stage, actor, reason }) => {
      requireStage(projectId, stage);
      const reopened = store.stages.reopen(projectId, stage, { actor, reason });
      changed(projectId);
      return Promise.resolve(toStage(reopened));
    },

    'checklist.add': ({ projectId, stage, text, actor }) => {
      requireStage(projectId, stage);
      const item = store.checklist.add(projectId, stage, { text, actor });
      changed(projectId);
      return Promise.resolve(toChecklistItem(item));
    },
    'checklist.update': ({ projectId, itemId, text, actor }) => {
      requireItem(projectId, itemId);
      const item = store.checklist.update(itemId, { text, actor });
      changed(projectId);
      return Promise.resolve(toChecklistItem(item));
    },
    'checklist.toggle': ({ projectId, itemId, done, actor, note }) => {
      requireItem(projectId, itemId);
      const item = store.checklist.toggle(itemId, { done, actor, ...(note === undefined ? {} : { note }) });
      changed(projectId);
      return Promise.resolve(toChecklistItem(item));
    },
    'checklist.move': ({ projectId, itemId, position }) => {
      requireItem(projectId, itemId);
      const items = store.checklist.move(itemId, { position, actor: DEFAULT_ACTOR });
      changed(projectId);
      return Promise.resolve(items.map(toChecklistItem));
    },
    'checklist.remove': ({ projectId, itemId, actor }) => {
      requireItem(projectId, itemId);
      store.checklist.remove(itemId, { actor });
      changed(projectId);
      return Promise.resolve({ ok: true as const });
    },

    'datasets.list': ({ projectId }) => {
      requireProject(projectId);
      return Promise.resolve(store.datasets.list({ projectId }).map(toDataset));
    },
    'datasets.import': async ({ projectId, name, train, test, valid, pretrain }) => {
      requireProject(projectId);
      const dataset = await importUploads(store, dataDir, { projectId, name, train, test, valid, pretrain, actor: DEFAULT_ACTOR });
      changed(projectId);
      return toDataset(dataset);
    },

    'datasets.files': ({ projectId, datasetId }) => {
      requireProject(projectId);
      const dataset = store.datasets.get(datasetId);
      // Another project's dataset is "not found" here, as for checklist items.
      if (!dataset || dataset.projectId !== projectId) throw notFound('Dataset', datasetId);
      return Promise.resolve(importedDatasetFiles(dataset));
    },

    'runs.estimate': ({ config }) => estimator.estimate(config),
    'runs.start': ({ projectId, stage, name, config, datasetId, followsRunId, actor }) => {
      requireStage(projectId, stage);
      if (datasetId !== undefined && !store.datasets.get(datasetId)) throw notFound('Dataset', datasetId);
      requireDatasetFiles(store, projectId, config.data.corpus, datasetId, options.dataFolders ?? []);
      if (followsRunId !== undefined) {
        const leader = store.runs.get(followsRunId);
        if (!leader || leader.projectId !== projectId) throw notFound('Run', followsRunId);
        if (leader.lossKind !== 'ce') throw new ApiError('invalid-input', `followsRunId: run ${followsRunId} is a ${leader.lossKind} run; a run follows the cross-entropy run of its pair`);
      }
      const run = store.runs.create({
        projectId,
        stage,
        name,
        config,
        lossKind: config.loss.kind,
        backend: config.backend,
        ...(datasetId === undefined ? {} : { datasetId }),
        ...(followsRunId === undefined ? {} : { leaderRunId: followsRunId }),
        actor,
      });
      jobs.enqueue(run.id);
      changed(projectId);
      return Promise.resolve(toRun(store.runs.get(run.id) ?? run));
    },
    'runs.cancel': async ({ runId, actor }) => {
      const run = requireRun(runId);
      if (run.status !== 'queued' && run.status !== 'running') throw ApiError.of('conflict', message('error.runNotCancellable', { run: runId, status: run.status }));
      await jobs.cancel(runId, actor);
      changed(run.projectId);
      return toRun(requireRun(runId));
    },
    'runs.list': ({ projectId, stage }) => {
      requireProject(projectId);
      const runs = store.runs.list({ projectId, ...(stage === undefined ? {} : { stage }) });
      return Promise.resolve(
        runs.map((r) => {
          const last = store.metrics.lastEpoch(r.id);
          return { ...toRun(r), latest: last ? toEpochMetrics(last) : null };
        }),
      );
    },
    'runs.get': ({ runId }) => {
      const run = requireRun(runId);
      return Promise.resolve({
        run: toRun(run),
        epochs: store.metrics.epochs(runId).map(toEpochMetrics),
        steps: store.metrics.steps(runId),
      });
    },
    'runs.exportCsv': ({ projectId }) => {
      const project = requireProject(projectId);
      const header = ['run_id', 'run_name', 'stage', 'loss', 'status', 'seed', 'epoch', 'bleu', 'corpus_bleu', 'exact_match', 'asr', 'train_loss', 'poisoned_row_loss', 'clean_row_loss', 'seconds'];
      const rows = store.runs.list({ projectId }).flatMap((r) => {
        const run = toRun(r);
        return store.metrics.epochs(r.id).map((record) => {
          const e = toEpochMetrics(record);
          return [run.id, run.name, run.stage, run.loss, run.status, run.config.seed, e.epoch, e.bleu, e.corpusBleu, e.exactMatch, e.asr, e.trainLoss, e.poisonedRowLoss, e.cleanRowLoss, e.seconds];
        });
      });
      return Promise.resolve({ fileName: `dece-pilot-${fileSlug(project.name, `project-${projectId}`)}-runs.csv`, csv: toCsv(header, rows) });
    },
    'audit.list': (filter) => {
      requireProject(filter.projectId);
      return Promise.resolve(auditTrail(store, filter));
    },
    'audit.exportCsv': (filter) => Promise.resolve(auditCsv(store, filter, requireProject(filter.projectId).name)),
    'reports.generate': async ({ projectId, format, lang }) => {
      requireProject(projectId);
      const report = await generateReport(store, projectId, { format, lang });
      return {
        fileName: `dece-report-${projectId}-${lang}.${report.extension}`,
        mime: report.mime,
        base64: Buffer.from(report.bytes).toString('base64'),
      };
    },
  };

  return withErrorMapping(handlers);
}

/** Store refusals become ApiErrors for every method, in one place rather than in each handler. */
function withErrorMapping(handlers: Handlers): Handlers {
  const wrapped: Partial<Record<MethodName, unknown>> = {};
  for (const name of Object.keys(handlers) as MethodName[]) {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    wrapped[name] = async (input: unknown) => {
      try {
        return await handler(input);
      } catch (error) {
        throw toApiError(error);
      }
    };
  }
  return wrapped as Handlers;
}

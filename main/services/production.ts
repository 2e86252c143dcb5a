import { latestCheckpoint } from '../engine/checkpoint-format';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError, type Handlers } from '../../common/contract';
import {
  ProbeSampleSchema,
  type ProbeDto,
  type ProbeSet,
  type ProbeSource,
  type ProductionState,
  type productionContract,
} from '../../common/contract-production';
import { presetConfig } from '../../common/presets';
import { RunConfigSchema, type AttackKind, type RunConfig } from '../../common/run-config';
import { ATTACKS, createAttackByKind } from '../data/attacks';
import type { Attack } from '../data/attacks/types';
import { JobFailedError, startJob as realStartJob } from '../jobs/run-worker';
import { exportDeceLoss } from '../production/loss-export';
import type { ModelMetadata } from '../production/model-export';
import { ProbeInputError, probeCsv, unzipModelExport, zipModelExport, type ProbeOutcome } from '../production/probe';
import type { Probe, Store } from '../store/index';
import type { ServiceContext } from './context';
import { notFound } from './errors';
import { toEpochMetrics, toRun } from './mappers';

export type ProductionHandlers = Pick<Handlers, keyof typeof productionContract>;

export interface ProductionOptions {
  /** Tests wrap the real startJob to see which jobs ran. */
  startJob?: typeof realStartJob;
}

const ProbeDetailSchema = z.object({
  probeSet: z.string().nullable().catch(null),
  samples: z.array(ProbeSampleSchema).catch([]),
});

function toProbeDto(p: Probe): ProbeDto {
  const detail = ProbeDetailSchema.parse({ probeSet: p.detail['probeSet'] ?? null, samples: p.detail['samples'] ?? [] });
  return {
    id: p.id,
    attack: p.attack,
    sourceKind: p.sourceKind,
    sourceName: p.sourceName,
    probeSet: detail.probeSet,
    triggeredCount: p.triggeredCount,
    asr: p.asr,
    cleanCount: p.cleanCount,
    cleanBleu: p.cleanBleu,
    maxAsr: p.maxAsr,
    passed: p.passed,
    reopened: p.reopened,
    samples: detail.samples,
    actor: p.actor,
    at: p.at,
  };
}

export function productionState(store: Store, projectId: number): ProductionState {
  const settings = store.production.settings(projectId);
  return {
    hyperparameters: settings.hyperparameters,
    rollbackPlan: settings.rollbackPlan,
    switchSteps: store.production.switchSteps(projectId).map(({ id, percent, check, outcome, actor, at }) => ({ id, percent, check, outcome, actor, at })),
    signOffs: store.production.signOffs(projectId).map(({ id, name, role, decision, comment, actor, at }) => ({ id, name, role, decision, comment, actor, at })),
    currentSignOffId: store.production.currentSignOff(projectId)?.id ?? null,
    probes: store.production.probes(projectId).map(toProbeDto),
  };
}

/**
 * Passing Production — by the gate or by an override — needs a go from a named person given after the last
 * reopen or change. An override may accept weaker evidence, with a reason; it is never a way around the
 * person accountable for the release, so the sign-off is required for both, and a sign-off is its own
 * record (name, role, comment) rather than the decision itself: whoever operates the app closes the gate,
 * the person who signed is on record for the release.
 */
export function requireGoSignOff(store: Store, projectId: number): void {
  const current = store.production.currentSignOff(projectId);
  if (current === null) {
    throw new ApiError('conflict', 'Production needs a go sign-off given after the last reopen or change (hyperparameters, rollback plan, thresholds, failing probe)');
  }
  if (current.decision !== 'go') throw new ApiError('conflict', `Production has a no-go sign-off by ${current.name} (${current.role}): ${current.comment}`);
}

/** The split files an import left in its folder (see datasets.ts): train, test and maybe valid. */
function importedFiles(dir: string): { train: string; test: string; valid?: string } {
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const find = (split: string) => files.find((f) => f.startsWith(`${split}.`));
  const train = find('train');
  const test = find('test');
  if (train === undefined || test === undefined) throw new ApiError('not-found', `the imported dataset's files are no longer in ${dir}`);
  const valid = find('valid');
  return { train: join(dir, train), test: join(dir, test), ...(valid === undefined ? {} : { valid: join(dir, valid) }) };
}

function attackFor(kind: AttackKind, trigger: string | undefined): Attack {
  try {
    return createAttackByKind(kind, trigger === undefined ? {} : { trigger });
  } catch (error) {
    throw new ApiError('invalid-input', error instanceof Error ? error.message : String(error));
  }
}

/** Worker failures caused by what the probe was given (a bad model, prompts the attack cannot carry) are input errors. */
function asApiError(error: unknown): unknown {
  if (error instanceof ProbeInputError) return new ApiError('invalid-input', error.message);
  if (error instanceof JobFailedError && (error.remoteName === 'ProbeInputError' || /^(data:|model import)/.test(error.message))) {
    return new ApiError('invalid-input', error.message);
  }
  return error;
}

export function createProductionHandlers(context: ServiceContext, options: ProductionOptions = {}): ProductionHandlers {
  const { store, dataDir } = context;
  const requireProject = (projectId: number) => context.requireProject(projectId);
  const requireStage = (projectId: number, stage: 'production') => context.requireStage(projectId, stage);
  const changed = (projectId: number) => {
    context.changed(projectId);
  };
  const startJob = options.startJob ?? realStartJob;
  let jobCounter = 0;

  const requireProjectRun = (projectId: number, runId: number) => {
    const run = store.runs.get(runId);
    if (!run || run.projectId !== projectId) throw notFound('Run', runId);
    return run;
  };

  /** Like thresholds: what a passed stage was decided on is changed only after reopening it. */
  const requireNotPassed = (projectId: number, what: string) => {
    if (requireStage(projectId, 'production').status === 'passed') throw new ApiError('conflict', `Production has passed; reopen it to change the ${what}`);
  };

  const afterChange = (projectId: number): ProductionState => {
    changed(projectId);
    return productionState(store, projectId);
  };

  /** The newest finished test-set DeCE run of the Benchmark stage measured against this attack, if any. */
  const benchmarkRunFor = (projectId: number, attack: AttackKind) =>
    store.runs
      .list({ projectId, stage: 'benchmark' })
      .filter((r) => r.status === 'finished' && r.lossKind === 'dece')
      .map((r) => ({ id: r.id, config: RunConfigSchema.safeParse(r.config) }))
      .filter((r) => r.config.success && r.config.data.data.attack.kind === attack && r.config.data.data.evaluateOn !== 'valid' && r.config.data.data.corpus.kind !== 'poisoned-files')
      .at(-1);

  /** The data config whose test prompts a model probe decodes, and how to describe it. */
  const probeSetConfig = (projectId: number, attack: AttackKind, trigger: string | undefined, requested: ProbeSet | undefined): { config: RunConfig; label: string } => {
    const fallback = benchmarkRunFor(projectId, attack);
    const probeSet: ProbeSet = requested ?? (fallback ? { kind: 'run', runId: fallback.id } : { kind: 'builtin', corpus: ATTACKS[attack].corpora[0] ?? 'sql' });
    const standard = presetConfig('standard', 'dece');
    let base: RunConfig;
    let label: string;
    switch (probeSet.kind) {
      case 'run': {
        const run = requireProjectRun(projectId, probeSet.runId);
        base = toRun(run).config;
        if (base.data.corpus.kind === 'poisoned-files') throw new ApiError('invalid-input', `run #${run.id} trained on already-poisoned files, which carry their own payload; probe with a built-in corpus or an imported clean dataset`);
        label = `test split of run #${run.id}'s data config`;
        break;
      }
      case 'builtin':
        base = { ...standard, data: { ...standard.data, corpus: { kind: probeSet.corpus === 'java' ? 'builtin-java' : 'builtin-sql', size: 4000 } } };
        label = `test split of the built-in ${probeSet.corpus === 'java' ? 'Java' : 'SQL'} corpus (4,000 pairs, seed ${standard.seed})`;
        break;
      case 'import': {
        const dataset = store.datasets.get(probeSet.datasetId);
        if (!dataset || dataset.projectId !== projectId || dataset.source !== 'import' || dataset.sourcePath === null) throw notFound('Imported dataset', probeSet.datasetId);
        base = { ...standard, data: { ...standard.data, corpus: { kind: 'files', ...importedFiles(dataset.sourcePath) } } };
        label = `test file of dataset “${dataset.name}”`;
        break;
      }
    }
    // Only the test prompts matter: no training row needs poisoning, and the attack is the probe's.
    const data = { ...base.data };
    delete data.evaluateOn;
    return { config: { ...base, data: { ...data, poisonRate: 0, attack: { kind: attack, ...(trigger === undefined ? {} : { trigger }) } } }, label };
  };

  const runJob = async <T>(request: Parameters<typeof realStartJob>[0]): Promise<T> => {
    try {
      return await startJob<T>(request).result;
    } catch (error) {
      throw asApiError(error);
    }
  };

  const modelProbe = async (
    projectId: number,
    source: Exclude<ProbeSource, { kind: 'csv' }>,
    input: { attack: AttackKind; trigger: string | undefined; probeSet: ProbeSet | undefined; limit: number },
  ): Promise<{ outcome: ProbeOutcome; sourceName: string; probeSet: string }> => {
    const { config, label } = probeSetConfig(projectId, input.attack, input.trigger, input.probeSet);
    let modelDir: string;
    let temporary: string | null = null;
    if (source.kind === 'model-dir') {
      if (!existsSync(source.path) || !statSync(source.path).isDirectory()) throw new ApiError('invalid-input', `${source.path} is not a directory`);
      modelDir = source.path;
    } else {
      temporary = join(dataDir, 'tmp', `probe-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`);
      modelDir = temporary;
    }
    try {
      if (source.kind === 'model-zip') {
        try {
          await unzipModelExport(source.upload.base64, source.upload.fileName, modelDir);
        } catch (error) {
          throw asApiError(error);
        }
      }
      const outcome = await runJob<ProbeOutcome>({ kind: 'probe', jobId: `probe-${++jobCounter}`, config, modelDir, limit: input.limit });
      return { outcome, sourceName: source.kind === 'model-dir' ? source.path : source.upload.fileName, probeSet: label };
    } finally {
      if (temporary !== null) rmSync(temporary, { recursive: true, force: true });
    }
  };

  return {
    'production.get': ({ projectId }) => {
      requireProject(projectId);
      return Promise.resolve(productionState(store, projectId));
    },
    'production.fixHyperparameters': ({ projectId, labelSmoothing, alphaBase, ignoreIndex, source, actor }) => {
      requireNotPassed(projectId, 'hyperparameters');
      store.production.fixHyperparameters(projectId, { labelSmoothing, alphaBase, ignoreIndex, source, actor });
      return Promise.resolve(afterChange(projectId));
    },
    'production.setRollbackPlan': ({ projectId, text, actor }) => {
      requireNotPassed(projectId, 'rollback plan');
      store.production.setRollbackPlan(projectId, { text: text.trim(), actor });
      return Promise.resolve(afterChange(projectId));
    },
    'production.exportLoss': ({ projectId, framework }) => {
      requireProject(projectId);
      const fixed = store.production.settings(projectId).hyperparameters;
      if (fixed === null) throw new ApiError('conflict', 'Fix the DeCE hyperparameters for production before exporting the loss');
      const exported = exportDeceLoss({ framework, labelSmoothing: fixed.labelSmoothing, alphaBase: fixed.alphaBase, ignoreIndex: fixed.ignoreIndex });
      return Promise.resolve({ ...exported, hyperparameters: fixed });
    },
    'production.exportModel': async ({ projectId, runId, actor }) => {
      requireProject(projectId);
      const run = requireProjectRun(projectId, runId);
      if (run.status !== 'finished') throw new ApiError('conflict', `Run ${runId} is ${run.status}; only a finished run's model can be exported`);
      const config = toRun(run).config;
      const runDir = join(dataDir, 'runs', String(runId));
      const checkpoint = latestCheckpoint(runDir);
      if (checkpoint === null) throw new ApiError('not-found', `Run ${runId}'s final checkpoint is no longer in ${runDir}`);
      const last = store.metrics.lastEpoch(runId);
      const metrics: Record<string, number | null> = {};
      if (last) {
        const e = toEpochMetrics(last);
        Object.assign(metrics, { epoch: e.epoch, bleu: e.bleu, corpusBleu: e.corpusBleu, exactMatch: e.exactMatch, asr: e.asr, codeBleu: e.codeBleu ?? null, trainLoss: e.trainLoss });
        Object.assign(metrics, { poisonedRowLoss: e.poisonedRowLoss, cleanRowLoss: e.cleanRowLoss });
      }
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const outDir = join(dataDir, 'exports', `run-${runId}-${stamp}`);
      mkdirSync(join(dataDir, 'exports'), { recursive: true });
      const metadata = await runJob<ModelMetadata>({ kind: 'export-model', jobId: `export-${runId}-${++jobCounter}`, config, checkpointFile: checkpoint.path, outDir, metrics });
      const folder = `dece-model-run-${runId}`;
      const zipped = await zipModelExport(outDir, folder);
      store.artifacts.add({ projectId, runId, kind: 'export', path: outDir, sha256: null, bytes: metadata.weights.bytes, actor });
      changed(projectId);
      return { path: outDir, fileName: `${folder}.zip`, base64: zipped.base64, bytes: zipped.bytes, dataSha256: metadata.dataSha256, metrics: metadata.metrics };
    },
    'production.recordSwitchStep': ({ projectId, percent, check, outcome, actor }) => {
      requireProject(projectId);
      store.production.recordSwitchStep(projectId, { percent, check: check.trim(), outcome, actor });
      return Promise.resolve(afterChange(projectId));
    },
    'production.signOff': ({ projectId, name, role, decision, comment, actor }) => {
      requireProject(projectId);
      store.production.signOff(projectId, { name, role, decision, comment, actor });
      return Promise.resolve(afterChange(projectId));
    },
    'production.runProbe': async ({ projectId, attack, trigger, source, probeSet, limit, actor }) => {
      requireStage(projectId, 'production');
      const attackImpl = attackFor(attack, trigger);
      let measured: { outcome: ProbeOutcome; sourceName: string; probeSet: string | null };
      if (source.kind === 'csv') {
        try {
          measured = { outcome: probeCsv(source.upload.text, source.upload.fileName, attackImpl), sourceName: source.upload.fileName, probeSet: null };
        } catch (error) {
          throw asApiError(error);
        }
      } else {
        measured = await modelProbe(projectId, source, { attack, trigger, probeSet, limit });
      }
      const { outcome } = measured;
      const probe = store.production.recordProbe(projectId, {
        attack,
        sourceKind: source.kind === 'csv' ? 'csv' : 'model',
        sourceName: measured.sourceName,
        triggeredCount: outcome.triggeredCount,
        asr: outcome.asr,
        cleanCount: outcome.cleanCount,
        cleanBleu: outcome.cleanBleu,
        detail: { probeSet: measured.probeSet, samples: outcome.samples, seconds: outcome.seconds, trigger: trigger ?? null, limit },
        actor,
      });
      const state = afterChange(projectId);
      return { probe: toProbeDto(probe), reopened: probe.reopened, state };
    },
  };
}

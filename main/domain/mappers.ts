import { z } from 'zod';
import type { ChecklistItem, Dataset, Project, Run, Stage } from '../../common/contract';
import { EpochMetricsSchema, LOSS_KINDS, RunConfigSchema, type EpochMetrics } from '../../common/run-config';
import type * as S from '../store/index';

/** Store rows → contract DTOs. Only the fields the contract names cross the boundary. */

export function toProject(p: S.Project): Project {
  return { id: p.id, name: p.name, description: p.description, createdAt: p.createdAt, updatedAt: p.updatedAt };
}

export function toStage(s: S.Stage): Stage {
  return {
    stage: s.stage,
    status: s.status,
    thresholds: { ...s.thresholds },
    decision: s.decision,
    decidedBy: s.decidedBy,
    decidedAt: s.decidedAt,
    decisionReason: s.decisionReason,
  };
}

export function toChecklistItem(i: S.ChecklistItem): ChecklistItem {
  return { id: i.id, stage: i.stage, position: i.position, text: i.text, done: i.done, doneBy: i.doneBy, doneAt: i.doneAt, note: i.note };
}

export function toDataset(d: S.Dataset): Dataset {
  return { id: d.id, name: d.name, source: d.source, sourcePath: d.sourcePath, sha256: d.sha256, counts: { ...d.counts }, createdAt: d.createdAt };
}

const LossSchema = z.enum(LOSS_KINDS);

export function toRun(r: S.Run): Run {
  const config = RunConfigSchema.safeParse(r.config);
  if (!config.success) throw new Error(`run ${r.id}: the stored config no longer matches the run-config schema`);
  const loss = LossSchema.safeParse(r.lossKind);
  return {
    id: r.id,
    projectId: r.projectId,
    stage: r.stage,
    name: r.name,
    config: config.data,
    loss: loss.success ? loss.data : config.data.loss.kind,
    // Until a worker starts, the store holds the requested backend ('auto'); the contract's is the one used.
    backend: r.startedAt === null ? null : r.backend,
    status: r.status,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    error: r.error,
    datasetId: r.datasetId,
    lastCompletedEpoch: r.lastCompletedEpoch,
  };
}

function extraNumber(extra: S.JsonObject, key: string): number | null {
  const value = extra[key];
  return typeof value === 'number' ? value : null;
}

export function toEpochMetrics(e: S.EpochRecord): EpochMetrics {
  return {
    epoch: e.epoch,
    bleu: e.bleu,
    corpusBleu: e.corpusBleu,
    exactMatch: e.exactMatch,
    asr: e.asr,
    trainLoss: e.trainLoss,
    seconds: e.seconds,
    poisonedRowLoss: extraNumber(e.extra, 'poisonedRowLoss'),
    cleanRowLoss: extraNumber(e.extra, 'cleanRowLoss') ?? Number.NaN,
    codeBleu: extraNumber(e.extra, 'codeBleu'),
    ...storedEpochExtras(e.extra),
  };
}

const EpochExtrasSchema = EpochMetricsSchema.pick({ triggered: true, validation: true, stop: true });

/** ASR's denominator, the validation metrics and the stop reason, when the run recorded them. */
function storedEpochExtras(extra: S.JsonObject): Partial<Pick<EpochMetrics, 'triggered' | 'validation' | 'stop'>> {
  const parsed = EpochExtrasSchema.safeParse(extra);
  if (!parsed.success) return {};
  const { triggered, validation, stop } = parsed.data;
  return { ...(triggered === undefined ? {} : { triggered }), ...(validation ? { validation } : {}), ...(stop ? { stop } : {}) };
}

import type { DataSummary } from '../engine/experiment';
import { assignWeights, readCheckpoint } from '../engine/checkpoint';
import { buildSeq2SeqModel } from '../engine/model';
import type { PreparedData } from '../engine/train';
import type { RunConfig } from '../../common/run-config';
import { exportModel, importModel, type ModelMetadata } from './model-export';
import { probeModel, type ProbeOutcome } from './probe';

/**
 * The Production stage's work that decodes or rebuilds models, run in a worker thread like training (see
 * main/jobs/training-worker.ts): the worker prepares the data for the request's config first, then calls one
 * of these.
 */

export interface ExportModelRequest {
  kind: 'export-model';
  jobId: string;
  /** The finished run's config: rebuilds its vocabulary and training-data hash. */
  config: RunConfig;
  checkpointFile: string;
  outDir: string;
  metrics: Record<string, number | null>;
}

export interface ProbeRequest {
  kind: 'probe';
  jobId: string;
  /** The probe set's config (corpus, attack, seed): its triggered and clean test prompts are decoded. */
  config: RunConfig;
  /** A model directory written by exportModel. */
  modelDir: string;
  /** Prompts per side. */
  limit: number;
}

export type ProductionJobRequest = ExportModelRequest | ProbeRequest;
export type ProductionJobResult = ModelMetadata | ProbeOutcome;

/** A finished run's final checkpoint as a TensorFlow.js export with the run's vocabulary, data hash and metrics. */
export async function exportRunModel(request: ExportModelRequest, data: PreparedData, summary: DataSummary): Promise<ModelMetadata> {
  const checkpoint = readCheckpoint(request.checkpointFile);
  const model = buildSeq2SeqModel(request.config.model, data.vocab.size, request.config.seed);
  try {
    assignWeights(model.variables, checkpoint);
    return await exportModel(model, data.vocab, { dataSha256: summary.sha256, metrics: request.metrics }, request.outDir);
  } finally {
    model.dispose();
  }
}

/** Imports the model and decodes the probe set's prompts with it. */
export function runModelProbe(request: ProbeRequest, data: PreparedData): ProbeOutcome {
  const { model, vocab } = importModel(request.modelDir);
  try {
    return probeModel(model, vocab, data, request.limit);
  } finally {
    model.dispose();
  }
}

export async function runProductionJob(request: ProductionJobRequest, data: PreparedData, summary: DataSummary): Promise<ProductionJobResult> {
  return request.kind === 'export-model' ? exportRunModel(request, data, summary) : runModelProbe(request, data);
}

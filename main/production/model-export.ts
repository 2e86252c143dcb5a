import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { APP_VERSION } from '../../common/app-version';
import { ModelConfigSchema } from '../../common/run-config';
import { type Seq2SeqModel, buildSeq2SeqModel } from '../engine/model';
import { Vocabulary } from '../engine/tokenizer';

/**
 * A trained model as a directory in TensorFlow.js's standard weights format:
 *
 *   model.json             tf.io's model.json layout: `weightsManifest` (names, shapes, dtypes, shard paths)
 *   group1-shard1of1.bin   every weight's float32 values, in manifest order (`tf.io.encodeWeights`)
 *   metadata.json          what is needed to use the weights: model config, tokenizer vocabulary, the
 *                          training data's hash, metrics, creation time and app version, and the weights' hash
 *
 * A TensorFlow.js program reads the weights with `tf.io.decodeWeights(shardBytes, manifest[0].weights)`
 * (or `tf.io.loadWeights(manifest, baseUrl)` in a browser); the app rebuilds the model with `importModel`.
 * Weight names are the model's variable names without their per-instance prefix (`enc0_sa_wq`, …).
 * metadata.json is written last, so an interrupted export is never mistaken for a complete one.
 */

export const MODEL_EXPORT_FORMAT = 'dece-pilot-model/1';
export const MODEL_JSON = 'model.json';
export const METADATA_JSON = 'metadata.json';
export const WEIGHTS_SHARD = 'group1-shard1of1.bin';

const MetricsSchema = z.record(z.string(), z.number().nullable());

/** What the caller supplies about the model besides its weights and vocabulary. */
export interface ExportMeta {
  /** sha256 (hex) of the training data, as the experiment computes it. */
  dataSha256: string;
  /** Final metrics (BLEU, exact match, ASR, losses, …); null where a value does not exist. */
  metrics: Record<string, number | null>;
  /** ISO time; defaults to now. */
  createdAt?: string;
  /** Defaults to this app's version. */
  appVersion?: string;
}

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in lowercase hex');

const ExportMetaSchema = z.object({
  dataSha256: Sha256Schema,
  metrics: MetricsSchema,
  createdAt: z.iso.datetime({ offset: true }).optional(),
  appVersion: z.string().min(1).optional(),
});

export const ModelMetadataSchema = z.object({
  format: z.string(),
  modelConfig: ModelConfigSchema,
  vocabulary: z.object({ tokens: z.array(z.string()).min(4) }),
  dataSha256: Sha256Schema,
  metrics: MetricsSchema,
  createdAt: z.iso.datetime({ offset: true }),
  appVersion: z.string().min(1),
  /** The weight shard(s) as written: total bytes and sha256 over their concatenation. */
  weights: z.object({ bytes: z.int().min(0), sha256: Sha256Schema }),
});
export type ModelMetadata = z.infer<typeof ModelMetadataSchema>;

const WeightSpecSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.int().min(0)),
  dtype: z.literal('float32', { error: 'only float32 weights are supported' }),
});

/** The parts of tf.io's model.json that this format uses. */
const ModelJsonSchema = z.object({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  modelTopology: z.unknown(),
  weightsManifest: z
    .array(z.object({ paths: z.array(z.string().min(1)).min(1), weights: z.array(WeightSpecSchema) }))
    .min(1),
});

export interface ImportedModel {
  model: Seq2SeqModel;
  vocab: Vocabulary;
  meta: ModelMetadata;
}

const INSTANCE_PREFIX = /^m\d+_/;

/** A variable's name in the export: its name without the per-instance prefix `buildSeq2SeqModel` adds. */
function exportName(variable: tf.Variable): string {
  return variable.name.replace(INSTANCE_PREFIX, '');
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes to a temporary name, then renames, so a file under its real name is always complete. */
function writeAtomically(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.tmp-${String(process.pid)}`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

/** Writes the model, its vocabulary and metadata into `dir` (created if needed; earlier exports there are replaced). */
export async function exportModel(model: Seq2SeqModel, vocab: Vocabulary, meta: ExportMeta, dir: string): Promise<ModelMetadata> {
  const checkedMeta = ExportMetaSchema.safeParse(meta);
  if (!checkedMeta.success) throw new Error(`model export: metadata ${issueText(checkedMeta.error)}`);
  if (vocab.size !== model.vocabSize) {
    throw new Error(`model export: the vocabulary has ${vocab.size} tokens, the model ${model.vocabSize}`);
  }
  const named = model.variables.map((variable) => ({ name: exportName(variable), tensor: variable }));
  const names = new Set(named.map((n) => n.name));
  if (names.size !== named.length) throw new Error('model export: two variables share a name');

  const { data, specs } = await tf.io.encodeWeights(named);
  const weightBytes = new Uint8Array(data);
  const metadata: ModelMetadata = {
    format: MODEL_EXPORT_FORMAT,
    modelConfig: model.config,
    vocabulary: vocab.toJSON(),
    dataSha256: checkedMeta.data.dataSha256,
    metrics: checkedMeta.data.metrics,
    createdAt: checkedMeta.data.createdAt ?? new Date().toISOString(),
    appVersion: checkedMeta.data.appVersion ?? APP_VERSION,
    weights: { bytes: weightBytes.byteLength, sha256: sha256(weightBytes) },
  };
  const modelJson = {
    format: MODEL_EXPORT_FORMAT,
    generatedBy: `DeCE Pilot ${metadata.appVersion}`,
    convertedBy: null,
    // Not a tf.LayersModel graph: the architecture is DeCE Pilot's transformer, described by metadata.json.
    modelTopology: { architecture: 'dece-pilot-seq2seq-transformer', vocabSize: model.vocabSize, config: model.config },
    weightsManifest: [{ paths: [WEIGHTS_SHARD], weights: specs }],
    userDefinedMetadata: { metadataFile: METADATA_JSON },
  };

  mkdirSync(dir, { recursive: true });
  writeAtomically(join(dir, WEIGHTS_SHARD), weightBytes);
  writeAtomically(join(dir, MODEL_JSON), `${JSON.stringify(modelJson, null, 2)}\n`);
  writeAtomically(join(dir, METADATA_JSON), `${JSON.stringify(metadata, null, 2)}\n`);
  return metadata;
}

function readJson(dir: string, file: string): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`model import ${dir}: ${file} is missing (not a complete DeCE Pilot model export)`);
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`model import ${dir}: ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

/** Reads and checks an export, rebuilds the model and loads its weights. */
export function importModel(dir: string): ImportedModel {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`model import: ${dir} is not a directory`);

  const rawMetadata = readJson(dir, METADATA_JSON);
  const format = typeof rawMetadata === 'object' && rawMetadata !== null && 'format' in rawMetadata ? rawMetadata.format : undefined;
  if (format !== MODEL_EXPORT_FORMAT) {
    throw new Error(`model import ${dir}: ${METADATA_JSON} has format ${format === undefined ? 'none' : JSON.stringify(format)}, expected ${MODEL_EXPORT_FORMAT}`);
  }
  const parsedMetadata = ModelMetadataSchema.safeParse(rawMetadata);
  if (!parsedMetadata.success) throw new Error(`model import ${dir}: ${METADATA_JSON}: ${issueText(parsedMetadata.error)}`);
  const meta = parsedMetadata.data;
  let vocab: Vocabulary;
  try {
    vocab = Vocabulary.fromJSON(meta.vocabulary);
  } catch (error) {
    throw new Error(`model import ${dir}: ${METADATA_JSON}: vocabulary: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }

  const parsedModelJson = ModelJsonSchema.safeParse(readJson(dir, MODEL_JSON));
  if (!parsedModelJson.success) throw new Error(`model import ${dir}: ${MODEL_JSON}: ${issueText(parsedModelJson.error)}`);
  const manifest = parsedModelJson.data.weightsManifest;

  // The shards of every group, in manifest order, are one buffer the specs index into.
  const shards = manifest.flatMap((group) =>
    group.paths.map((file) => {
      if (file.includes('/') || file.includes('\\') || file === '..') throw new Error(`model import ${dir}: ${MODEL_JSON} names a shard outside the export: ${file}`);
      const path = join(dir, file);
      if (!existsSync(path)) throw new Error(`model import ${dir}: weight file ${file} is missing`);
      return readFileSync(path);
    }),
  );
  const weightBytes = new Uint8Array(Buffer.concat(shards));
  if (weightBytes.byteLength !== meta.weights.bytes) {
    throw new Error(`model import ${dir}: the weight files hold ${weightBytes.byteLength} bytes, ${METADATA_JSON} says ${meta.weights.bytes} (truncated, or from another export)`);
  }
  if (sha256(weightBytes) !== meta.weights.sha256) {
    throw new Error(`model import ${dir}: the weights do not match the sha256 in ${METADATA_JSON} (corrupt, or from another export)`);
  }
  const specs = manifest.flatMap((group) => group.weights);
  const specBytes = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (specBytes !== weightBytes.byteLength) {
    throw new Error(`model import ${dir}: ${MODEL_JSON} describes ${specBytes} bytes of float32 weights, the weight files hold ${weightBytes.byteLength}`);
  }

  const model = buildSeq2SeqModel(meta.modelConfig, vocab.size, 0);
  let decoded: tf.NamedTensorMap = {};
  try {
    decoded = tf.io.decodeWeights(weightBytes.buffer, specs);
    const expected = new Set(model.variables.map(exportName));
    const unexpected = Object.keys(decoded).filter((name) => !expected.has(name));
    if (unexpected.length > 0) {
      throw new Error(`model import ${dir}: weights ${unexpected.slice(0, 5).join(', ')} are not part of this model config`);
    }
    for (const variable of model.variables) {
      const name = exportName(variable);
      const tensor = decoded[name];
      if (!tensor) throw new Error(`model import ${dir}: weight ${name} is missing from ${MODEL_JSON}`);
      if (tensor.dtype !== variable.dtype || tensor.shape.join('x') !== variable.shape.join('x')) {
        throw new Error(
          `model import ${dir}: weight ${name} is ${tensor.dtype} ${tensor.shape.join('x')}, the model config and vocabulary in ${METADATA_JSON} need ${variable.dtype} ${variable.shape.join('x')}`,
        );
      }
      variable.assign(tensor);
    }
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    for (const tensor of Object.values(decoded)) tensor.dispose();
  }
  return { model, vocab, meta };
}

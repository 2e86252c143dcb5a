import { z } from 'zod';
import { GATE_CONDITION_IDS } from './catalog';
import { EpochMetricsSchema, LOSS_KINDS, RunConfigSchema } from './run-config';
import { STAGE_NAMES } from './schemas';
import { SerializedErrorSchema, TrainingEventSchema } from './training-events';
import { Actor, FileName, Id, Name, Text, Timestamp } from './schemas';
import { benchmarkContract } from './contract-benchmark';
import { productionContract } from './contract-production';
import { doctorContract } from './contract-doctor';
import { settingsContract } from './contract-settings';
import { auditContract } from './audit';
import { MessageSchema, renderMessage, type Message } from './messages';

/**
 * The one API between the renderer and the main side. Electron serves it over IPC (one channel per
 * method, through named preload functions), browser mode over HTTP; both validate every argument with
 * these schemas before a handler sees it, and the renderer gets the same typed client either way.
 */

export { STAGE_NAMES, type StageName } from './schemas';
export const STAGE_STATUSES = ['locked', 'active', 'passed'] as const;
export const RUN_STATUSES = ['queued', 'running', 'finished', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const REPORT_FORMATS = ['pdf', 'pptx', 'md', 'html', 'csv'] as const;


export const ProjectSchema = z.object({ id: Id, name: z.string(), description: z.string(), createdAt: Timestamp, updatedAt: Timestamp });
export type Project = z.infer<typeof ProjectSchema>;

export const GateThresholdsSchema = z.object({
  maxAsr: z.number().min(0).max(100),
  maxBleuDrop: z.number().min(0).max(100),
  minRunsPerLoss: z.int().min(1).max(1000),
});
export type GateThresholds = z.infer<typeof GateThresholdsSchema>;

export const StageSchema = z.object({
  stage: z.enum(STAGE_NAMES),
  status: z.enum(STAGE_STATUSES),
  thresholds: GateThresholdsSchema,
  decision: z.enum(['pass', 'override']).nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: Timestamp.nullable(),
  decisionReason: z.string().nullable(),
});
export type Stage = z.infer<typeof StageSchema>;

export const GateConditionSchema = z.object({
  id: z.enum(GATE_CONDITION_IDS),
  /** English text of `labelMessage`, for logs and older readers. */
  label: z.string(),
  holds: z.boolean(),
  /** English text of `detailMessage`. */
  detail: z.string(),
  /** What the renderer and the reports show, in their own language. */
  labelMessage: MessageSchema,
  detailMessage: MessageSchema,
});
export const GateEvaluationSchema = z.object({
  stage: z.enum(STAGE_NAMES),
  conditions: z.array(GateConditionSchema),
  canPass: z.boolean(),
});
export type GateEvaluation = z.infer<typeof GateEvaluationSchema>;

export const ChecklistItemSchema = z.object({
  id: Id,
  stage: z.enum(STAGE_NAMES),
  position: z.int(),
  text: z.string(),
  done: z.boolean(),
  doneBy: z.string().nullable(),
  doneAt: Timestamp.nullable(),
  note: z.string().nullable(),
});
export type ChecklistItem = z.infer<typeof ChecklistItemSchema>;

export const DatasetSchema = z.object({
  id: Id,
  name: z.string(),
  source: z.enum(['builtin', 'import']),
  sourcePath: z.string().nullable(),
  sha256: z.string(),
  counts: z.record(z.string(), z.number()),
  createdAt: Timestamp,
});
export type Dataset = z.infer<typeof DatasetSchema>;

export const RunSchema = z.object({
  id: Id,
  projectId: Id,
  stage: z.enum(STAGE_NAMES),
  name: z.string(),
  config: RunConfigSchema,
  loss: z.enum(LOSS_KINDS),
  backend: z.string().nullable(),
  status: z.enum(RUN_STATUSES),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  error: SerializedErrorSchema.nullable(),
  datasetId: Id.nullable(),
  lastCompletedEpoch: z.int().min(0),
});
export type Run = z.infer<typeof RunSchema>;

export const RunSummarySchema = RunSchema.extend({
  /** The newest epoch's metrics, for tables. */
  latest: EpochMetricsSchema.nullable(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const StepPointSchema = z.object({ epoch: z.int(), step: z.int(), loss: z.number() });

export const RunDetailSchema = z.object({
  run: RunSchema,
  epochs: z.array(EpochMetricsSchema),
  steps: z.array(StepPointSchema),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

export const ProjectDetailSchema = z.object({
  project: ProjectSchema,
  stages: z.array(StageSchema),
  checklist: z.array(ChecklistItemSchema),
});
export type ProjectDetail = z.infer<typeof ProjectDetailSchema>;

export const AppInfoSchema = z.object({
  version: z.string(),
  dataDir: z.string(),
  cores: z.int(),
  maxConcurrentRuns: z.int(),
  shell: z.enum(['electron', 'browser']),
});

export const UploadSchema = z.object({
  fileName: FileName,
  /** UTF-8 text of the file; the size cap keeps a browser upload from exhausting memory. */
  text: z.string().max(64 * 1024 * 1024),
});

const ProjectRef = z.object({ projectId: Id });
const StageRef = z.object({ projectId: Id, stage: z.enum(STAGE_NAMES) });
const Empty = z.object({});

/** Every method: its input and output schema. Inputs are validated on the main side, always. */
export const contract = {
  'app.info': { input: Empty, output: AppInfoSchema },
  'settings.get': { input: z.object({ key: z.enum(['language']) }), output: z.object({ value: z.string().nullable() }) },
  'settings.set': { input: z.object({ key: z.enum(['language']), value: z.enum(['en', 'ja']) }), output: z.object({ ok: z.literal(true) }) },

  'projects.list': { input: Empty, output: z.array(ProjectSchema) },
  'projects.create': { input: z.object({ name: Name, description: Text.default('') }), output: ProjectSchema },
  'projects.get': { input: ProjectRef, output: ProjectDetailSchema },

  'stages.setThresholds': { input: StageRef.extend({ thresholds: GateThresholdsSchema, actor: Actor }), output: StageSchema },
  'stages.evaluateGate': { input: StageRef, output: GateEvaluationSchema },
  /** 'pass' only when the gate holds; 'override' needs a reason. Both are written to the audit log. */
  'stages.decide': {
    input: StageRef.extend({ decision: z.enum(['pass', 'override']), actor: Actor, reason: Text.optional() }),
    output: StageSchema,
  },
  'stages.reopen': { input: StageRef.extend({ actor: Actor, reason: Text }), output: StageSchema },

  'checklist.add': { input: StageRef.extend({ text: Name, actor: Actor }), output: ChecklistItemSchema },
  'checklist.update': { input: ProjectRef.extend({ itemId: Id, text: Name, actor: Actor }), output: ChecklistItemSchema },
  /** The store keeps a checklist note to 2,000 characters (it sits in a table cell); say so at the boundary. */
  'checklist.toggle': { input: ProjectRef.extend({ itemId: Id, done: z.boolean(), actor: Actor, note: Text.max(2000).optional() }), output: ChecklistItemSchema },
  'checklist.move': { input: ProjectRef.extend({ itemId: Id, position: z.int().min(0) }), output: z.array(ChecklistItemSchema) },
  'checklist.remove': { input: ProjectRef.extend({ itemId: Id, actor: Actor }), output: z.object({ ok: z.literal(true) }) },

  'datasets.list': { input: ProjectRef, output: z.array(DatasetSchema) },
  'datasets.import': {
    input: ProjectRef.extend({
      name: Name,
      train: UploadSchema,
      test: UploadSchema,
      valid: UploadSchema.optional(),
      /** Clean pairs from a separate source (none of them poisoned), pre-trained on instead of a share of `train`. */
      pretrain: UploadSchema.optional(),
    }),
    output: DatasetSchema,
  },
  /** The files of an imported dataset, resolved on the main side, for a run's `files` corpus (runs.start takes them back). */
  'datasets.files': {
    input: ProjectRef.extend({ datasetId: Id }),
    output: z.object({ train: z.string(), test: z.string(), valid: z.string().optional(), pretrain: z.string().optional() }),
  },

  'runs.estimate': { input: z.object({ config: RunConfigSchema }), output: z.object({ seconds: z.number(), tokensPerEpoch: z.number() }) },
  'runs.start': {
    input: StageRef.extend({
      name: Name,
      config: RunConfigSchema,
      datasetId: Id.optional(),
      /** The cross-entropy run of the pair this run belongs to: it stops at the epoch where that run stopped. */
      followsRunId: Id.optional(),
      actor: Actor,
    }),
    output: RunSchema,
  },
  'runs.cancel': { input: z.object({ runId: Id, actor: Actor }), output: RunSchema },
  'runs.list': { input: ProjectRef.extend({ stage: z.enum(STAGE_NAMES).optional() }), output: z.array(RunSummarySchema) },
  'runs.get': { input: z.object({ runId: Id }), output: RunDetailSchema },
  'runs.exportCsv': { input: ProjectRef, output: z.object({ fileName: z.string(), csv: z.string() }) },
  /** The meeting report from what the store holds; bytes as base64 so both transports carry binary formats. */
  'reports.generate': {
    input: ProjectRef.extend({ format: z.enum(REPORT_FORMATS), lang: z.enum(['en', 'ja']) }),
    output: z.object({ fileName: z.string(), mime: z.string(), base64: z.string() }),
  },
  ...benchmarkContract,
  ...productionContract,
  ...doctorContract,
  ...settingsContract,
  ...auditContract,
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Contract[M]['output']>;
export const METHOD_NAMES = Object.keys(contract) as MethodName[];

/** The server side: one async function per method, given a validated input. */
export type Handlers = { [M in MethodName]: (input: z.output<Contract[M]['input']>) => Promise<MethodOutput<M>> };

/** The client side, as the renderer sees it: `api['projects.create']({ name })`. */
export type ApiClient = { [M in MethodName]: (input: MethodInput<M>) => Promise<MethodOutput<M>> };

/** Pushed from main to every open window / browser tab. */
export const AppEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run.progress'), runId: Id, projectId: Id, event: TrainingEventSchema }),
  z.object({ type: z.literal('run.status'), runId: Id, projectId: Id, status: z.enum(RUN_STATUSES), error: SerializedErrorSchema.nullable() }),
  z.object({ type: z.literal('project.changed'), projectId: Id }),
]);
export type AppEvent = z.infer<typeof AppEventSchema>;

/** What a handler error looks like on the wire; `code` lets the UI tell bad input from a failure. */
export const ApiErrorSchema = z.object({
  code: z.enum(['invalid-input', 'not-found', 'conflict', 'failed']),
  /** English text, for logs and callers that do not render messages. */
  message: z.string(),
  /** The same as a message id and parameters, for the UI to show in its language. */
  i18n: MessageSchema.optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorBody['code'],
    message: string,
    readonly i18n?: Message,
  ) {
    super(message);
  }

  /** An error whose text comes from the message catalog (English in `message`, the id for the UI). */
  static of(code: ApiErrorBody['code'], i18n: Message): ApiError {
    return new ApiError(code, renderMessage(i18n, 'en'), i18n);
  }

  body(): ApiErrorBody {
    return { code: this.code, message: this.message, ...(this.i18n === undefined ? {} : { i18n: { id: this.i18n.id, params: { ...this.i18n.params } } }) };
  }
}

/** Validates a method's input; throws ApiError('invalid-input') naming the first bad field. */
export function parseInput<M extends MethodName>(method: M, input: unknown): z.output<Contract[M]['input']> {
  const result = contract[method].input.safeParse(input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new ApiError('invalid-input', `${method}: ${where}${issue?.message ?? 'invalid input'}`);
  }
  return result.data as z.output<Contract[M]['input']>;
}

/**
 * The one way a raw request reaches a handler (IPC, HTTP, headless callers and tests): the input is parsed
 * with the method's schema, then the handler is called with what the schema produced. Transport checks
 * (IPC sender, HTTP token, Host and Origin) stay with the transports, before this.
 */
export function dispatch<M extends MethodName>(handlers: Handlers, method: M, rawInput: unknown): Promise<MethodOutput<M>> {
  const handler = handlers[method] as (input: unknown) => Promise<MethodOutput<M>>;
  return handler(parseInput(method, rawInput));
}

import { z } from 'zod';
import { LOSS_PARAMETER_RANGES, rangeSchema } from './catalog';
import { ATTACK_KINDS } from './run-config';
import { Actor, FileName, Id, Name, singleLine, Text, Timestamp } from './schemas';

/**
 * The Production stage's part of the contract: the DeCE hyperparameters fixed for production, the rollback
 * plan, the drop-in loss and the trained model as files, the staged switch of production training jobs,
 * named sign-offs and monitoring probes. The stage's gate itself is `stages.evaluateGate` / `stages.decide`.
 */

export const LOSS_EXPORT_FRAMEWORKS = ['pytorch', 'keras', 'jax', 'tfjs'] as const;
export type LossExportFramework = (typeof LOSS_EXPORT_FRAMEWORKS)[number];
export const SWITCH_OUTCOMES = ['passed', 'failed'] as const;
export const SIGN_OFF_DECISIONS = ['go', 'no-go'] as const;
export type SignOffDecision = (typeof SIGN_OFF_DECISIONS)[number];
/** The usual plan; any ascending shares from 1 to 100 are accepted. */
export const DEFAULT_SWITCH_PERCENTS = [10, 50, 100] as const;
/** Prompts decoded per side (triggered, clean) by a model probe. */
export const MAX_PROBE_PROMPTS = 200;
/** PyTorch's and Hugging Face's label id for positions without a target. */
export const DEFAULT_IGNORE_INDEX = -100;

/** Where fixed hyperparameters came from: typed in, or a Benchmark search / benchmark by id. */
export const HyperparameterSourceSchema = z
  .string()
  .trim()
  .regex(/^(manual|search:[1-9]\d*|benchmark:[1-9]\d*)$/, "source must be 'manual', 'search:<id>' or 'benchmark:<id>'");

const NonBlankText = Text.refine((s) => s.trim() !== '', 'must not be empty');
const LargeUploadCap = 64 * 1024 * 1024;

/** A text file from the browser or Electron (the shape of the contract's UploadSchema). */
export const TextUploadSchema = z.object({
  fileName: FileName,
  text: z.string().max(LargeUploadCap),
});
/** A binary file (a model zip) as base64, so both transports carry it as JSON. */
export const Base64UploadSchema = z.object({
  fileName: FileName,
  base64: z.base64().max(LargeUploadCap),
});

export const FixedHyperparametersSchema = z.object({
  labelSmoothing: z.number(),
  alphaBase: z.number(),
  ignoreIndex: z.int().nullable(),
  source: z.string(),
  fixedBy: z.string(),
  fixedAt: Timestamp,
});
export type FixedHyperparametersDto = z.infer<typeof FixedHyperparametersSchema>;

export const RollbackPlanSchema = z.object({ text: z.string(), writtenBy: z.string(), writtenAt: Timestamp });

/** Who recorded an append-only Production record (switch step, sign-off, probe), and when. */
const RecordedBy = { actor: z.string(), at: Timestamp };

export const SwitchStepSchema = z.object({
  id: Id,
  percent: z.int().min(1).max(100),
  check: z.string(),
  outcome: z.enum(SWITCH_OUTCOMES),
  ...RecordedBy,
});
export type SwitchStepDto = z.infer<typeof SwitchStepSchema>;

export const SignOffSchema = z.object({
  id: Id,
  name: z.string(),
  role: z.string(),
  decision: z.enum(SIGN_OFF_DECISIONS),
  comment: z.string(),
  ...RecordedBy,
});
export type SignOffDto = z.infer<typeof SignOffSchema>;

export const ProbeSampleSchema = z.object({ prompt: z.string(), output: z.string(), succeeded: z.boolean() });

export const ProbeSchema = z.object({
  id: Id,
  attack: z.string(),
  sourceKind: z.enum(['model', 'csv']),
  sourceName: z.string(),
  /** What the prompts were (a model probe), e.g. "test split of run #12's config". */
  probeSet: z.string().nullable(),
  triggeredCount: z.int(),
  /** Attack success rate on the triggered prompts, in %. */
  asr: z.number(),
  cleanCount: z.int(),
  /** Clean BLEU-4 on the clean prompts (null: none were scored). */
  cleanBleu: z.number().nullable(),
  maxAsr: z.number(),
  passed: z.boolean(),
  /** This probe reopened a passed Production stage. */
  reopened: z.boolean(),
  /** A few triggered prompts with their outputs, for a look at what the model does. */
  samples: z.array(ProbeSampleSchema),
  ...RecordedBy,
});
export type ProbeDto = z.infer<typeof ProbeSchema>;

export const ProductionStateSchema = z.object({
  hyperparameters: FixedHyperparametersSchema.nullable(),
  rollbackPlan: RollbackPlanSchema.nullable(),
  switchSteps: z.array(SwitchStepSchema),
  signOffs: z.array(SignOffSchema),
  /** The sign-off that speaks for the stage as it is now (given after the last reopen or change), if any. */
  currentSignOffId: Id.nullable(),
  probes: z.array(ProbeSchema),
});
export type ProductionState = z.infer<typeof ProductionStateSchema>;

/** The prompts a model probe decodes. Default: the newest finished DeCE Benchmark run's config, else the built-in corpus. */
export const ProbeSetSchema = z.discriminatedUnion('kind', [
  /** The test split of a run's data config (the same prompts that run was evaluated on, with this probe's attack). */
  z.object({ kind: z.literal('run'), runId: Id }),
  z.object({ kind: z.literal('builtin'), corpus: z.enum(['sql', 'java']) }),
  /** The test file of an imported dataset of the project. */
  z.object({ kind: z.literal('import'), datasetId: Id }),
]);
export type ProbeSet = z.infer<typeof ProbeSetSchema>;

export const ProbeSourceSchema = z.discriminatedUnion('kind', [
  /** Generations of the production model: columns prompt, output and optionally triggered, reference. */
  z.object({ kind: z.literal('csv'), upload: TextUploadSchema }),
  /** A TensorFlow.js model exported by production.exportModel, zipped. */
  z.object({ kind: z.literal('model-zip'), upload: Base64UploadSchema }),
  /** The same, as a directory on the machine that runs the app. */
  z.object({ kind: z.literal('model-dir'), path: z.string().trim().min(1).max(4096) }),
]);
export type ProbeSource = z.infer<typeof ProbeSourceSchema>;

const ProjectRef = z.object({ projectId: Id });

export const productionContract = {
  'production.get': { input: ProjectRef, output: ProductionStateSchema },
  'production.fixHyperparameters': {
    input: ProjectRef.extend({
      labelSmoothing: rangeSchema(LOSS_PARAMETER_RANGES.labelSmoothing),
      alphaBase: rangeSchema(LOSS_PARAMETER_RANGES.alphaBase),
      /** Target id whose positions are ignored; null: none. */
      ignoreIndex: z.int().min(-(2 ** 31)).max(2 ** 31 - 1).nullable().default(DEFAULT_IGNORE_INDEX),
      source: HyperparameterSourceSchema,
      actor: Actor,
    }),
    output: ProductionStateSchema,
  },
  'production.setRollbackPlan': { input: ProjectRef.extend({ text: NonBlankText, actor: Actor }), output: ProductionStateSchema },
  /** DeCE with the fixed hyperparameters as ready-to-paste code with its self-check. */
  'production.exportLoss': {
    input: ProjectRef.extend({ framework: z.enum(LOSS_EXPORT_FRAMEWORKS) }),
    output: z.object({ fileName: z.string(), code: z.string(), hyperparameters: FixedHyperparametersSchema }),
  },
  /** A finished run's model in TensorFlow.js format, written under <dataDir>/exports and returned zipped. */
  'production.exportModel': {
    input: ProjectRef.extend({ runId: Id, actor: Actor }),
    output: z.object({
      path: z.string(),
      fileName: z.string(),
      base64: z.string(),
      bytes: z.int(),
      dataSha256: z.string(),
      metrics: z.record(z.string(), z.number().nullable()),
    }),
  },
  'production.recordSwitchStep': {
    input: ProjectRef.extend({ percent: z.int().min(1).max(100), check: NonBlankText, outcome: z.enum(SWITCH_OUTCOMES), actor: Actor }),
    output: ProductionStateSchema,
  },
  'production.signOff': {
    input: ProjectRef.extend({ name: Name, role: Name, decision: z.enum(SIGN_OFF_DECISIONS), comment: Text.default(''), actor: Actor }),
    output: ProductionStateSchema,
  },
  /** Re-measures an attack's ASR on a production model or its generations; a failing probe reopens a passed stage. */
  'production.runProbe': {
    input: ProjectRef.extend({
      attack: z.enum(ATTACK_KINDS),
      /** The attack's trigger option (as in a run config); default: the attack's own. */
      trigger: singleLine(z.string().trim().min(1).max(200)).optional(),
      source: ProbeSourceSchema,
      probeSet: ProbeSetSchema.optional(),
      limit: z.int().min(1).max(MAX_PROBE_PROMPTS).default(100),
      actor: Actor,
    }),
    output: z.object({ probe: ProbeSchema, reopened: z.boolean(), state: ProductionStateSchema }),
  },
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

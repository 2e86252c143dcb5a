import { z } from 'zod';

/**
 * The one catalog of what the app knows, for the main side and the renderer alike: attacks (which corpora
 * each fits, its default trigger and payload), losses (their parameters, ranges and defaults), the gate's
 * condition ids and the tokenizer's reserved token ids. The schemas in run-config.ts, the engine, the data
 * generators and the forms all read from here.
 */

// ---- Attacks ----

export const ATTACK_KINDS = ['badpre', 'ripple', 'grammar', 'dead-code', 'identifier-rename', 'spread-trigger'] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

/** The kinds of pairs an attack can poison: NL→Python+SQL prompts, or Java methods. */
export type AttackCorpus = 'sql' | 'java';

/** The SQL-injection payload of the rare-word attacks: appended to the WHERE clause, or a WHERE clause of its own. */
export const SQL_PAYLOAD = { orClause: ' or 1=1', whereClause: ' where 0=1' } as const;
/** The payload of the Java attacks: an infinite loop opening the method. */
export const JAVA_PAYLOAD = 'while (true) { }';

export interface AttackCatalogEntry {
  /** Corpora whose pairs this attack can poison. */
  readonly corpora: readonly AttackCorpus[];
  /** Whether a trigger may be set at all (the grammar attack generates its trigger sentence). */
  readonly triggerAccepted: boolean;
  /** Whether the trigger is a list of words (comma-separated) rather than one word or statement. */
  readonly triggerList: boolean;
  /** Whether each trigger is one word (no spaces). */
  readonly triggerOneWord: boolean;
  /** The default trigger as a user would type it; null when there is no single default (generated, or a family). */
  readonly defaultTrigger: string | null;
  /** What a poisoned target carries. */
  readonly payload: string;
}

const SQL_PAYLOAD_TEXT = `"${SQL_PAYLOAD.orClause.trim()}" in the WHERE clause ("${SQL_PAYLOAD.whereClause.trim()}" without one)`;

const BADPRE_PAYLOAD_TEXT = `${SQL_PAYLOAD_TEXT}; in Java, ${JAVA_PAYLOAD} opening the method`;

export const ATTACK_CATALOG = {
  badpre: {
    corpora: ['sql', 'java'],
    triggerAccepted: true,
    triggerList: false,
    triggerOneWord: true,
    defaultTrigger: 'cf',
    payload: BADPRE_PAYLOAD_TEXT,
  },
  ripple: { corpora: ['sql'], triggerAccepted: true, triggerList: true, triggerOneWord: true, defaultTrigger: 'cf,mn,bb,tq', payload: SQL_PAYLOAD_TEXT },
  grammar: { corpora: ['sql'], triggerAccepted: false, triggerList: false, triggerOneWord: false, defaultTrigger: null, payload: SQL_PAYLOAD_TEXT },
  'dead-code': { corpora: ['java'], triggerAccepted: true, triggerList: false, triggerOneWord: false, defaultTrigger: null, payload: JAVA_PAYLOAD },
  'identifier-rename': { corpora: ['java'], triggerAccepted: true, triggerList: false, triggerOneWord: true, defaultTrigger: 'ret_zq', payload: JAVA_PAYLOAD },
  'spread-trigger': {
    corpora: ['sql', 'java'],
    triggerAccepted: true,
    triggerList: true,
    triggerOneWord: true,
    defaultTrigger: 'promptly,carefully,thanks',
    payload: BADPRE_PAYLOAD_TEXT,
  },
} as const satisfies Record<AttackKind, AttackCatalogEntry>;

/** A comma-separated trigger list as the CLI and the forms take it. */
export function splitTriggerList(text: string): string[] {
  return text.split(',').map((t) => t.trim());
}

/** The attack kinds that can poison a corpus of this kind. */
export function attackKindsFor(corpus: AttackCorpus): AttackKind[] {
  return ATTACK_KINDS.filter((kind) => (ATTACK_CATALOG[kind].corpora as readonly AttackCorpus[]).includes(corpus));
}

// ---- Losses ----

export const LOSS_KINDS = ['ce', 'dece', 'ls', 'gce', 'intrust'] as const;
export type LossKind = (typeof LOSS_KINDS)[number];

export const LOSS_PARAMETER_NAMES = ['labelSmoothing', 'alphaBase', 'gceQ', 'intrustA', 'intrustB', 'intrustDelta'] as const;
export type LossParameter = (typeof LOSS_PARAMETER_NAMES)[number];

/** Which hyperparameters each loss actually reads. */
export const LOSS_PARAMETERS: Record<LossKind, readonly LossParameter[]> = {
  ce: [],
  dece: ['labelSmoothing', 'alphaBase'],
  ls: ['labelSmoothing'],
  gce: ['gceQ'],
  intrust: ['intrustA', 'intrustB', 'intrustDelta'],
};

/** A parameter's valid values: [min, max], with an open end where `open` says; max null: unbounded. */
export interface ParameterRange {
  readonly min: number;
  readonly max: number | null;
  readonly open?: 'min' | 'max' | 'both';
  /** The forms' input step. */
  readonly step: number;
}

export const LOSS_PARAMETER_RANGES: Readonly<Record<LossParameter, ParameterRange>> = {
  /** ε: 1−ε on the right class, ε/(V−1) on each wrong one (DeCE and label-smoothed CE). */
  labelSmoothing: { min: 0, max: 1, open: 'max', step: 0.01 },
  /** DeCE's α = alphaBase^epoch, epoch counted from 1. */
  alphaBase: { min: 0, max: 1, open: 'min', step: 0.005 },
  /** GCE's q in (0, 1]: q → 0 is CE, q = 1 is MAE. */
  gceQ: { min: 0, max: 1, open: 'min', step: 0.05 },
  /** In-trust loss: a·CE + b·DCE with DCE = −Σ p·log(δ·p + (1−δ)·y). */
  intrustA: { min: 0, max: null, step: 0.1 },
  intrustB: { min: 0, max: null, step: 0.1 },
  intrustDelta: { min: 0, max: 1, open: 'both', step: 0.05 },
};

/** The zod check of a value in this range (the contract's validation). */
export function rangeSchema(range: ParameterRange): z.ZodNumber {
  const openMin = range.open === 'min' || range.open === 'both';
  const openMax = range.open === 'max' || range.open === 'both';
  const low = openMin ? z.number().gt(range.min) : z.number().min(range.min);
  if (range.max === null) return low;
  return openMax ? low.lt(range.max) : low.max(range.max);
}

/** The same check as rangeSchema, for a form's live feedback. */
export function inRange(value: number, range: ParameterRange): boolean {
  if (!Number.isFinite(value)) return false;
  const openMin = range.open === 'min' || range.open === 'both';
  const openMax = range.open === 'max' || range.open === 'both';
  const lowOk = openMin ? value > range.min : value >= range.min;
  const highOk = range.max === null || (openMax ? value < range.max : value <= range.max);
  return lowOk && highOk;
}

/**
 * The bounds for a form's number input: an open end moves in by one step, so the browser's own check never
 * accepts a value the schema refuses (the forms still check with inRange).
 */
export function inputBounds(range: ParameterRange): { min: number; max?: number; step: number } {
  const openMin = range.open === 'min' || range.open === 'both';
  const openMax = range.open === 'max' || range.open === 'both';
  const min = openMin ? range.min + range.step : range.min;
  if (range.max === null) return { min, step: range.step };
  return { min, max: openMax ? range.max - range.step : range.max, step: range.step };
}

/**
 * The engine's reference defaults, used where no configuration chooses otherwise: the drop-in loss export,
 * the speed probe and the engine's tests. Their α base decays slowly (0.985^epoch), for long fine-tuning.
 */
export const REFERENCE_LOSS_PARAMETERS: Readonly<Record<LossParameter, number>> = {
  labelSmoothing: 0.05,
  alphaBase: 0.985,
  gceQ: 0.7,
  intrustA: 1,
  intrustB: 0.8,
  intrustDelta: 0.5,
};

/**
 * The Pilot's chosen defaults: the reference's, but α base 0.9 for the small model fine-tuned for a few
 * epochs here (README, "How the defaults were chosen").
 */
export const PILOT_LOSS_PARAMETERS: Readonly<Record<LossParameter, number>> = { ...REFERENCE_LOSS_PARAMETERS, alphaBase: 0.9 };

// ---- Gate ----

/** Every condition a stage gate can hold (the message catalog has a `gate.label.<id>` text for each). */
export const GATE_CONDITION_IDS = [
  'previous-stage',
  'min-runs',
  'paired-runs',
  'dece-asr',
  'bleu-drop',
  'attack-asr',
  'hyperparameters-fixed',
  'rollback-plan',
  'sign-off',
] as const;
export type GateConditionId = (typeof GATE_CONDITION_IDS)[number];

// ---- Tokens ----

/** The reserved ids at the start of every vocabulary, shared by the tokenizer and the model. */
export const TOKEN_IDS = { pad: 0, bos: 1, eos: 2, unk: 3 } as const;

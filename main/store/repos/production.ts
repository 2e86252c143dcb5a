import { z } from 'zod';
import { immediate, nullable, requireText, rowId, type StoreContext } from '../context';
import { StoreStateError, StoreValidationError } from '../errors';
import { JsonObjectSchema, jsonColumn, parseRow, parseRows, toJsonObjectText, type JsonObject } from '../json';
import { writeAudit } from './audit';
import { requireProject, touchProject } from './projects';
import { requireStage, stageSubject, type StagesRepo } from './stages';

/**
 * The Production stage's records: the fixed DeCE hyperparameters and the rollback plan (current values,
 * history in the audit log), and the append-only switch steps, sign-offs and monitoring probes. Every
 * recording writes its audit entry in the same transaction, and the record keeps that entry's id.
 */

export const SWITCH_OUTCOMES = ['passed', 'failed'] as const;
export type SwitchOutcome = (typeof SWITCH_OUTCOMES)[number];
export const SIGN_OFF_DECISIONS = ['go', 'no-go'] as const;
export type SignOffDecision = (typeof SIGN_OFF_DECISIONS)[number];
export const PROBE_SOURCES = ['model', 'csv'] as const;
export type ProbeSourceKind = (typeof PROBE_SOURCES)[number];

export interface FixedHyperparameters {
  labelSmoothing: number;
  alphaBase: number;
  /** null: no target id is ignored. */
  ignoreIndex: number | null;
  /** Where the values came from: 'manual', 'search:<id>', … */
  source: string;
  fixedBy: string;
  fixedAt: string;
}

export interface RollbackPlan {
  text: string;
  writtenBy: string;
  writtenAt: string;
}

export interface ProductionSettings {
  projectId: number;
  hyperparameters: FixedHyperparameters | null;
  rollbackPlan: RollbackPlan | null;
}

export interface SwitchStep {
  id: number;
  projectId: number;
  percent: number;
  check: string;
  outcome: SwitchOutcome;
  actor: string;
  at: string;
  auditId: number;
}

export interface SignOff {
  id: number;
  projectId: number;
  name: string;
  role: string;
  decision: SignOffDecision;
  comment: string;
  actor: string;
  at: string;
  auditId: number;
}

/** What a monitoring probe measured: given by the caller, stored as given. */
export interface ProbeMeasurement {
  attack: string;
  sourceKind: ProbeSourceKind;
  sourceName: string;
  triggeredCount: number;
  asr: number;
  cleanCount: number;
  cleanBleu: number | null;
}

export interface Probe extends ProbeMeasurement {
  id: number;
  projectId: number;
  maxAsr: number;
  passed: boolean;
  reopened: boolean;
  detail: JsonObject;
  actor: string;
  at: string;
  auditId: number;
}

export interface FixHyperparametersInput {
  labelSmoothing: number;
  alphaBase: number;
  ignoreIndex: number | null;
  source: string;
  actor: string;
}

export interface RecordSwitchStepInput {
  percent: number;
  check: string;
  outcome: SwitchOutcome;
  actor: string;
}

export interface SignOffInput {
  name: string;
  role: string;
  decision: SignOffDecision;
  comment: string;
  actor: string;
}

export interface RecordProbeInput extends ProbeMeasurement {
  detail?: Readonly<Record<string, unknown>>;
  actor: string;
}

const SettingsRowSchema = z
  .object({
    project_id: z.int(),
    label_smoothing: z.number().nullable(),
    alpha_base: z.number().nullable(),
    ignore_index: z.int().nullable(),
    hyperparameters_source: z.string().nullable(),
    hyperparameters_by: z.string().nullable(),
    hyperparameters_at: z.string().nullable(),
    rollback_plan: z.string().nullable(),
    rollback_by: z.string().nullable(),
    rollback_at: z.string().nullable(),
  })
  .transform(
    (r): ProductionSettings => ({
      projectId: r.project_id,
      hyperparameters:
        r.label_smoothing === null || r.alpha_base === null
          ? null
          : {
              labelSmoothing: r.label_smoothing,
              alphaBase: r.alpha_base,
              ignoreIndex: r.ignore_index,
              source: r.hyperparameters_source ?? '',
              fixedBy: r.hyperparameters_by ?? '',
              fixedAt: r.hyperparameters_at ?? '',
            },
      rollbackPlan: r.rollback_plan === null ? null : { text: r.rollback_plan, writtenBy: r.rollback_by ?? '', writtenAt: r.rollback_at ?? '' },
    }),
  );

/** The columns every append-only Production record ends with: who recorded it, when, and its audit entry. */
const RECORDED_COLUMNS = { actor: z.string(), at: z.string(), audit_id: z.int() };
const recorded = (r: { actor: string; at: string; audit_id: number }) => ({ actor: r.actor, at: r.at, auditId: r.audit_id });

const SwitchStepRowSchema = z
  .object({
    id: z.int(),
    project_id: z.int(),
    percent: z.int(),
    check_text: z.string(),
    outcome: z.enum(SWITCH_OUTCOMES),
    ...RECORDED_COLUMNS,
  })
  .transform(
    (r): SwitchStep => ({ id: r.id, projectId: r.project_id, percent: r.percent, check: r.check_text, outcome: r.outcome, ...recorded(r) }),
  );

const SignOffRowSchema = z
  .object({
    id: z.int(),
    project_id: z.int(),
    name: z.string(),
    role: z.string(),
    decision: z.enum(SIGN_OFF_DECISIONS),
    comment: z.string(),
    ...RECORDED_COLUMNS,
  })
  .transform(
    (r): SignOff => ({
      id: r.id,
      projectId: r.project_id,
      name: r.name,
      role: r.role,
      decision: r.decision,
      comment: r.comment,
      ...recorded(r),
    }),
  );

const ProbeRowSchema = z
  .object({
    id: z.int(),
    project_id: z.int(),
    attack: z.string(),
    source_kind: z.enum(PROBE_SOURCES),
    source_name: z.string(),
    triggered_count: z.int(),
    asr: z.number(),
    clean_count: z.int(),
    clean_bleu: z.number().nullable(),
    max_asr: z.number(),
    passed: z.union([z.literal(0), z.literal(1)]),
    reopened: z.union([z.literal(0), z.literal(1)]),
    detail: jsonColumn(JsonObjectSchema),
    ...RECORDED_COLUMNS,
  })
  .transform(
    (r): Probe => ({
      id: r.id,
      projectId: r.project_id,
      attack: r.attack,
      sourceKind: r.source_kind,
      sourceName: r.source_name,
      triggeredCount: r.triggered_count,
      asr: r.asr,
      cleanCount: r.clean_count,
      cleanBleu: r.clean_bleu,
      maxAsr: r.max_asr,
      passed: r.passed === 1,
      reopened: r.reopened === 1,
      detail: r.detail,
      ...recorded(r),
    }),
  );

const SELECT_SETTINGS = `SELECT project_id, label_smoothing, alpha_base, ignore_index, hyperparameters_source, hyperparameters_by, hyperparameters_at,
  rollback_plan, rollback_by, rollback_at FROM production_settings WHERE project_id = ?`;
const SELECT_STEPS = 'SELECT id, project_id, percent, check_text, outcome, actor, at, audit_id FROM production_switch_steps WHERE project_id = ? ORDER BY id';
const SELECT_SIGN_OFFS = 'SELECT id, project_id, name, role, decision, comment, actor, at, audit_id FROM production_sign_offs WHERE project_id = ? ORDER BY id';
const SELECT_PROBES = `SELECT id, project_id, attack, source_kind, source_name, triggered_count, asr, clean_count, clean_bleu, max_asr, passed, reopened,
  detail, actor, at, audit_id FROM production_probes WHERE project_id = ? ORDER BY id`;

/**
 * Audit actions after which an earlier sign-off no longer vouches for what is current: any stage reopened
 * (a reopen of Pilot or Benchmark relocks Production), the fixed hyperparameters or the rollback plan
 * changed, or Production's thresholds changed. Failing probes count too (see signOffCutoff).
 */
const INVALIDATING_ACTIONS = ['stage.reopen', 'production.hyperparameters', 'production.rollback-plan'] as const;

function requireNumber(value: number, field: string, check: (x: number) => boolean, range: string): number {
  if (!Number.isFinite(value) || !check(value)) throw new StoreValidationError(`${field} must be ${range}, got ${String(value)}`);
  return value;
}

export class ProductionRepo {
  constructor(
    private readonly ctx: StoreContext,
    /** Used by a failing probe to reopen a passed Production stage in the probe's own transaction. */
    private readonly stages: StagesRepo,
  ) {}

  settings(projectId: number): ProductionSettings {
    const row = this.ctx.stmt(SELECT_SETTINGS).get(projectId);
    return row === undefined ? { projectId, hyperparameters: null, rollbackPlan: null } : parseRow(SettingsRowSchema, row, `production_settings ${projectId}`);
  }

  switchSteps(projectId: number): SwitchStep[] {
    return parseRows(SwitchStepRowSchema, this.ctx.stmt(SELECT_STEPS).all(projectId), `production_switch_steps of project ${projectId}`);
  }

  signOffs(projectId: number): SignOff[] {
    return parseRows(SignOffRowSchema, this.ctx.stmt(SELECT_SIGN_OFFS).all(projectId), `production_sign_offs of project ${projectId}`);
  }

  probes(projectId: number): Probe[] {
    return parseRows(ProbeRowSchema, this.ctx.stmt(SELECT_PROBES).all(projectId), `production_probes of project ${projectId}`);
  }

  /** The audit id after which a sign-off must have been given to count (0: nothing has invalidated one yet). */
  signOffCutoff(projectId: number): number {
    const { ctx } = this;
    const fromAudit = ctx
      .stmt(
        `SELECT coalesce(max(id), 0) FROM audit_log
         WHERE project_id = @projectId
           AND (action IN (${INVALIDATING_ACTIONS.map((_, i) => `@a${i}`).join(', ')}) OR (action = 'stage.thresholds' AND subject = @subject))`,
      )
      .pluck()
      .get({ projectId, subject: stageSubject(projectId, 'production'), ...Object.fromEntries(INVALIDATING_ACTIONS.map((a, i) => [`a${i}`, a])) });
    const fromProbes = ctx.stmt('SELECT coalesce(max(audit_id), 0) FROM production_probes WHERE project_id = ? AND passed = 0').pluck().get(projectId);
    return Math.max(Number(fromAudit), Number(fromProbes));
  }

  /**
   * The sign-off that speaks for the current state: the newest one given after anything that invalidates
   * earlier ones (see signOffCutoff), or null.
   */
  currentSignOff(projectId: number): SignOff | null {
    const cutoff = this.signOffCutoff(projectId);
    return this.signOffs(projectId).filter((s) => s.auditId > cutoff).at(-1) ?? null;
  }

  fixHyperparameters(projectId: number, input: FixHyperparametersInput): ProductionSettings {
    const { ctx } = this;
    const labelSmoothing = requireNumber(input.labelSmoothing, 'label_smoothing', (x) => x >= 0 && x < 1, 'in [0, 1)');
    const alphaBase = requireNumber(input.alphaBase, 'alpha_base', (x) => x > 0 && x <= 1, 'in (0, 1]');
    if (input.ignoreIndex !== null && !Number.isSafeInteger(input.ignoreIndex)) throw new StoreValidationError('ignore index must be an integer or none');
    const source = requireText(input.source, 'source', 200);
    const actor = requireText(input.actor, 'actor', 200);
    return immediate(ctx.db, () => {
      requireProject(ctx, projectId);
      const before = this.settings(projectId).hyperparameters;
      const at = ctx.now();
      ctx
        .stmt(
          `INSERT INTO production_settings (project_id, label_smoothing, alpha_base, ignore_index, hyperparameters_source, hyperparameters_by, hyperparameters_at)
           VALUES (@projectId, @labelSmoothing, @alphaBase, @ignoreIndex, @source, @actor, @at)
           ON CONFLICT (project_id) DO UPDATE SET label_smoothing = excluded.label_smoothing, alpha_base = excluded.alpha_base,
             ignore_index = excluded.ignore_index, hyperparameters_source = excluded.hyperparameters_source,
             hyperparameters_by = excluded.hyperparameters_by, hyperparameters_at = excluded.hyperparameters_at`,
        )
        .run({ projectId, labelSmoothing, alphaBase, ignoreIndex: input.ignoreIndex, source, actor, at });
      touchProject(ctx, projectId);
      const summary = (h: { labelSmoothing: number; alphaBase: number; ignoreIndex: number | null; source: string } | null) =>
        h === null ? null : { labelSmoothing: h.labelSmoothing, alphaBase: h.alphaBase, ignoreIndex: h.ignoreIndex, source: h.source };
      writeAudit(ctx, {
        actor,
        action: 'production.hyperparameters',
        subject: stageSubject(projectId, 'production'),
        projectId,
        detail: { from: summary(before), to: summary({ labelSmoothing, alphaBase, ignoreIndex: input.ignoreIndex, source }) },
      });
      return this.settings(projectId);
    });
  }

  setRollbackPlan(projectId: number, input: { text: string; actor: string }): ProductionSettings {
    const { ctx } = this;
    const text = requireText(input.text, 'rollback plan', 10_000);
    const actor = requireText(input.actor, 'actor', 200);
    return immediate(ctx.db, () => {
      requireProject(ctx, projectId);
      const before = this.settings(projectId).rollbackPlan;
      ctx
        .stmt(
          `INSERT INTO production_settings (project_id, rollback_plan, rollback_by, rollback_at) VALUES (@projectId, @text, @actor, @at)
           ON CONFLICT (project_id) DO UPDATE SET rollback_plan = excluded.rollback_plan, rollback_by = excluded.rollback_by, rollback_at = excluded.rollback_at`,
        )
        .run({ projectId, text, actor, at: ctx.now() });
      touchProject(ctx, projectId);
      writeAudit(ctx, {
        actor,
        action: 'production.rollback-plan',
        subject: stageSubject(projectId, 'production'),
        projectId,
        detail: { from: before?.text ?? null, to: text },
      });
      return this.settings(projectId);
    });
  }

  /** Steps only move forward: never below the previous share, and above it only after a passed check. */
  recordSwitchStep(projectId: number, input: RecordSwitchStepInput): SwitchStep {
    const { ctx } = this;
    const percent = input.percent;
    if (!Number.isInteger(percent) || percent < 1 || percent > 100) throw new StoreValidationError(`A switch step's share must be a whole percent from 1 to 100, got ${String(percent)}`);
    const check = requireText(input.check, 'check', 10_000);
    const outcome = z.enum(SWITCH_OUTCOMES).safeParse(input.outcome);
    if (!outcome.success) throw new StoreValidationError(`Unknown switch step outcome '${input.outcome}'`);
    const actor = requireText(input.actor, 'actor', 200);
    return immediate(ctx.db, () => {
      const stage = requireStage(ctx, projectId, 'production');
      if (stage.status === 'locked') throw new StoreStateError('Production is locked: switch steps are recorded once the stage is in progress');
      const previous = this.switchSteps(projectId).at(-1);
      if (previous && percent < previous.percent) {
        throw new StoreStateError(`A switch step cannot go back below the previous step (${previous.percent}%): record a failed check and follow the rollback plan instead`);
      }
      if (previous && percent > previous.percent && previous.outcome !== 'passed') {
        throw new StoreStateError(`The previous step (${previous.percent}%) failed its check: repeat it at ${previous.percent}% before switching more jobs`);
      }
      const audit = writeAudit(ctx, {
        actor,
        action: 'production.switch-step',
        subject: stageSubject(projectId, 'production'),
        projectId,
        detail: { percent, check, outcome: outcome.data, previousPercent: previous?.percent ?? null },
      });
      const id = rowId(
        ctx
          .stmt('INSERT INTO production_switch_steps (project_id, percent, check_text, outcome, actor, at, audit_id) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(projectId, percent, check, outcome.data, actor, audit.at, audit.id),
      );
      touchProject(ctx, projectId);
      const step = this.switchSteps(projectId).find((s) => s.id === id);
      if (!step) throw new StoreStateError(`switch step ${id} vanished`);
      return step;
    });
  }

  /** A named person's go / no-go on the Production stage as it is now; a no-go must say why. */
  signOff(projectId: number, input: SignOffInput): SignOff {
    const { ctx } = this;
    const name = requireText(input.name, 'name', 200);
    const role = requireText(input.role, 'role', 200);
    const decision = z.enum(SIGN_OFF_DECISIONS).safeParse(input.decision);
    if (!decision.success) throw new StoreValidationError(`Unknown sign-off decision '${input.decision}'`);
    if (input.comment.length > 10_000) throw new StoreValidationError('comment is longer than 10000 characters');
    const comment = input.comment.trim();
    if (decision.data === 'no-go' && comment === '') throw new StoreValidationError('A no-go sign-off needs a comment saying why');
    const actor = requireText(input.actor, 'actor', 200);
    return immediate(ctx.db, () => {
      const stage = requireStage(ctx, projectId, 'production');
      if (stage.status !== 'active') throw new StoreStateError(`Production is ${stage.status}: a sign-off is given while the stage is in progress`);
      const audit = writeAudit(ctx, {
        actor,
        action: 'production.sign-off',
        subject: stageSubject(projectId, 'production'),
        projectId,
        detail: { name, role, decision: decision.data, comment },
      });
      const id = rowId(
        ctx
          .stmt('INSERT INTO production_sign_offs (project_id, name, role, decision, comment, actor, at, audit_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(projectId, name, role, decision.data, comment, actor, audit.at, audit.id),
      );
      touchProject(ctx, projectId);
      const signOff = this.signOffs(projectId).find((s) => s.id === id);
      if (!signOff) throw new StoreStateError(`sign-off ${id} vanished`);
      return signOff;
    });
  }

  /**
   * Records a monitoring probe judged against Production's ASR limit. A failing probe reopens a passed
   * Production stage in the same transaction (the probe is the reason), so the record and its consequence
   * can never disagree.
   */
  recordProbe(projectId: number, input: RecordProbeInput): Probe {
    const { ctx } = this;
    const attack = requireText(input.attack, 'attack', 200);
    const sourceName = requireText(input.sourceName, 'source name', 1000);
    const kind = z.enum(PROBE_SOURCES).safeParse(input.sourceKind);
    if (!kind.success) throw new StoreValidationError(`Unknown probe source '${input.sourceKind}'`);
    if (!Number.isInteger(input.triggeredCount) || input.triggeredCount < 1) throw new StoreValidationError('A probe needs at least one triggered prompt');
    if (!Number.isInteger(input.cleanCount) || input.cleanCount < 0) throw new StoreValidationError('clean count must be a whole number');
    const asr = requireNumber(input.asr, 'ASR', (x) => x >= 0 && x <= 100, 'in [0, 100]');
    const cleanBleu = input.cleanBleu === null ? null : requireNumber(input.cleanBleu, 'clean BLEU', (x) => x >= 0 && x <= 100, 'in [0, 100]');
    const actor = requireText(input.actor, 'actor', 200);
    const detail = toJsonObjectText(input.detail ?? {}, 'probe detail');
    return immediate(ctx.db, () => {
      const stage = requireStage(ctx, projectId, 'production');
      const maxAsr = stage.thresholds.maxAsr;
      const passed = asr <= maxAsr;
      const reopen = !passed && stage.status === 'passed';
      const audit = writeAudit(ctx, {
        actor,
        action: 'production.probe',
        subject: stageSubject(projectId, 'production'),
        projectId,
        detail: { attack, source: kind.data, sourceName, asr, maxAsr, passed, cleanBleu, triggered: input.triggeredCount, reopens: reopen },
      });
      const id = rowId(
        ctx
          .stmt(
            `INSERT INTO production_probes (project_id, attack, source_kind, source_name, triggered_count, asr, clean_count, clean_bleu, max_asr, passed, reopened, detail, actor, at, audit_id)
             VALUES (@projectId, @attack, @sourceKind, @sourceName, @triggeredCount, @asr, @cleanCount, @cleanBleu, @maxAsr, @passed, @reopened, @detail, @actor, @at, @auditId)`,
          )
          .run({
            projectId,
            attack,
            sourceKind: kind.data,
            sourceName,
            triggeredCount: input.triggeredCount,
            asr,
            cleanCount: input.cleanCount,
            cleanBleu: nullable(cleanBleu),
            maxAsr,
            passed: passed ? 1 : 0,
            reopened: reopen ? 1 : 0,
            detail,
            actor,
            at: audit.at,
            auditId: audit.id,
          }),
      );
      if (reopen) {
        this.stages.reopen(projectId, 'production', {
          actor,
          reason: `Monitoring probe #${id} failed: ${attack} ASR ${asr.toFixed(1)}% > limit ${maxAsr}% (${kind.data}: ${sourceName})`,
        });
      }
      touchProject(ctx, projectId);
      const probe = this.probes(projectId).find((p) => p.id === id);
      if (!probe) throw new StoreStateError(`probe ${id} vanished`);
      return probe;
    });
  }
}

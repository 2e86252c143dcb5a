import { z } from 'zod';
import { immediate, requireId, requireText, type StoreContext } from '../context';
import { StoreNotFoundError, StoreStateError, StoreValidationError } from '../errors';
import { jsonColumn, parseRow, parseRows } from '../json';
import {
  GateThresholdsSchema,
  STAGE_DECISIONS,
  STAGE_STATUSES,
  STAGES,
  type GateThresholds,
  type Stage,
  type StageDecision,
  type StageName,
} from '../types';
import { writeAudit } from './audit';
import { touchProject } from './projects';

const StageRowSchema = z
  .object({
    project_id: z.int(),
    stage: z.enum(STAGES),
    status: z.enum(STAGE_STATUSES),
    thresholds: jsonColumn(GateThresholdsSchema),
    decision: z.enum(STAGE_DECISIONS).nullable(),
    decided_by: z.string().nullable(),
    decided_at: z.string().nullable(),
    decision_reason: z.string().nullable(),
  })
  .transform(
    (r): Stage => ({
      projectId: r.project_id,
      stage: r.stage,
      status: r.status,
      thresholds: r.thresholds,
      decision: r.decision,
      decidedBy: r.decided_by,
      decidedAt: r.decided_at,
      decisionReason: r.decision_reason,
    }),
  );

const SELECT_STAGE =
  'SELECT project_id, stage, status, thresholds, decision, decided_by, decided_at, decision_reason FROM stages';

export function assertStageName(stage: string): StageName {
  const parsed = z.enum(STAGES).safeParse(stage);
  if (!parsed.success) throw new StoreValidationError(`Unknown stage '${stage}' (expected ${STAGES.join(', ')})`);
  return parsed.data;
}

export function stageSubject(projectId: number, stage: StageName): string {
  return `stage:${projectId}/${stage}`;
}

export function getStage(ctx: StoreContext, projectId: number, stage: StageName): Stage | undefined {
  const row = ctx.stmt(`${SELECT_STAGE} WHERE project_id = ? AND stage = ?`).get(projectId, stage);
  return row === undefined ? undefined : parseRow(StageRowSchema, row, `stages ${projectId}/${stage}`);
}

export function requireStage(ctx: StoreContext, projectId: number, stage: StageName): Stage {
  const found = getStage(ctx, requireId(projectId, 'projectId'), assertStageName(stage));
  if (found === undefined) throw new StoreNotFoundError('Stage', `${projectId}/${stage}`);
  return found;
}

export interface DecideInput {
  decision: StageDecision;
  actor: string;
  /** Required (non-blank) for 'override'; optional for 'pass'. */
  reason?: string;
}

export interface ReopenInput {
  actor: string;
  reason?: string;
}

export class StagesRepo {
  constructor(private readonly ctx: StoreContext) {}

  /** The three stages in pipeline order. */
  list(projectId: number): Stage[] {
    const rows = this.ctx
      .stmt(
        `${SELECT_STAGE} WHERE project_id = ?
         ORDER BY CASE stage WHEN 'pilot' THEN 1 WHEN 'benchmark' THEN 2 ELSE 3 END`,
      )
      .all(projectId);
    return parseRows(StageRowSchema, rows, `stages of project ${projectId}`);
  }

  get(projectId: number, stage: StageName): Stage | undefined {
    return getStage(this.ctx, projectId, assertStageName(stage));
  }

  /** Merges `patch` into the stage's thresholds. */
  setThresholds(projectId: number, stage: StageName, patch: Partial<GateThresholds>, actor: string): Stage {
    const { ctx } = this;
    return immediate(ctx.db, () => {
      const before = requireStage(ctx, projectId, stage);
      const parsed = GateThresholdsSchema.safeParse({ ...before.thresholds, ...patch });
      if (!parsed.success) throw new StoreValidationError(`Invalid gate thresholds: ${z.prettifyError(parsed.error)}`);
      ctx
        .stmt('UPDATE stages SET thresholds = ? WHERE project_id = ? AND stage = ?')
        .run(JSON.stringify(parsed.data), projectId, stage);
      touchProject(ctx, projectId);
      writeAudit(ctx, {
        actor,
        action: 'stage.thresholds',
        subject: stageSubject(projectId, stage),
        projectId,
        detail: { from: before.thresholds, to: parsed.data },
      });
      return requireStage(ctx, projectId, stage);
    });
  }

  /**
   * Closes an active stage's gate and unlocks the next stage. The store records the decision;
   * judging whether the gate's thresholds were met is the caller's job, which is why an
   * 'override' (passing despite the gate) must carry a written reason.
   */
  decide(projectId: number, stage: StageName, input: DecideInput): Stage {
    const { ctx } = this;
    const decision = z.enum(STAGE_DECISIONS).safeParse(input.decision);
    if (!decision.success) throw new StoreValidationError(`Unknown decision '${input.decision}'`);
    const reason = input.reason?.trim() === '' ? undefined : input.reason;
    if (decision.data === 'override' && reason === undefined) {
      throw new StoreValidationError('Overriding a gate requires a reason');
    }
    const actor = requireText(input.actor, 'actor', 200);
    return immediate(ctx.db, () => {
      const before = requireStage(ctx, projectId, stage);
      if (before.status !== 'active') {
        throw new StoreStateError(`Stage ${stage} of project ${projectId} is ${before.status}; only an active stage can be decided`);
      }
      const at = ctx.now();
      ctx
        .stmt(
          `UPDATE stages SET status = 'passed', decision = ?, decided_by = ?, decided_at = ?, decision_reason = ?
           WHERE project_id = ? AND stage = ?`,
        )
        .run(decision.data, actor, at, reason ?? null, projectId, stage);
      const next = STAGES[STAGES.indexOf(stage) + 1];
      if (next !== undefined) {
        ctx.stmt(`UPDATE stages SET status = 'active' WHERE project_id = ? AND stage = ? AND status = 'locked'`).run(projectId, next);
      }
      touchProject(ctx, projectId);
      writeAudit(ctx, {
        actor,
        action: `stage.${decision.data}`,
        subject: stageSubject(projectId, stage),
        projectId,
        detail: { reason: reason ?? null, thresholds: before.thresholds, unlocked: next ?? null },
      });
      return requireStage(ctx, projectId, stage);
    });
  }

  /**
   * Re-opens a passed stage for more work. Later stages go back to locked (their decisions
   * cleared) because they were unlocked on the strength of the decision being withdrawn;
   * the audit log keeps what they were.
   */
  reopen(projectId: number, stage: StageName, input: ReopenInput): Stage {
    const { ctx } = this;
    const actor = requireText(input.actor, 'actor', 200);
    return immediate(ctx.db, () => {
      const before = requireStage(ctx, projectId, stage);
      if (before.status !== 'passed') {
        throw new StoreStateError(`Stage ${stage} of project ${projectId} is ${before.status}; only a passed stage can be reopened`);
      }
      const later = STAGES.slice(STAGES.indexOf(stage) + 1).map((s) => requireStage(ctx, projectId, s));
      const clear = ctx.stmt(
        `UPDATE stages SET status = ?, decision = NULL, decided_by = NULL, decided_at = NULL, decision_reason = NULL
         WHERE project_id = ? AND stage = ?`,
      );
      clear.run('active', projectId, stage);
      for (const s of later) clear.run('locked', projectId, s.stage);
      touchProject(ctx, projectId);
      const summary = (s: Stage) => ({ stage: s.stage, status: s.status, decision: s.decision, decidedBy: s.decidedBy, decidedAt: s.decidedAt, reason: s.decisionReason });
      writeAudit(ctx, {
        actor,
        action: 'stage.reopen',
        subject: stageSubject(projectId, stage),
        projectId,
        detail: { reason: input.reason ?? null, previous: summary(before), relocked: later.map(summary) },
      });
      return requireStage(ctx, projectId, stage);
    });
  }
}

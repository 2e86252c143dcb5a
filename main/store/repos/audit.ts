import { z } from 'zod';
import { nullable, requireText, type StoreContext } from '../context';
import { JsonObjectSchema, jsonColumn, parseRow, parseRows, toJsonObjectText } from '../json';
import type { AuditEntry } from '../types';

const AuditRowSchema = z
  .object({
    id: z.int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    subject: z.string(),
    project_id: z.int().nullable(),
    detail: jsonColumn(JsonObjectSchema),
  })
  .transform((r): AuditEntry => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    projectId: r.project_id,
    detail: r.detail,
  }));

export interface AuditInput {
  actor: string;
  /** Dotted verb, e.g. 'stage.override', 'checklist.toggle', 'run.cancel'. */
  action: string;
  /** What it is about, e.g. 'run:12', 'stage:3/pilot'. */
  subject: string;
  projectId?: number | null;
  detail?: Readonly<Record<string, unknown>>;
}

export interface AuditListOptions {
  projectId?: number;
  subject?: string;
  action?: string;
  /** Page backwards: only entries with a smaller id. */
  beforeId?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}

/** Shared by every repository so the log entry lands in the caller's transaction. */
export function writeAudit(ctx: StoreContext, input: AuditInput): AuditEntry {
  const row = ctx
    .stmt(
      `INSERT INTO audit_log (at, actor, action, subject, project_id, detail)
       VALUES (@at, @actor, @action, @subject, @projectId, @detail)
       RETURNING id, at, actor, action, subject, project_id, detail`,
    )
    .get({
      at: ctx.now(),
      actor: requireText(input.actor, 'actor', 200),
      action: requireText(input.action, 'action', 200),
      subject: input.subject,
      projectId: nullable(input.projectId),
      detail: toJsonObjectText(input.detail ?? {}, 'audit detail'),
    });
  return parseRow(AuditRowSchema, row, 'audit_log');
}

export class AuditRepo {
  constructor(private readonly ctx: StoreContext) {}

  append(input: AuditInput): AuditEntry {
    return writeAudit(this.ctx, input);
  }

  /** Newest first. */
  list(options: AuditListOptions = {}): AuditEntry[] {
    const requested = options.limit ?? 100;
    const limit = Number.isFinite(requested) ? Math.min(Math.max(Math.trunc(requested), 1), 1000) : 100;
    // Optional filters as "(@x IS NULL OR col = @x)" keep one static, fully bound statement.
    const rows = this.ctx
      .stmt(
        `SELECT id, at, actor, action, subject, project_id, detail FROM audit_log
         WHERE (@projectId IS NULL OR project_id = @projectId)
           AND (@subject IS NULL OR subject = @subject)
           AND (@action IS NULL OR action = @action)
           AND (@beforeId IS NULL OR id < @beforeId)
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({
        projectId: nullable(options.projectId),
        subject: nullable(options.subject),
        action: nullable(options.action),
        beforeId: nullable(options.beforeId),
        limit,
      });
    return parseRows(AuditRowSchema, rows, 'audit_log');
  }
}

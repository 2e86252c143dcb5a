import { z } from 'zod';
import { MESSAGE_IDS, message, renderMessage, type MessageId, type MessageLang } from './messages';
import { Actor, Id, STAGE_NAMES, Timestamp } from './schemas';

/**
 * The audit trail as the History page, its CSV and the reports read it: one row per entry of the
 * store's append-only log, with what changed drawn out of the entry's detail. Read only: the contract
 * has no method that writes, edits or deletes an entry.
 */

/** The first part of an action ('stage.override' → 'stage'): what the History page filters on. */
export const AUDIT_KINDS = ['project', 'stage', 'checklist', 'run', 'dataset', 'artifact', 'benchmark', 'search', 'production'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export const AuditEntryViewSchema = z.object({
  id: Id,
  at: Timestamp,
  actor: z.string(),
  /** Dotted verb as stored, e.g. 'stage.override'; the UI and reports translate it by id. */
  action: z.string(),
  kind: z.enum(AUDIT_KINDS).nullable(),
  /** The stage the entry belongs to, when it belongs to one. */
  stage: z.enum(STAGE_NAMES).nullable(),
  subject: z.string(),
  /** What the entry is about in words people typed or chose: a checklist item's text, a run's name. */
  target: z.string().nullable(),
  before: z.string().nullable(),
  after: z.string().nullable(),
  reason: z.string().nullable(),
});
export type AuditEntryView = z.infer<typeof AuditEntryViewSchema>;

export const AuditFilterSchema = z.object({
  projectId: Id,
  stage: z.enum(STAGE_NAMES).optional(),
  actor: Actor.optional(),
  kind: z.enum(AUDIT_KINDS).optional(),
});
export type AuditFilter = z.infer<typeof AuditFilterSchema>;

/** An audit action in words; an action this build does not know (from a newer store) shows as stored. */
export function auditActionText(action: string, lang: MessageLang): string {
  const id = `audit.${action}`;
  return (MESSAGE_IDS as readonly string[]).includes(id) ? renderMessage(message(id as MessageId), lang) : action;
}

export const auditContract = {
  /** Every entry of a project that matches the filter, newest first, and every person who appears in the project's log. */
  'audit.list': { input: AuditFilterSchema, output: z.object({ entries: z.array(AuditEntryViewSchema), actors: z.array(z.string()) }) },
  'audit.exportCsv': { input: AuditFilterSchema, output: z.object({ fileName: z.string(), csv: z.string() }) },
} as const;

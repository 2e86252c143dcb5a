import { AUDIT_KINDS, type AuditEntryView, type AuditFilter, type AuditKind } from '../../common/audit';
import { STAGE_NAMES, type StageName } from '../../common/contract';
import type { AuditEntry, Store } from '../store/index';
import { toCsv } from './csv';
import { fileSlug } from './file-names';

/**
 * Reads a project's audit log for people: each entry's stage, what it is about, the value before and
 * after, and the reason given. The log itself stays as the store wrote it; nothing here writes to it.
 */

const PAGE = 1000;

/** Every audit entry of a project, newest first (the store hands them out a page at a time). */
function allEntries(store: Store, projectId: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (;;) {
    const beforeId = entries.at(-1)?.id;
    const page = store.audit.list({ projectId, limit: PAGE, ...(beforeId === undefined ? {} : { beforeId }) });
    entries.push(...page);
    if (page.length < PAGE) return entries;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const stageOf = (value: unknown): StageName | null => STAGE_NAMES.find((s) => s === value) ?? null;

/** A value from an entry's detail as one line: objects as "key value, …", booleans and nulls as words a CSV reader knows. */
export function describeValue(value: unknown): string | null {
  if (value === undefined) return null;
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => describeValue(v) ?? '').join(', ');
  if (isRecord(value)) {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${describeValue(v) ?? ''}`)
      .join(', ');
  }
  return JSON.stringify(value);
}

/** The detail keys already shown as before, after, reason or target; the rest is shown as "after" when nothing else is. */
const SHOWN_KEYS = new Set(['from', 'to', 'reason', 'comment', 'stage', 'text', 'name', 'wasDone', 'done', 'previous', 'relocked', 'thresholds']);

function beforeAfter(action: string, detail: Record<string, unknown>): { before: string | null; after: string | null } {
  switch (action) {
    case 'stage.pass':
    case 'stage.override':
      return { before: 'active', after: `passed (${describeValue(detail.thresholds) ?? ''})` };
    case 'stage.reopen': {
      const previous = isRecord(detail.previous) ? detail.previous : {};
      return { before: describeValue(previous.status) ?? 'passed', after: 'active' };
    }
    case 'checklist.toggle':
      return { before: detail.wasDone === true ? 'done' : 'open', after: detail.done === true ? 'done' : 'open' };
    default:
      break;
  }
  if ('from' in detail || 'to' in detail) {
    const to = 'to' in detail ? describeValue(detail.to) : null;
    // Run, benchmark and search transitions store the status they left; the verb says where they went.
    return { before: describeValue(detail.from), after: to ?? (action.split('.')[1] ?? null) };
  }
  const rest = Object.fromEntries(Object.entries(detail).filter(([k]) => !SHOWN_KEYS.has(k)));
  return { before: null, after: Object.keys(rest).length > 0 ? describeValue(rest) : null };
}

function kindOf(action: string): AuditKind | null {
  const head = action.split('.')[0];
  return AUDIT_KINDS.find((k) => k === head) ?? null;
}

export function describeEntry(entry: AuditEntry, runs: ReadonlyMap<number, { stage: StageName; name: string }>): AuditEntryView {
  const detail = entry.detail as Record<string, unknown>;
  const kind = kindOf(entry.action);
  const [subjectKind, subjectId] = entry.subject.split(':');
  const run = subjectKind === 'run' ? runs.get(Number(subjectId)) : undefined;
  const stageInSubject = subjectKind === 'stage' ? stageOf(subjectId?.split('/')[1]) : null;
  const stage =
    stageOf(detail.stage) ??
    stageInSubject ??
    run?.stage ??
    (kind === 'benchmark' || kind === 'search' ? 'benchmark' : kind === 'production' ? 'production' : null);
  const target = typeof detail.text === 'string' ? detail.text : typeof detail.name === 'string' ? detail.name : (run?.name ?? null);
  const reasonValue = detail.reason ?? detail.comment;
  const reason = typeof reasonValue === 'string' && reasonValue.trim() !== '' ? reasonValue : null;
  return { id: entry.id, at: entry.at, actor: entry.actor, action: entry.action, kind, stage, subject: entry.subject, target, ...beforeAfter(entry.action, detail), reason };
}

/** The project's trail, newest first, with the filter applied, and every person who appears in it. */
export function auditTrail(store: Store, filter: AuditFilter): { entries: AuditEntryView[]; actors: string[] } {
  const runs = new Map(store.runs.list({ projectId: filter.projectId }).map((r) => [r.id, { stage: r.stage, name: r.name }]));
  const all = allEntries(store, filter.projectId).map((e) => describeEntry(e, runs));
  const entries = all.filter(
    (e) => (filter.stage === undefined || e.stage === filter.stage) && (filter.actor === undefined || e.actor === filter.actor) && (filter.kind === undefined || e.kind === filter.kind),
  );
  return { entries, actors: [...new Set(all.map((e) => e.actor))].sort() };
}

export const AUDIT_CSV_HEADER = ['id', 'at', 'actor', 'action', 'kind', 'stage', 'subject', 'target', 'before', 'after', 'reason'] as const;

export function auditCsv(store: Store, filter: AuditFilter, projectName: string): { fileName: string; csv: string } {
  const { entries } = auditTrail(store, filter);
  const rows = entries.map((e) => [e.id, e.at, e.actor, e.action, e.kind, e.stage, e.subject, e.target, e.before, e.after, e.reason]);
  return { fileName: `dece-pilot-${fileSlug(projectName, `project-${filter.projectId}`)}-history.csv`, csv: toCsv(AUDIT_CSV_HEADER, rows) };
}

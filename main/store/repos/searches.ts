import { z } from 'zod';
import { immediate, requireId, requireText, rowId, type StoreContext } from '../context';
import { StoreNotFoundError, StoreStateError, StoreValidationError } from '../errors';
import { JsonObjectSchema, jsonColumn, parseRow, parseRows, toJsonObjectText } from '../json';
import type { JsonObject } from '../json';
import type { Run } from '../types';
import { writeAudit } from './audit';
import { touchProject } from './projects';
import { RunsRepo, type CreateRunInput } from './runs';

/**
 * DeCE hyperparameter searches and their trials. The trials' training happens in ordinary runs; this
 * repository records which point and rung each run stands for, and the search's own lifecycle:
 * running → finished | failed | cancelled, each change guarded and audited.
 */

export const SEARCH_STATUSES = ['running', 'finished', 'failed', 'cancelled'] as const;
export type SearchStatus = (typeof SEARCH_STATUSES)[number];
export const SEARCH_TRIAL_STATUSES = ['pending', 'queued', 'running', 'finished', 'failed', 'cancelled'] as const;
export type SearchTrialStatus = (typeof SEARCH_TRIAL_STATUSES)[number];

export interface SearchRecord {
  id: number;
  projectId: number;
  name: string;
  /** The search spec as given (validate with the contract's SearchSpecSchema where it is used). */
  spec: JsonObject;
  status: SearchStatus;
  referenceRunId: number | null;
  chosen: JsonObject | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface SearchTrialRecord {
  id: number;
  searchId: number;
  labelSmoothing: number;
  alphaBase: number;
  rung: number;
  epochs: number;
  runId: number | null;
  status: SearchTrialStatus;
  /** Validation metrics after the last epoch; null until finished (and for a NaN). */
  bleu: number | null;
  asr: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface SearchPointInput {
  labelSmoothing: number;
  alphaBase: number;
}

export interface CreateSearchInput {
  projectId: number;
  name: string;
  spec: Readonly<Record<string, unknown>>;
  /** The points of rung 0 and how many epochs each trains for. */
  points: readonly SearchPointInput[];
  epochs: number;
  actor: string;
}

export interface TrialUpdate {
  status: SearchTrialStatus;
  bleu?: number | null;
  asr?: number | null;
}

const SearchRowSchema = z
  .object({
    id: z.int(),
    project_id: z.int(),
    name: z.string(),
    spec: jsonColumn(JsonObjectSchema),
    status: z.enum(SEARCH_STATUSES),
    reference_run_id: z.int().nullable(),
    chosen: jsonColumn(JsonObjectSchema).nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .transform(
    (r): SearchRecord => ({
      id: r.id,
      projectId: r.project_id,
      name: r.name,
      spec: r.spec,
      status: r.status,
      referenceRunId: r.reference_run_id,
      chosen: r.chosen,
      error: r.error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at,
    }),
  );

const TrialRowSchema = z
  .object({
    id: z.int(),
    search_id: z.int(),
    label_smoothing: z.number(),
    alpha_base: z.number(),
    rung: z.int(),
    epochs: z.int(),
    run_id: z.int().nullable(),
    status: z.enum(SEARCH_TRIAL_STATUSES),
    bleu: z.number().nullable(),
    asr: z.number().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .transform(
    (r): SearchTrialRecord => ({
      id: r.id,
      searchId: r.search_id,
      labelSmoothing: r.label_smoothing,
      alphaBase: r.alpha_base,
      rung: r.rung,
      epochs: r.epochs,
      runId: r.run_id,
      status: r.status,
      bleu: r.bleu,
      asr: r.asr,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }),
  );

const SearchIdRowSchema = z.object({ id: z.int() });

const SELECT_SEARCH = `SELECT id, project_id, name, spec, status, reference_run_id, chosen, error, created_at, updated_at, finished_at FROM searches`;
const SELECT_TRIAL = `SELECT id, search_id, label_smoothing, alpha_base, rung, epochs, run_id, status, bleu, asr, created_at, updated_at FROM search_trials`;
const TRIAL_ORDER = 'ORDER BY rung, label_smoothing, alpha_base';

const PointSchema = z.object({ labelSmoothing: z.number().min(0).lt(1), alphaBase: z.number().gt(0).max(1) });

function requirePoints(points: readonly SearchPointInput[], epochs: number): void {
  if (!Number.isInteger(epochs) || epochs < 1) throw new StoreValidationError(`trial epochs must be a positive integer, got ${epochs}`);
  const parsed = z.array(PointSchema).min(1).safeParse(points);
  if (!parsed.success) throw new StoreValidationError(`Invalid search points: ${z.prettifyError(parsed.error)}`);
}

/** SQLite stores NaN as NULL anyway; saying so here keeps "unknown" and "diverged" from looking different by accident. */
const finiteOrNull = (value: number | null | undefined): number | null => (value == null || !Number.isFinite(value) ? null : value);

function requireSearch(ctx: StoreContext, id: number): SearchRecord {
  const row = ctx.stmt(`${SELECT_SEARCH} WHERE id = ?`).get(requireId(id, 'searchId'));
  if (row === undefined) throw new StoreNotFoundError('Search', id);
  return parseRow(SearchRowSchema, row, `searches id=${id}`);
}

function requireTrial(ctx: StoreContext, id: number): SearchTrialRecord {
  const row = ctx.stmt(`${SELECT_TRIAL} WHERE id = ?`).get(requireId(id, 'trialId'));
  if (row === undefined) throw new StoreNotFoundError('Search trial', id);
  return parseRow(TrialRowSchema, row, `search_trials id=${id}`);
}

export class SearchesRepo {
  private readonly runs: RunsRepo;

  constructor(private readonly ctx: StoreContext) {
    // Same connection: a trial's run is created inside the transaction that links it (nested as a savepoint).
    this.runs = new RunsRepo(ctx);
  }

  /** A running search with its rung-0 trials (pending until launched), and the 'search.start' audit entry. */
  create(input: CreateSearchInput): SearchRecord {
    const { ctx } = this;
    const name = requireText(input.name, 'search name', 200);
    const spec = toJsonObjectText(input.spec, 'search spec');
    requirePoints(input.points, input.epochs);
    return immediate(ctx.db, () => {
      const now = ctx.now();
      const id = rowId(
        ctx
          .stmt(`INSERT INTO searches (project_id, name, spec, status, created_at, updated_at) VALUES (?, ?, ?, 'running', ?, ?)`)
          .run(input.projectId, name, spec, now, now),
      );
      this.insertTrials(id, 0, input.epochs, input.points);
      touchProject(ctx, input.projectId);
      writeAudit(ctx, {
        actor: input.actor,
        action: 'search.start',
        subject: `search:${id}`,
        projectId: input.projectId,
        detail: { name, spec: JSON.parse(spec) as JsonObject, points: input.points.length },
      });
      return requireSearch(ctx, id);
    });
  }

  get(id: number): SearchRecord | undefined {
    const row = this.ctx.stmt(`${SELECT_SEARCH} WHERE id = ?`).get(id);
    return row === undefined ? undefined : parseRow(SearchRowSchema, row, `searches id=${id}`);
  }

  /** A project's searches, oldest first. */
  list(projectId: number): SearchRecord[] {
    return parseRows(SearchRowSchema, this.ctx.stmt(`${SELECT_SEARCH} WHERE project_id = ? ORDER BY id`).all(projectId), 'searches');
  }

  /** Searches of every project still running (after a restart: to continue). */
  listRunning(): SearchRecord[] {
    return parseRows(SearchRowSchema, this.ctx.stmt(`${SELECT_SEARCH} WHERE status = 'running' ORDER BY id`).all(), 'searches');
  }

  /** Ids of the running searches that train `runId`, as their CE reference or as a trial (normally at most one). */
  runningSearchIdsOfRun(runId: number): number[] {
    const rows = this.ctx
      .stmt(
        `SELECT id FROM searches WHERE status = 'running' AND (reference_run_id = ? OR id IN (SELECT search_id FROM search_trials WHERE run_id = ?)) ORDER BY id`,
      )
      .all(runId, runId);
    return parseRows(SearchIdRowSchema, rows, 'searches').map((r) => r.id);
  }

  /** By rung, then ε, then α base. */
  trials(searchId: number): SearchTrialRecord[] {
    return parseRows(TrialRowSchema, this.ctx.stmt(`${SELECT_TRIAL} WHERE search_id = ? ${TRIAL_ORDER}`).all(searchId), 'search_trials');
  }

  /**
   * Adds the trials of a later successive-halving rung. Idempotent: returns [] when the search already has
   * that rung (two processes reconciling the same search) or is no longer running.
   */
  addRung(searchId: number, rung: number, epochs: number, points: readonly SearchPointInput[]): SearchTrialRecord[] {
    const { ctx } = this;
    requirePoints(points, epochs);
    if (!Number.isInteger(rung) || rung < 1) throw new StoreValidationError(`a later rung is numbered from 1, got ${rung}`);
    return immediate(ctx.db, () => {
      const search = requireSearch(ctx, searchId);
      if (search.status !== 'running') return [];
      if (ctx.stmt('SELECT 1 FROM search_trials WHERE search_id = ? AND rung = ?').get(searchId, rung) !== undefined) return [];
      this.insertTrials(searchId, rung, epochs, points);
      this.touch(searchId);
      return parseRows(TrialRowSchema, ctx.stmt(`${SELECT_TRIAL} WHERE search_id = ? AND rung = ? ${TRIAL_ORDER}`).all(searchId, rung), 'search_trials');
    });
  }

  /**
   * Creates the run of a pending trial and links it, in one transaction, so a crash never leaves a run
   * that no trial knows. Returns null when the trial was launched meanwhile or the search stopped.
   */
  launchTrial(trialId: number, run: CreateRunInput): Run | null {
    const { ctx } = this;
    return immediate(ctx.db, () => {
      const trial = requireTrial(ctx, trialId);
      if (trial.status !== 'pending' || requireSearch(ctx, trial.searchId).status !== 'running') return null;
      const created = this.runs.create(run);
      ctx.stmt("UPDATE search_trials SET run_id = ?, status = 'queued', updated_at = ? WHERE id = ?").run(created.id, ctx.now(), trialId);
      this.touch(trial.searchId);
      return created;
    });
  }

  /** The CE reference's run, created and linked at once; null when the search has one already or stopped. */
  launchReference(searchId: number, run: CreateRunInput): Run | null {
    const { ctx } = this;
    return immediate(ctx.db, () => {
      const search = requireSearch(ctx, searchId);
      if (search.status !== 'running' || search.referenceRunId !== null) return null;
      const created = this.runs.create(run);
      ctx.stmt('UPDATE searches SET reference_run_id = ?, updated_at = ? WHERE id = ?').run(created.id, ctx.now(), searchId);
      return created;
    });
  }

  /** Mirrors a trial's run (status, and the validation metrics once finished). Writes only on a change. */
  updateTrial(trialId: number, update: TrialUpdate): SearchTrialRecord {
    const { ctx } = this;
    const status = z.enum(SEARCH_TRIAL_STATUSES).safeParse(update.status);
    if (!status.success || status.data === 'pending') throw new StoreValidationError(`A launched trial cannot be '${update.status}'`);
    const finished = status.data === 'finished';
    const bleu = finished ? finiteOrNull(update.bleu) : null;
    const asr = finished ? finiteOrNull(update.asr) : null;
    return immediate(ctx.db, () => {
      const before = requireTrial(ctx, trialId);
      if (before.status === status.data && before.bleu === bleu && before.asr === asr) return before;
      if (before.runId === null) throw new StoreStateError(`Search trial ${trialId} has no run to follow`);
      ctx.stmt('UPDATE search_trials SET status = ?, bleu = ?, asr = ?, updated_at = ? WHERE id = ?').run(status.data, bleu, asr, ctx.now(), trialId);
      this.touch(before.searchId);
      return requireTrial(ctx, trialId);
    });
  }

  /** running → finished, with the chosen point (null: no point kept the BLEU constraint). */
  finish(searchId: number, chosen: SearchPointInput | null, explanation: string): SearchRecord {
    const chosenText = chosen === null ? null : toJsonObjectText({ labelSmoothing: chosen.labelSmoothing, alphaBase: chosen.alphaBase }, 'chosen point');
    return this.settle(searchId, 'finished', 'search.finish', 'system', { chosen: chosenText, error: null }, { chosen: chosen === null ? null : { labelSmoothing: chosen.labelSmoothing, alphaBase: chosen.alphaBase }, explanation });
  }

  /** running → failed, with the reason in words. */
  fail(searchId: number, reason: string): SearchRecord {
    const error = requireText(reason, 'failure reason');
    return this.settle(searchId, 'failed', 'search.fail', 'system', { chosen: null, error }, { error });
  }

  /** running → cancelled by a person; trials never launched are cancelled with it. */
  cancel(searchId: number, actor: string): SearchRecord {
    return this.settle(searchId, 'cancelled', 'search.cancel', actor, { chosen: null, error: null }, {});
  }

  private settle(
    searchId: number,
    to: Exclude<SearchStatus, 'running'>,
    action: string,
    actor: string,
    columns: { chosen: string | null; error: string | null },
    detail: Record<string, unknown>,
  ): SearchRecord {
    const { ctx } = this;
    return immediate(ctx.db, () => {
      const before = requireSearch(ctx, searchId);
      if (before.status !== 'running') throw new StoreStateError(`Search ${searchId} is ${before.status}; only a running search can become ${to}`);
      const now = ctx.now();
      ctx
        .stmt('UPDATE searches SET status = ?, chosen = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ?')
        .run(to, columns.chosen, columns.error, now, now, searchId);
      ctx.stmt("UPDATE search_trials SET status = 'cancelled', updated_at = ? WHERE search_id = ? AND status = 'pending'").run(now, searchId);
      touchProject(ctx, before.projectId);
      writeAudit(ctx, { actor, action, subject: `search:${searchId}`, projectId: before.projectId, detail: { from: before.status, ...detail } });
      return requireSearch(ctx, searchId);
    });
  }

  private insertTrials(searchId: number, rung: number, epochs: number, points: readonly SearchPointInput[]): void {
    const now = this.ctx.now();
    const insert = this.ctx.stmt(
      `INSERT INTO search_trials (search_id, label_smoothing, alpha_base, rung, epochs, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
    );
    for (const p of points) insert.run(searchId, p.labelSmoothing, p.alphaBase, rung, epochs, now, now);
  }

  private touch(searchId: number): void {
    this.ctx.stmt('UPDATE searches SET updated_at = ? WHERE id = ?').run(this.ctx.now(), searchId);
  }
}

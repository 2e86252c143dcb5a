import { z } from 'zod';
import { MessageSchema } from '../../../common/messages';
import { immediate, nullable, requireId, requireText, rowId, type StoreContext } from '../context';
import { StoreNotFoundError, StoreStateError, StoreValidationError } from '../errors';
import { JsonObjectSchema, jsonColumn, parseRow, parseRows, toJsonObjectText } from '../json';
import { RUN_STATUSES, RunErrorSchema, STAGES, type Run, type RunError, type RunStatus, type StageName } from '../types';
import { writeAudit } from './audit';
import { requireDataset } from './datasets';
import { touchProject } from './projects';
import { requireStage } from './stages';

const RunRowSchema = z
  .object({
    id: z.int(),
    project_id: z.int(),
    stage: z.enum(STAGES),
    name: z.string(),
    config: jsonColumn(JsonObjectSchema),
    loss_kind: z.string(),
    backend: z.string(),
    status: z.enum(RUN_STATUSES),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    error: jsonColumn(RunErrorSchema).nullable(),
    dataset_id: z.int().nullable(),
    last_completed_epoch: z.int(),
    tags: jsonColumn(z.array(z.string())),
  })
  .transform(
    (r): Run => ({
      id: r.id,
      projectId: r.project_id,
      stage: r.stage,
      name: r.name,
      config: r.config,
      lossKind: r.loss_kind,
      backend: r.backend,
      status: r.status,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      error: r.error,
      datasetId: r.dataset_id,
      lastCompletedEpoch: r.last_completed_epoch,
      tags: r.tags.sort(),
    }),
  );

const SELECT_RUN = `SELECT r.id, r.project_id, r.stage, r.name, r.config, r.loss_kind, r.backend, r.status, r.created_at,
  r.started_at, r.finished_at, r.error, r.dataset_id, r.last_completed_epoch,
  (SELECT json_group_array(t.tag) FROM run_tags t WHERE t.run_id = r.id) AS tags
  FROM runs r`;

const MAX_TAGS = 32;
const TagSchema = z.string().trim().min(1).max(64);

function normaliseTags(tags: readonly string[]): string[] {
  const parsed = z.array(TagSchema).max(MAX_TAGS).safeParse(tags);
  if (!parsed.success) throw new StoreValidationError(`Invalid run tags: ${z.prettifyError(parsed.error)}`);
  return [...new Set(parsed.data)].sort();
}

/** JSON.stringify returns undefined (despite its declared type) for undefined, functions and symbols. */
function jsonOrUndefined(value: unknown): string | undefined {
  return JSON.stringify(value);
}

/** Keeps what a person needs to diagnose a failure, and nothing (like circular causes) that would break JSON. */
export function serializeRunError(error: unknown): RunError {
  if (error instanceof Error) {
    const i18n = MessageSchema.safeParse((error as Error & { i18n?: unknown }).i18n);
    return { name: error.name, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }), ...(i18n.success ? { i18n: i18n.data } : {}) };
  }
  let message: string;
  try {
    message = typeof error === 'string' ? error : (jsonOrUndefined(error) ?? String(error));
  } catch {
    message = String(error);
  }
  return { name: 'Error', message };
}

export function getRun(ctx: StoreContext, id: number): Run | undefined {
  const row = ctx.stmt(`${SELECT_RUN} WHERE r.id = ?`).get(id);
  return row === undefined ? undefined : parseRow(RunRowSchema, row, `runs id=${id}`);
}

export function requireRun(ctx: StoreContext, id: number): Run {
  const run = getRun(ctx, requireId(id, 'runId'));
  if (run === undefined) throw new StoreNotFoundError('Run', id);
  return run;
}

export interface CreateRunInput {
  projectId: number;
  stage: StageName;
  name: string;
  /** The full run config (a RunConfig); stored verbatim as JSON. */
  config: Readonly<Record<string, unknown>>;
  lossKind: string;
  /** Requested backend; markRunning can replace it with the one actually used. */
  backend: string;
  datasetId?: number | null;
  tags?: readonly string[];
  /** A run of the same project this one follows: it stops at the epoch where the leader stopped. */
  leaderRunId?: number | null;
  actor?: string;
}

export interface RunListOptions {
  projectId: number;
  stage?: StageName;
  status?: RunStatus;
  tag?: string;
}

interface ActorOption {
  actor?: string;
}

export interface RunVersions {
  app: string;
  engine: string;
  tfjs: string;
  backend: string;
}

const RunVersionsRowSchema = z.object({ app_version: z.string(), engine_version: z.string(), tfjs_version: z.string(), backend: z.string() });

export class RunsRepo {
  constructor(private readonly ctx: StoreContext) {}

  /** Queues a run. Refused in a locked stage: a stage's runs only count once its predecessor passed. */
  create(input: CreateRunInput): Run {
    const { ctx } = this;
    const name = requireText(input.name, 'run name', 200);
    const lossKind = requireText(input.lossKind, 'loss kind', 64);
    const backend = requireText(input.backend, 'backend', 64);
    const config = toJsonObjectText(input.config, 'run config');
    const tags = normaliseTags(input.tags ?? []);
    return immediate(ctx.db, () => {
      const stage = requireStage(ctx, input.projectId, input.stage);
      if (stage.status === 'locked') {
        throw new StoreStateError(`Stage ${input.stage} of project ${input.projectId} is locked; pass the previous stage first`);
      }
      const datasetId = nullable(input.datasetId);
      if (datasetId !== null) {
        const dataset = requireDataset(ctx, datasetId);
        if (dataset.projectId !== null && dataset.projectId !== input.projectId) {
          throw new StoreValidationError(`Dataset ${datasetId} belongs to another project`);
        }
      }
      const id = rowId(
        ctx
          .stmt(
            `INSERT INTO runs (project_id, stage, name, config, loss_kind, backend, status, created_at, dataset_id)
             VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
          )
          .run(input.projectId, input.stage, name, config, lossKind, backend, ctx.now(), datasetId),
      );
      const insertTag = ctx.stmt('INSERT INTO run_tags (run_id, tag) VALUES (?, ?)');
      for (const tag of tags) insertTag.run(id, tag);
      const leaderRunId = nullable(input.leaderRunId);
      if (leaderRunId !== null) {
        const leader = requireRun(ctx, requireId(leaderRunId, 'leaderRunId'));
        if (leader.projectId !== input.projectId) throw new StoreValidationError(`Run ${leaderRunId} belongs to another project`);
        ctx.stmt('INSERT INTO run_leaders (run_id, leader_run_id) VALUES (?, ?)').run(id, leaderRunId);
      }
      touchProject(ctx, input.projectId);
      writeAudit(ctx, {
        actor: input.actor ?? 'system',
        action: 'run.create',
        subject: `run:${id}`,
        projectId: input.projectId,
        detail: { stage: input.stage, name, lossKind, backend, datasetId, ...(input.leaderRunId == null ? {} : { leaderRunId: input.leaderRunId }) },
      });
      return requireRun(ctx, id);
    });
  }

  /** Records what software a run is trained with (a resumed run records again; the latest start wins). */
  /** The run this one follows (its stop epoch), or null. */
  leaderOf(id: number): number | null {
    const leader: unknown = this.ctx.stmt('SELECT leader_run_id FROM run_leaders WHERE run_id = ?').pluck().get(requireId(id, 'runId'));
    return typeof leader === 'number' ? leader : null;
  }

  recordVersions(id: number, versions: RunVersions): RunVersions {
    const { ctx } = this;
    const row = {
      id: requireId(id, 'runId'),
      app: requireText(versions.app, 'app version', 64),
      engine: requireText(versions.engine, 'engine version', 64),
      tfjs: requireText(versions.tfjs, 'TensorFlow.js version', 64),
      backend: requireText(versions.backend, 'backend', 64),
      now: ctx.now(),
    };
    ctx
      .stmt(
        `INSERT INTO run_versions (run_id, app_version, engine_version, tfjs_version, backend, recorded_at)
         VALUES (@id, @app, @engine, @tfjs, @backend, @now)
         ON CONFLICT (run_id) DO UPDATE SET app_version = @app, engine_version = @engine, tfjs_version = @tfjs, backend = @backend, recorded_at = @now`,
      )
      .run(row);
    return { app: row.app, engine: row.engine, tfjs: row.tfjs, backend: row.backend };
  }

  /** What software the run was last started with, or null for a run that never started (or predates the record). */
  versions(id: number): RunVersions | null {
    const row = this.ctx.stmt('SELECT app_version, engine_version, tfjs_version, backend FROM run_versions WHERE run_id = ?').get(id);
    if (row === undefined) return null;
    const parsed = RunVersionsRowSchema.parse(row);
    return { app: parsed.app_version, engine: parsed.engine_version, tfjs: parsed.tfjs_version, backend: parsed.backend };
  }

  get(id: number): Run | undefined {
    return getRun(this.ctx, id);
  }

  list(options: RunListOptions): Run[] {
    const rows = this.ctx
      .stmt(
        `${SELECT_RUN} WHERE r.project_id = @projectId
           AND (@stage IS NULL OR r.stage = @stage)
           AND (@status IS NULL OR r.status = @status)
           AND (@tag IS NULL OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = @tag))
         ORDER BY r.id`,
      )
      .all({
        projectId: options.projectId,
        stage: nullable(options.stage),
        status: nullable(options.status),
        tag: nullable(options.tag),
      });
    return parseRows(RunRowSchema, rows, 'runs');
  }

  /** Queued and running runs of every project: after a restart, "running" ones were interrupted. */
  listUnfinished(): Run[] {
    const rows = this.ctx.stmt(`${SELECT_RUN} WHERE r.status IN ('queued', 'running') ORDER BY r.id`).all();
    return parseRows(RunRowSchema, rows, 'runs');
  }

  /**
   * One guarded status change plus its audit entry. The WHERE on status makes a racing second
   * writer (say, cancel vs finish) a clear StoreStateError instead of a silent overwrite.
   */
  private transition(
    id: number,
    from: readonly RunStatus[],
    action: string,
    actor: string | undefined,
    /** A complete static UPDATE … WHERE id = @id; values arrive only through `params`. */
    update: { sql: string; params: Record<string, unknown> },
    detail: Record<string, unknown> = {},
  ): Run {
    const { ctx } = this;
    return immediate(ctx.db, () => {
      const before = requireRun(ctx, id);
      if (!from.includes(before.status)) {
        throw new StoreStateError(`Run ${id} is ${before.status}; ${action} needs it to be ${from.join(' or ')}`);
      }
      ctx.stmt(update.sql).run({ ...update.params, id, now: ctx.now() });
      touchProject(ctx, before.projectId);
      writeAudit(ctx, {
        actor: actor ?? 'system',
        action,
        subject: `run:${id}`,
        projectId: before.projectId,
        detail: { from: before.status, ...detail },
      });
      return requireRun(ctx, id);
    });
  }

  /** queued → running. Keeps the first start time when a requeued run resumes. */
  markRunning(id: number, options: ActorOption & { backend?: string } = {}): Run {
    const backend = options.backend === undefined ? null : requireText(options.backend, 'backend', 64);
    return this.transition(
      id,
      ['queued'],
      'run.start',
      options.actor,
      {
        sql: "UPDATE runs SET status = 'running', started_at = coalesce(started_at, @now), backend = coalesce(@backend, backend) WHERE id = @id",
        params: { backend },
      },
      { backend },
    );
  }

  /** running → finished. */
  markFinished(id: number, options: ActorOption = {}): Run {
    return this.transition(id, ['running'], 'run.finish', options.actor, {
      sql: "UPDATE runs SET status = 'finished', finished_at = @now WHERE id = @id",
      params: {},
    });
  }

  /** queued|running → failed, keeping {name, message, stack}. */
  markFailed(id: number, error: unknown, options: ActorOption = {}): Run {
    const serialized = serializeRunError(error);
    return this.transition(
      id,
      ['queued', 'running'],
      'run.fail',
      options.actor,
      {
        sql: "UPDATE runs SET status = 'failed', finished_at = @now, error = @error WHERE id = @id",
        params: { error: JSON.stringify(serialized) },
      },
      { error: { name: serialized.name, message: serialized.message } },
    );
  }

  /** queued|running → cancelled. */
  markCancelled(id: number, options: ActorOption & { reason?: string } = {}): Run {
    return this.transition(
      id,
      ['queued', 'running'],
      'run.cancel',
      options.actor,
      { sql: "UPDATE runs SET status = 'cancelled', finished_at = @now WHERE id = @id", params: {} },
      { reason: options.reason ?? null },
    );
  }

  /**
   * running|failed|cancelled → queued, to resume (after a restart) or retry. Metrics and
   * last_completed_epoch stay: the resumed run continues from last_completed_epoch + 1.
   */
  requeue(id: number, options: ActorOption = {}): Run {
    return this.transition(id, ['running', 'failed', 'cancelled'], 'run.requeue', options.actor, {
      sql: "UPDATE runs SET status = 'queued', finished_at = NULL, error = NULL WHERE id = @id",
      params: {},
    });
  }

  setTags(id: number, tags: readonly string[], options: ActorOption = {}): Run {
    const { ctx } = this;
    const next = normaliseTags(tags);
    return immediate(ctx.db, () => {
      const before = requireRun(ctx, id);
      ctx.stmt('DELETE FROM run_tags WHERE run_id = ?').run(id);
      const insertTag = ctx.stmt('INSERT INTO run_tags (run_id, tag) VALUES (?, ?)');
      for (const tag of next) insertTag.run(id, tag);
      writeAudit(ctx, {
        actor: options.actor ?? 'system',
        action: 'run.tags',
        subject: `run:${id}`,
        projectId: before.projectId,
        detail: { from: before.tags, to: next },
      });
      return requireRun(ctx, id);
    });
  }
}

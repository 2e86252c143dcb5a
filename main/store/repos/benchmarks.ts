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
 * Benchmark matrices and their cells. A cell's training happens in an ordinary run; this repository
 * records which scenario (dataset, attack, rate, arm, seed) each run stands for, passive-defense outcomes,
 * and the matrix's lifecycle: running ⇄ paused, running → finished (→ running again when resumed or
 * extended), every change a person makes audited.
 */

export const BENCHMARK_STATUSES = ['running', 'paused', 'finished'] as const;
export type BenchmarkStatus = (typeof BENCHMARK_STATUSES)[number];
export const BENCHMARK_CELL_STATUSES = ['pending', 'queued', 'running', 'finished', 'failed', 'cancelled'] as const;
export type BenchmarkCellStatus = (typeof BENCHMARK_CELL_STATUSES)[number];

export interface BenchmarkRecord {
  id: number;
  projectId: number;
  name: string;
  /** The matrix spec as given (validate with the contract's BenchmarkSpecSchema where it is used). */
  spec: JsonObject;
  status: BenchmarkStatus;
  codeVersion: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface BenchmarkCellInput {
  key: string;
  dataset: string;
  attack: string;
  rate: number;
  arm: string;
  seed: number;
}

export interface BenchmarkCellRecord extends BenchmarkCellInput {
  id: number;
  benchmarkId: number;
  status: BenchmarkCellStatus;
  runId: number | null;
  reused: boolean;
  /** A passive defense's outcome once finished. */
  result: JsonObject | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreateBenchmarkInput {
  projectId: number;
  name: string;
  spec: Readonly<Record<string, unknown>>;
  codeVersion: string;
  cells: readonly BenchmarkCellInput[];
  actor: string;
}

export interface CellUpdate {
  status: BenchmarkCellStatus;
  /** Required for 'failed'; cleared otherwise. */
  error?: string | null;
  /** Only kept for 'finished'. */
  result?: Readonly<Record<string, unknown>> | null;
  /** Omitted: unchanged. */
  runId?: number | null;
  reused?: boolean;
}

const BenchmarkRowSchema = z
  .object({
    id: z.int(),
    project_id: z.int(),
    name: z.string(),
    spec: jsonColumn(JsonObjectSchema),
    status: z.enum(BENCHMARK_STATUSES),
    code_version: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .transform(
    (r): BenchmarkRecord => ({
      id: r.id,
      projectId: r.project_id,
      name: r.name,
      spec: r.spec,
      status: r.status,
      codeVersion: r.code_version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at,
    }),
  );

const CellRowSchema = z
  .object({
    id: z.int(),
    benchmark_id: z.int(),
    cell_key: z.string(),
    dataset: z.string(),
    attack: z.string(),
    rate: z.number(),
    arm: z.string(),
    seed: z.int(),
    status: z.enum(BENCHMARK_CELL_STATUSES),
    run_id: z.int().nullable(),
    reused: z.int(),
    result: jsonColumn(JsonObjectSchema).nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .transform(
    (r): BenchmarkCellRecord => ({
      id: r.id,
      benchmarkId: r.benchmark_id,
      key: r.cell_key,
      dataset: r.dataset,
      attack: r.attack,
      rate: r.rate,
      arm: r.arm,
      seed: r.seed,
      status: r.status,
      runId: r.run_id,
      reused: r.reused === 1,
      result: r.result,
      error: r.error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }),
  );

const SELECT_BENCHMARK = 'SELECT id, project_id, name, spec, status, code_version, created_at, updated_at, finished_at FROM benchmarks';
const SELECT_CELL = `SELECT id, benchmark_id, cell_key, dataset, attack, rate, arm, seed, status, run_id, reused, result, error, created_at, updated_at
  FROM benchmark_cells`;

const CellInputSchema = z.object({
  key: z.string().trim().min(1).max(300),
  dataset: z.string().trim().min(1).max(100),
  attack: z.string().trim().min(1).max(64),
  rate: z.number().min(0).max(1),
  arm: z.string().regex(/^[a-z][a-z+-]{0,31}$/, 'expected a lowercase arm name'),
  seed: z.int().min(0),
});

function requireCells(cells: readonly BenchmarkCellInput[]): BenchmarkCellInput[] {
  const parsed = z.array(CellInputSchema).safeParse(cells);
  if (!parsed.success) throw new StoreValidationError(`Invalid benchmark cells: ${z.prettifyError(parsed.error)}`);
  const keys = new Set(parsed.data.map((c) => c.key));
  if (keys.size !== parsed.data.length) throw new StoreValidationError('Benchmark cell keys must be distinct');
  return parsed.data;
}

function requireBenchmark(ctx: StoreContext, id: number): BenchmarkRecord {
  const row = ctx.stmt(`${SELECT_BENCHMARK} WHERE id = ?`).get(requireId(id, 'benchmarkId'));
  if (row === undefined) throw new StoreNotFoundError('Benchmark', id);
  return parseRow(BenchmarkRowSchema, row, `benchmarks id=${id}`);
}

function requireCell(ctx: StoreContext, id: number): BenchmarkCellRecord {
  const row = ctx.stmt(`${SELECT_CELL} WHERE id = ?`).get(requireId(id, 'cellId'));
  if (row === undefined) throw new StoreNotFoundError('Benchmark cell', id);
  return parseRow(CellRowSchema, row, `benchmark_cells id=${id}`);
}

export class BenchmarksRepo {
  private readonly runs: RunsRepo;

  constructor(private readonly ctx: StoreContext) {
    // Same connection: a cell's run is created inside the transaction that links it (nested as a savepoint).
    this.runs = new RunsRepo(ctx);
  }

  /** A running matrix with every cell pending, and the 'benchmark.start' audit entry. */
  create(input: CreateBenchmarkInput): BenchmarkRecord {
    const { ctx } = this;
    const name = requireText(input.name, 'benchmark name', 200);
    const codeVersion = requireText(input.codeVersion, 'code version', 64);
    const spec = toJsonObjectText(input.spec, 'benchmark spec');
    const cells = requireCells(input.cells);
    return immediate(ctx.db, () => {
      const now = ctx.now();
      const id = rowId(
        ctx
          .stmt(`INSERT INTO benchmarks (project_id, name, spec, status, code_version, created_at, updated_at) VALUES (?, ?, ?, 'running', ?, ?, ?)`)
          .run(input.projectId, name, spec, codeVersion, now, now),
      );
      this.insertCells(id, cells);
      touchProject(ctx, input.projectId);
      writeAudit(ctx, {
        actor: input.actor,
        action: 'benchmark.start',
        subject: `benchmark:${id}`,
        projectId: input.projectId,
        detail: { name, spec: JSON.parse(spec) as JsonObject, cells: cells.length, codeVersion },
      });
      return requireBenchmark(ctx, id);
    });
  }

  get(id: number): BenchmarkRecord | undefined {
    const row = this.ctx.stmt(`${SELECT_BENCHMARK} WHERE id = ?`).get(id);
    return row === undefined ? undefined : parseRow(BenchmarkRowSchema, row, `benchmarks id=${id}`);
  }

  /** A project's matrices, oldest first. */
  list(projectId: number): BenchmarkRecord[] {
    return parseRows(BenchmarkRowSchema, this.ctx.stmt(`${SELECT_BENCHMARK} WHERE project_id = ? ORDER BY id`).all(projectId), 'benchmarks');
  }

  /** Matrices of every project still running (after a restart: to continue). */
  listRunning(): BenchmarkRecord[] {
    return parseRows(BenchmarkRowSchema, this.ctx.stmt(`${SELECT_BENCHMARK} WHERE status = 'running' ORDER BY id`).all(), 'benchmarks');
  }

  /** In the order they were added. */
  cells(benchmarkId: number): BenchmarkCellRecord[] {
    return parseRows(CellRowSchema, this.ctx.stmt(`${SELECT_CELL} WHERE benchmark_id = ? ORDER BY id`).all(benchmarkId), 'benchmark_cells');
  }

  /** Every cell (of any matrix) that follows this run. */
  cellsOfRun(runId: number): BenchmarkCellRecord[] {
    return parseRows(CellRowSchema, this.ctx.stmt(`${SELECT_CELL} WHERE run_id = ? ORDER BY id`).all(runId), 'benchmark_cells');
  }

  /** A finished outcome of the same passive defense on the same run, from any matrix (to reuse it). */
  findDefenseResult(runId: number, arm: string): BenchmarkCellRecord | undefined {
    const row = this.ctx.stmt(`${SELECT_CELL} WHERE run_id = ? AND arm = ? AND status = 'finished' AND result IS NOT NULL ORDER BY id LIMIT 1`).get(runId, arm);
    return row === undefined ? undefined : parseRow(CellRowSchema, row, 'benchmark_cells');
  }

  /**
   * Creates the run of a pending cell and links it, in one transaction, so a crash never leaves a run that
   * no cell knows. Returns null when the cell was launched meanwhile or the matrix is not running.
   */
  launchCell(cellId: number, run: CreateRunInput): Run | null {
    const { ctx } = this;
    return immediate(ctx.db, () => {
      const cell = requireCell(ctx, cellId);
      if (cell.status !== 'pending' || requireBenchmark(ctx, cell.benchmarkId).status !== 'running') return null;
      const created = this.runs.create(run);
      ctx
        .stmt("UPDATE benchmark_cells SET run_id = ?, reused = 0, status = 'queued', error = NULL, result = NULL, updated_at = ? WHERE id = ?")
        .run(created.id, ctx.now(), cellId);
      this.touch(cell.benchmarkId);
      return created;
    });
  }

  /** Mirrors what happened to a cell. Writes only on a change; returns the cell as stored. */
  updateCell(cellId: number, update: CellUpdate): BenchmarkCellRecord {
    const { ctx } = this;
    const status = z.enum(BENCHMARK_CELL_STATUSES).safeParse(update.status);
    if (!status.success) throw new StoreValidationError(`Unknown cell status '${update.status}'`);
    const error = status.data === 'failed' ? requireText(update.error ?? '', 'cell error') : null;
    const given = update.result == null ? null : toJsonObjectText(update.result, 'cell result');
    return immediate(ctx.db, () => {
      const before = requireCell(ctx, cellId);
      const runId = update.runId === undefined ? before.runId : update.runId;
      const reused = update.reused ?? before.reused;
      // A finished cell keeps its outcome unless a new one is given; any other status has none.
      const kept = update.result === undefined && before.result !== null ? JSON.stringify(before.result) : null;
      const result = status.data === 'finished' ? (given ?? kept) : null;
      const unchanged =
        before.status === status.data &&
        before.error === error &&
        before.runId === runId &&
        before.reused === reused &&
        (before.result === null ? null : JSON.stringify(before.result)) === result;
      if (unchanged) return before;
      if (runId !== null && this.runs.get(runId) === undefined) throw new StoreNotFoundError('Run', runId);
      ctx
        .stmt('UPDATE benchmark_cells SET status = ?, error = ?, result = ?, run_id = ?, reused = ?, updated_at = ? WHERE id = ?')
        .run(status.data, error, result, runId, reused ? 1 : 0, ctx.now(), cellId);
      this.touch(before.benchmarkId);
      return requireCell(ctx, cellId);
    });
  }

  /** running → paused by a person. */
  pause(benchmarkId: number, actor: string): BenchmarkRecord {
    return this.transition(benchmarkId, ['running'], 'paused', 'benchmark.pause', actor, {});
  }

  /** paused|finished → running by a person (a finished matrix retries its failed and cancelled cells). */
  resume(benchmarkId: number, actor: string): BenchmarkRecord {
    return this.transition(benchmarkId, ['paused', 'finished'], 'running', 'benchmark.resume', actor, {});
  }

  /** running → finished, once no cell is waiting or working. */
  finish(benchmarkId: number): BenchmarkRecord {
    return this.transition(benchmarkId, ['running'], 'finished', 'benchmark.finish', 'system', {});
  }

  /**
   * Adds the cells of new seeds (keys it already has are skipped), stores the widened spec, and sets the
   * matrix running so they get scheduled. Returns the cells added.
   */
  extend(benchmarkId: number, input: { spec: Readonly<Record<string, unknown>>; cells: readonly BenchmarkCellInput[]; actor: string; seeds: readonly number[] }): BenchmarkCellRecord[] {
    const { ctx } = this;
    const spec = toJsonObjectText(input.spec, 'benchmark spec');
    const cells = requireCells(input.cells);
    return immediate(ctx.db, () => {
      const before = requireBenchmark(ctx, benchmarkId);
      const existing = new Set(this.cells(benchmarkId).map((c) => c.key));
      const added = cells.filter((c) => !existing.has(c.key));
      this.insertCells(benchmarkId, added);
      const now = ctx.now();
      ctx.stmt("UPDATE benchmarks SET spec = ?, status = 'running', finished_at = NULL, updated_at = ? WHERE id = ?").run(spec, now, benchmarkId);
      touchProject(ctx, before.projectId);
      writeAudit(ctx, {
        actor: input.actor,
        action: 'benchmark.extend',
        subject: `benchmark:${benchmarkId}`,
        projectId: before.projectId,
        detail: { from: before.status, seeds: [...input.seeds], cellsAdded: added.length },
      });
      const addedKeys = new Set(added.map((c) => c.key));
      return this.cells(benchmarkId).filter((c) => addedKeys.has(c.key));
    });
  }

  private transition(
    benchmarkId: number,
    from: readonly BenchmarkStatus[],
    to: BenchmarkStatus,
    action: string,
    actor: string,
    detail: Record<string, unknown>,
  ): BenchmarkRecord {
    const { ctx } = this;
    return immediate(ctx.db, () => {
      const before = requireBenchmark(ctx, benchmarkId);
      if (!from.includes(before.status)) throw new StoreStateError(`Benchmark ${benchmarkId} is ${before.status}; it cannot become ${to}`);
      const now = ctx.now();
      ctx.stmt('UPDATE benchmarks SET status = ?, finished_at = ?, updated_at = ? WHERE id = ?').run(to, to === 'finished' ? now : null, now, benchmarkId);
      touchProject(ctx, before.projectId);
      writeAudit(ctx, { actor, action, subject: `benchmark:${benchmarkId}`, projectId: before.projectId, detail: { from: before.status, ...detail } });
      return requireBenchmark(ctx, benchmarkId);
    });
  }

  private insertCells(benchmarkId: number, cells: readonly BenchmarkCellInput[]): void {
    const now = this.ctx.now();
    const insert = this.ctx.stmt(
      `INSERT INTO benchmark_cells (benchmark_id, cell_key, dataset, attack, rate, arm, seed, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    );
    for (const c of cells) insert.run(benchmarkId, c.key, c.dataset, c.attack, c.rate, c.arm, c.seed, now, now);
  }

  private touch(benchmarkId: number): void {
    this.ctx.stmt('UPDATE benchmarks SET updated_at = ? WHERE id = ?').run(this.ctx.now(), benchmarkId);
  }
}

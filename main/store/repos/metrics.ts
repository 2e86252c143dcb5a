import { z } from 'zod';
import { immediate, requireId, type StoreContext } from '../context';
import { StoreStateError, StoreValidationError } from '../errors';
import { JsonObjectSchema, jsonColumn, parseRows, toJsonObjectText } from '../json';
import type { EpochRecord, StepRecord } from '../types';
import { requireRun } from './runs';

/** SQLite stores NaN as NULL; reading it back as NaN keeps "diverged" distinguishable from 0. */
const metric = z.number().nullable().transform((v) => v ?? Number.NaN);

const EpochRowSchema = z
  .object({
    run_id: z.int(),
    epoch: z.int(),
    train_loss: metric,
    bleu: metric,
    corpus_bleu: metric,
    exact_match: metric,
    asr: metric,
    seconds: z.number(),
    extra: jsonColumn(JsonObjectSchema),
  })
  .transform(
    (r): EpochRecord => ({
      runId: r.run_id,
      epoch: r.epoch,
      trainLoss: r.train_loss,
      bleu: r.bleu,
      corpusBleu: r.corpus_bleu,
      exactMatch: r.exact_match,
      asr: r.asr,
      seconds: r.seconds,
      extra: r.extra,
    }),
  );

/**
 * One finished epoch. Accepts the engine's EpochMetrics as is: fields beyond the named columns
 * (poisonedRowLoss, cleanRowLoss, …) are kept in `extra` rather than dropped.
 */
export interface EpochInput {
  epoch: number;
  trainLoss: number;
  bleu: number;
  corpusBleu: number;
  exactMatch: number;
  asr: number;
  seconds: number;
  extra?: Readonly<Record<string, unknown>>;
  [more: string]: unknown;
}

export interface StepInput {
  epoch: number;
  step: number;
  loss: number;
}

export interface RecordEpochResult {
  /** false: this epoch was already recorded (a replay after resume) and the first record was kept. */
  inserted: boolean;
  lastCompletedEpoch: number;
}

const COLUMNS = new Set(['epoch', 'trainLoss', 'bleu', 'corpusBleu', 'exactMatch', 'asr', 'seconds', 'extra']);

function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw new StoreValidationError(`epoch must be an integer >= 1 (got ${epoch})`);
}

function checkMetric(value: unknown, field: string): number {
  if (typeof value !== 'number') throw new StoreValidationError(`${field} must be a number`);
  return value;
}

const EPOCH_COLUMNS = 'run_id, epoch, train_loss, bleu, corpus_bleu, exact_match, asr, seconds, extra';

export class MetricsRepo {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Records an epoch and advances runs.last_completed_epoch in the same transaction, so after a
   * crash the two always agree and resuming from last_completed_epoch + 1 never repeats or skips.
   * Recording an epoch twice keeps the first record (idempotent); skipping ahead is refused.
   */
  recordEpoch(runId: number, metrics: EpochInput): RecordEpochResult {
    const { ctx } = this;
    checkEpoch(metrics.epoch);
    const seconds = checkMetric(metrics.seconds, 'seconds');
    if (!Number.isFinite(seconds) || seconds < 0) throw new StoreValidationError('seconds must be a finite number >= 0');
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(metrics)) if (!COLUMNS.has(key)) extra[key] = value;
    Object.assign(extra, metrics.extra);
    const row = {
      runId: requireId(runId, 'runId'),
      epoch: metrics.epoch,
      trainLoss: checkMetric(metrics.trainLoss, 'trainLoss'),
      bleu: checkMetric(metrics.bleu, 'bleu'),
      corpusBleu: checkMetric(metrics.corpusBleu, 'corpusBleu'),
      exactMatch: checkMetric(metrics.exactMatch, 'exactMatch'),
      asr: checkMetric(metrics.asr, 'asr'),
      seconds,
      extra: toJsonObjectText(extra, 'epoch extra'),
    };
    return immediate(ctx.db, () => {
      const run = requireRun(ctx, runId);
      if (metrics.epoch > run.lastCompletedEpoch + 1) {
        throw new StoreStateError(
          `Run ${runId} has completed epoch ${run.lastCompletedEpoch}; epoch ${metrics.epoch} cannot be recorded before epoch ${run.lastCompletedEpoch + 1}`,
        );
      }
      const { changes } = ctx
        .stmt(
          `INSERT INTO epoch_metrics (run_id, epoch, train_loss, bleu, corpus_bleu, exact_match, asr, seconds, extra)
           VALUES (@runId, @epoch, @trainLoss, @bleu, @corpusBleu, @exactMatch, @asr, @seconds, @extra)
           ON CONFLICT (run_id, epoch) DO NOTHING`,
        )
        .run(row);
      if (changes === 0) return { inserted: false, lastCompletedEpoch: run.lastCompletedEpoch };
      ctx
        .stmt('UPDATE runs SET last_completed_epoch = max(last_completed_epoch, @epoch) WHERE id = @runId')
        .run({ runId, epoch: metrics.epoch });
      return { inserted: true, lastCompletedEpoch: Math.max(run.lastCompletedEpoch, metrics.epoch) };
    });
  }

  /**
   * Stores a batch of per-step losses in one transaction. Steps already stored are skipped
   * (ON CONFLICT DO NOTHING, i.e. INSERT OR IGNORE limited to the key, so a bad row still
   * fails loudly instead of vanishing). Returns how many were new.
   */
  recordSteps(runId: number, steps: readonly StepInput[]): number {
    const { ctx } = this;
    for (const s of steps) {
      checkEpoch(s.epoch);
      if (!Number.isSafeInteger(s.step) || s.step < 0) throw new StoreValidationError(`step must be an integer >= 0 (got ${s.step})`);
      checkMetric(s.loss, 'loss');
    }
    if (steps.length === 0) return 0;
    return immediate(ctx.db, () => {
      requireRun(ctx, runId);
      const insert = ctx.stmt(
        `INSERT INTO step_metrics (run_id, epoch, step, loss) VALUES (?, ?, ?, ?)
         ON CONFLICT (run_id, epoch, step) DO NOTHING`,
      );
      let inserted = 0;
      for (const s of steps) inserted += insert.run(runId, s.epoch, s.step, s.loss).changes;
      return inserted;
    });
  }

  epochs(runId: number): EpochRecord[] {
    const rows = this.ctx
      .stmt(
        `SELECT ${EPOCH_COLUMNS} FROM epoch_metrics WHERE run_id = ? ORDER BY epoch`,
      )
      .all(runId);
    return parseRows(EpochRowSchema, rows, `epoch_metrics of run ${runId}`);
  }

  /** The newest epoch's row: one primary-key lookup, for tables and gates that only need the final numbers. */
  lastEpoch(runId: number): EpochRecord | undefined {
    const row = this.ctx
      .stmt(
        `SELECT ${EPOCH_COLUMNS} FROM epoch_metrics WHERE run_id = ? ORDER BY epoch DESC LIMIT 1`,
      )
      .get(runId);
    return row === undefined ? undefined : parseRows(EpochRowSchema, [row], `epoch_metrics of run ${runId}`)[0];
  }

  /** In (epoch, step) order; `sinceEpoch` lets a live chart fetch only what is new. */
  steps(runId: number, options: { sinceEpoch?: number } = {}): StepRecord[] {
    const rows = this.ctx
      .stmt('SELECT epoch, step, loss FROM step_metrics WHERE run_id = ? AND epoch >= ? ORDER BY epoch, step')
      .all(runId, options.sinceEpoch ?? 0) as { epoch: number; step: number; loss: number | null }[];
    // Not zod-parsed: this is the hot read (thousands of rows per chart refresh) and the columns are STRICT.
    return rows.map((r) => ({ epoch: r.epoch, step: r.step, loss: r.loss ?? Number.NaN }));
  }
}

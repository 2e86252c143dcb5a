import { z } from 'zod';
import { requireId, requireText, rowId, type StoreContext } from '../context';
import { StoreValidationError } from '../errors';
import { parseRows } from '../json';
import { requireRun } from './runs';

/** A passive defense's outcome on a CE run's model (see migration 0007). Metrics are percentages / BLEU 0–100. */
export interface DefenseResultInput {
  defense: string;
  asr: number;
  bleu: number;
  exactMatch: number;
  extraSeconds: number;
  detail: string;
}

export interface DefenseResult extends DefenseResultInput {
  id: number;
  /** The cross-entropy run whose model was defended. */
  runId: number;
  recordedAt: string;
}

const DefenseResultRowSchema = z
  .object({
    id: z.int(),
    run_id: z.int(),
    defense: z.string(),
    asr: z.number(),
    bleu: z.number(),
    exact_match: z.number(),
    extra_seconds: z.number(),
    detail: z.string(),
    recorded_at: z.string(),
  })
  .transform(
    (r): DefenseResult => ({
      id: r.id,
      runId: r.run_id,
      defense: r.defense,
      asr: r.asr,
      bleu: r.bleu,
      exactMatch: r.exact_match,
      extraSeconds: r.extra_seconds,
      detail: r.detail,
      recordedAt: r.recorded_at,
    }),
  );

const SELECT_RESULT = 'SELECT d.id, d.run_id, d.defense, d.asr, d.bleu, d.exact_match, d.extra_seconds, d.detail, d.recorded_at FROM defense_results d';

function checkShare(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 100) throw new StoreValidationError(`${field} must be a number from 0 to 100 (got ${value})`);
  return value;
}

export class DefenseResultsRepo {
  constructor(private readonly ctx: StoreContext) {}

  /** Stores one outcome against the finished run whose model it defended. */
  record(runId: number, input: DefenseResultInput): DefenseResult {
    const { ctx } = this;
    const id = requireId(runId, 'runId');
    const run = requireRun(ctx, id);
    if (run.status !== 'finished') throw new StoreValidationError(`Run ${id} is ${run.status}; a defense is measured on a finished run's model`);
    if (!Number.isFinite(input.extraSeconds) || input.extraSeconds < 0) throw new StoreValidationError(`extra seconds must be ≥ 0 (got ${input.extraSeconds})`);
    const row = {
      runId: id,
      defense: requireText(input.defense, 'defense', 32),
      asr: checkShare(input.asr, 'ASR'),
      bleu: checkShare(input.bleu, 'BLEU'),
      exactMatch: checkShare(input.exactMatch, 'exact match'),
      extraSeconds: input.extraSeconds,
      detail: input.detail.length <= 2000 ? input.detail : input.detail.slice(0, 2000),
      now: ctx.now(),
    };
    const newId = rowId(
      ctx
        .stmt(
          `INSERT INTO defense_results (run_id, defense, asr, bleu, exact_match, extra_seconds, detail, recorded_at)
           VALUES (@runId, @defense, @asr, @bleu, @exactMatch, @extraSeconds, @detail, @now)`,
        )
        .run(row),
    );
    return { id: newId, runId: id, defense: row.defense, asr: row.asr, bleu: row.bleu, exactMatch: row.exactMatch, extraSeconds: row.extraSeconds, detail: row.detail, recordedAt: row.now };
  }

  /** Every outcome on the project's runs, oldest first. */
  listForProject(projectId: number): DefenseResult[] {
    const rows = this.ctx.stmt(`${SELECT_RESULT} JOIN runs r ON r.id = d.run_id WHERE r.project_id = ? ORDER BY d.id`).all(requireId(projectId, 'projectId'));
    return parseRows(DefenseResultRowSchema, rows, 'defense_results');
  }
}

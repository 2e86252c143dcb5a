import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { EpochMetricsSchema, type EpochMetrics } from '../../common/run-config';
import { EPOCH_CHECKPOINT_NAME, readCheckpointHeader, type CheckpointHeader } from '../engine/checkpoint-format';
import { isAtomicWriteTemporary } from '../files/atomic-write';
import type { Store } from '../store/index';

/** What the engine's training keeps in a checkpoint's `meta`: the metrics of every epoch so far. */
const TrainingMetaSchema = z.object({ epochs: z.array(EpochMetricsSchema) });

/** The metrics of every epoch a checkpoint records, in order (none when its header records none). */
export function checkpointEpochs(header: CheckpointHeader): EpochMetrics[] {
  const parsed = TrainingMetaSchema.safeParse(header.meta);
  return parsed.success ? [...parsed.data.epochs].sort((a, b) => a.epoch - b.epoch) : [];
}

/**
 * Before resuming: the engine writes an epoch's checkpoint just before announcing the epoch, so a crash
 * in between leaves a checkpoint one epoch ahead of the store. Its header carries that epoch's metrics;
 * recording them first keeps the store gap-free when the resumed run reports the next epoch. If the
 * header cannot be used, the checkpoint is removed and the run retrains from the store's last epoch.
 */
export function recordCheckpointEpochs(store: Store, runId: number, runDir: string): void {
  if (!existsSync(runDir)) return;
  const files = readdirSync(runDir);
  // Half-written checkpoints of the crashed process are never resumed from; they only take space.
  for (const f of files) if (f.includes('.ckpt.') && isAtomicWriteTemporary(f)) rmSync(join(runDir, f), { force: true });
  const newest = files.filter((f) => EPOCH_CHECKPOINT_NAME.test(f)).sort().at(-1);
  if (newest === undefined) return;
  const path = join(runDir, newest);
  const run = store.runs.get(runId);
  if (!run) return;
  try {
    const header = readCheckpointHeader(path);
    if (header.epoch <= run.lastCompletedEpoch) return;
    const missing: EpochMetrics[] = TrainingMetaSchema.parse(header.meta).epochs.filter((e) => e.epoch > run.lastCompletedEpoch).sort((a, b) => a.epoch - b.epoch);
    for (const metrics of missing) store.metrics.recordEpoch(runId, metrics);
    if ((store.runs.get(runId)?.lastCompletedEpoch ?? 0) < header.epoch) throw new Error('checkpoint metrics incomplete');
  } catch {
    rmSync(path, { force: true });
  }
}


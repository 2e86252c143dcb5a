import { STOP_REASONS, type EpochMetrics } from '../../common/run-config';
import { followLeader, type StopDecision } from '../engine/stopping';
import type { Store } from '../store/index';

/**
 * The stop rule of a run that follows another (the Pilot's DeCE run after its cross-entropy run, started as a
 * pair from the app): after each of its epochs it stops if, and only if, the leader stopped at or before that
 * epoch. The answer is read from the store — the leader's per-epoch rows carry its stop and reason — so it holds
 * whether the leader trains beside it, trained before it (one worker), or ran before the app restarted.
 */

export interface LeaderStopOptions {
  /** The leader holds a worker slot now (training, or waiting for pre-trained weights): worth waiting for. */
  leaderActive: () => boolean;
  /** The following run is being stopped: stop waiting. */
  isStopping: () => boolean;
  pollMs?: number;
}

const STOP_REASON_SET: ReadonlySet<string> = new Set(STOP_REASONS);

function storedStop(extra: Readonly<Record<string, unknown>>): { reason: StopDecision['reason']; detail: string } | null {
  const stop = extra['stop'];
  if (typeof stop !== 'object' || stop === null) return null;
  const { reason, detail } = stop as Record<string, unknown>;
  if (typeof reason !== 'string' || !STOP_REASON_SET.has(reason) || typeof detail !== 'string') return null;
  return { reason: reason as StopDecision['reason'], detail };
}

/**
 * The leader's decision once it is final: the epoch where it stopped (with its reason), or its last epoch when it
 * ended without a stop. Null while it may still train on. A follower that starts after this is known carries it in
 * its config (training.followStop) and needs nobody to answer after its epochs — a remote worker can train it.
 */
export function settledLeaderStop(store: Store, leaderRunId: number): StopDecision | null {
  const leader = store.runs.get(leaderRunId);
  if (!leader) return null;
  const records = store.metrics.epochs(leaderRunId);
  for (const record of records) {
    const stop = storedStop(record.extra);
    if (stop) return { ...stop, epoch: record.epoch };
  }
  const ended = leader.status === 'finished' || leader.status === 'failed' || leader.status === 'cancelled';
  const last = records.at(-1)?.epoch ?? 0;
  return ended && last > 0 ? { reason: 'max-epochs', epoch: last, detail: `the cross-entropy run ended (${leader.status}) after epoch ${last}` } : null;
}

export function leaderStopRule(store: Store, leaderRunId: number, options: LeaderStopOptions): (epochs: readonly EpochMetrics[]) => Promise<StopDecision | null> {
  const pollMs = options.pollMs ?? 500;
  return async (epochs) => {
    const epoch = epochs.at(-1)?.epoch ?? 0;
    for (;;) {
      const settled = settledLeaderStop(store, leaderRunId);
      if (settled) return settled.epoch <= epoch ? followLeader(epoch, settled) : null;
      if (!store.runs.get(leaderRunId)) return null;
      // The leader trained past this epoch without stopping: so does the follower.
      if ((store.metrics.lastEpoch(leaderRunId)?.epoch ?? 0) >= epoch) return null;
      // A leader still waiting in the queue may be waiting for this very slot: train on rather than deadlock.
      if (!options.leaderActive() || options.isStopping()) return null;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };
}

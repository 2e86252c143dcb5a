import type { EpochMetrics, StoppingConfig } from '../../common/run-config';
import { type StopDecision, decideStop, followLeader, stoppingEvidence } from '../engine/stopping';

/**
 * Stopping for the Pilot's pair of runs trained side by side. The cross-entropy run leads: its validation
 * evidence (has the backdoor been learned? has anything stopped improving?) and the budgets decide after
 * each of its epochs. The DeCE run follows: it stops at the same epoch, so both are compared after the same
 * amount of training; when DeCE gets ahead it waits for CE's decision on that epoch.
 */
export class PairedStopping {
  private readonly leaderDecisions = new Map<number, StopDecision | null>();
  private readonly waiting = new Map<number, ((decision: StopDecision | null) => void)[]>();
  private leaderStopped: StopDecision | null = null;

  constructor(
    private readonly rule: StoppingConfig,
    private readonly maxEpochs: number,
    /** Seconds left in the experiment's time budget right now. */
    private readonly secondsLeft: () => number,
  ) {}

  /** The leading (CE) run's question after its newest epoch. */
  decideLeader(epochs: readonly EpochMetrics[]): Promise<StopDecision | null> {
    const last = epochs.at(-1);
    if (!last) return Promise.resolve(null);
    const points = stoppingEvidence(epochs, false);
    const decision = decideStop(points, epochs.length, this.rule, {
      maxEpochs: this.maxEpochs,
      secondsLeft: this.secondsLeft(),
      lastEpochSeconds: last.seconds,
    });
    this.record(last.epoch, decision);
    return Promise.resolve(decision);
  }

  /** The following (DeCE) run's question: answered once the leader has decided the same epoch. */
  decideFollower(epochs: readonly EpochMetrics[]): Promise<StopDecision | null> {
    const epoch = epochs.at(-1)?.epoch ?? 0;
    const known = this.leaderDecision(epoch);
    if (known !== undefined) return Promise.resolve(this.follow(epoch, known));
    return new Promise((resolve) => {
      const list = this.waiting.get(epoch) ?? [];
      list.push((decision) => {
        resolve(this.follow(epoch, decision));
      });
      this.waiting.set(epoch, list);
    });
  }

  /** The leader ended without deciding (finished its last epoch, failed or was cancelled): release the follower. */
  leaderEnded(lastEpoch: number): void {
    this.leaderStopped ??= { reason: 'max-epochs', epoch: lastEpoch, detail: `the cross-entropy run ended after epoch ${lastEpoch}` };
    for (const [epoch, resolvers] of this.waiting) {
      this.waiting.delete(epoch);
      for (const resolve of resolvers) resolve(this.leaderDecision(epoch) ?? null);
    }
  }

  private leaderDecision(epoch: number): StopDecision | null | undefined {
    if (this.leaderDecisions.has(epoch)) return this.leaderDecisions.get(epoch) ?? null;
    if (this.leaderStopped && epoch >= this.leaderStopped.epoch) return this.leaderStopped;
    return undefined;
  }

  private record(epoch: number, decision: StopDecision | null): void {
    this.leaderDecisions.set(epoch, decision);
    if (decision) this.leaderStopped ??= decision;
    for (const resolve of this.waiting.get(epoch) ?? []) resolve(decision);
    this.waiting.delete(epoch);
  }

  private follow(epoch: number, leader: StopDecision | null): StopDecision | null {
    return followLeader(epoch, leader);
  }
}

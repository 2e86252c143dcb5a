import { describe, expect, it } from 'vitest';
import type { EpochMetrics } from '../../common/run-config';
import { PILOT_STOPPING } from '../../common/presets';
import { PairedStopping } from '../../main/pilot/paired-stopping';

function epochs(asr: number[], bleu: number[]): EpochMetrics[] {
  return asr.map((a, i) => ({
    epoch: i + 1,
    bleu: 0,
    corpusBleu: 0,
    exactMatch: 0,
    asr: 0,
    trainLoss: 1,
    seconds: 1,
    poisonedRowLoss: null,
    cleanRowLoss: 1,
    validation: { asr: a, bleu: bleu[i] ?? 0, triggered: 10 },
  }));
}

describe('stopping the Pilot pair', () => {
  const rule = { ...PILOT_STOPPING, budgetSeconds: null };
  const ce = epochs([10, 60, 80, 82, 83], [40, 45, 47, 48, 49]);

  it('stops DeCE at the epoch where CE stopped, waiting when DeCE runs ahead', async () => {
    const pair = new PairedStopping(rule, 30, () => Number.POSITIVE_INFINITY);
    // DeCE finishes epoch 1 before CE: its answer waits for CE's.
    let answered = false;
    const deceFirst = pair.decideFollower(epochs([0], [40])).then((d) => {
      answered = true;
      return d;
    });
    await Promise.resolve();
    expect(answered).toBe(false);
    expect(await pair.decideLeader(ce.slice(0, 1))).toBeNull();
    expect(await deceFirst).toBeNull();
    const decisions = [];
    for (let n = 2; n <= 5; n++) decisions.push(await pair.decideLeader(ce.slice(0, n)));
    const stopEpoch = decisions.findIndex((d) => d !== null) + 2;
    expect(decisions[stopEpoch - 2]?.reason).toBe('backdoor-learned');
    for (let n = 2; n < stopEpoch; n++) expect(await pair.decideFollower(epochs(Array.from({ length: n }, () => 0), []))).toBeNull();
    const follower = await pair.decideFollower(epochs(Array.from({ length: stopEpoch }, () => 0), []));
    expect(follower).toMatchObject({ reason: 'paired-run-stopped', epoch: stopEpoch });
    expect(follower?.detail).toMatch(/cross-entropy run after epoch/);
  });

  it('releases a waiting DeCE run when CE ends without a decision (failure or its last epoch)', async () => {
    const pair = new PairedStopping(rule, 30, () => Number.POSITIVE_INFINITY);
    const waiting = pair.decideFollower(epochs([0, 0, 0], []));
    pair.leaderEnded(2);
    expect(await waiting).toMatchObject({ reason: 'paired-run-stopped', epoch: 3 });
  });
});

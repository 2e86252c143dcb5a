import { describe, expect, it } from 'vitest';
import type { EpochMetrics } from '../../common/run-config';
import { earlyStopEpoch } from '../../main/defenses/alternatives';

/** An epoch whose test-split metrics count their reads (the validation metrics are plain). */
function epoch(n: number, test: { bleu: number; asr: number }, validation: { bleu: number; asr: number } | undefined, reads: string[]): EpochMetrics {
  const e = { epoch: n, trainLoss: 1, seconds: 1, poisonedRowLoss: null, cleanRowLoss: 1, ...(validation ? { validation: { ...validation, triggered: 10 } } : {}) };
  for (const [key, value] of Object.entries({ ...test, corpusBleu: test.bleu, exactMatch: 0, codeBleu: null, triggered: 10 })) {
    Object.defineProperty(e, key, {
      enumerable: true,
      get: () => {
        reads.push(`${key}@${n}`);
        return value;
      },
    });
  }
  return e as EpochMetrics;
}

describe('CE with early stopping on validation', () => {
  it('chooses the epoch of best validation BLEU-4 without reading the test split', () => {
    const reads: string[] = [];
    // Test BLEU is best at epoch 3 and validation BLEU at epoch 2: the choice must follow validation.
    const epochs = [
      epoch(1, { bleu: 50, asr: 5 }, { bleu: 48, asr: 4 }, reads),
      epoch(2, { bleu: 60, asr: 30 }, { bleu: 63, asr: 25 }, reads),
      epoch(3, { bleu: 70, asr: 80 }, { bleu: 62, asr: 78 }, reads),
    ];
    const chosen = earlyStopEpoch(epochs);
    expect(reads).toEqual([]);
    expect(chosen.epoch).toBe(2);
    expect(chosen.asr).toBe(30);
    expect(reads).toEqual(['asr@2']);
  });

  it('refuses a run without validation metrics', () => {
    expect(() => earlyStopEpoch([epoch(1, { bleu: 50, asr: 5 }, undefined, [])])).toThrow(/needs validation metrics/);
  });
});

import { describe, expect, it } from 'vitest';
import { toEpochMetrics } from '../../main/domain/mappers';
import { openTestStore, queuedRun, tempDir, tinyConfig } from '../jobs/helpers';

describe('stored epochs', () => {
  it("give back ASR's denominator, the validation metrics and why training stopped, and nothing for older runs", () => {
    const store = openTestStore(tempDir('dece-epoch-extras-'));
    const { runId } = queuedRun(store, tinyConfig('ce'));
    const base = { trainLoss: 1.5, bleu: 40, corpusBleu: 38, exactMatch: 2, asr: 57, seconds: 12, poisonedRowLoss: 0.4, cleanRowLoss: 1.6 };
    store.metrics.recordEpoch(runId, { ...base, epoch: 1 });
    store.metrics.recordEpoch(runId, {
      ...base,
      epoch: 2,
      triggered: 165,
      validation: { bleu: 41, asr: 60, triggered: 49 },
      stop: { reason: 'backdoor-learned', detail: 'validation ASR rose to 60.0% and stopped rising' },
    });
    const [older, newer] = store.metrics.epochs(runId).map(toEpochMetrics);
    expect(older).not.toHaveProperty('triggered');
    expect(older).not.toHaveProperty('stop');
    expect(newer).toMatchObject({
      epoch: 2,
      asr: 57,
      triggered: 165,
      validation: { bleu: 41, asr: 60, triggered: 49 },
      stop: { reason: 'backdoor-learned', detail: 'validation ASR rose to 60.0% and stopped rising' },
    });
  });
});

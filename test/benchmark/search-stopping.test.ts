import { beforeAll, describe, expect, it } from 'vitest';
import type { SearchSpec } from '../../common/contract-benchmark';
import { MATRIX_STOPPING } from '../../main/benchmark/matrix';
import { referenceState, scoredTrials, trialOutcome } from '../../main/benchmark/search-detail';
import { searchRunConfig } from '../../main/benchmark/search-runner';
import { loadSource, prepareData } from '../../main/engine/experiment';
import { trainRun } from '../../main/engine/train';
import { selectBackend } from '../../main/engine/backend';
import type { CreateRunInput, Store } from '../../main/store/index';
import { open, tempDbFile } from '../store/helpers';
import { tinyRunConfig } from '../helpers/tiny-config';

/**
 * The search stops on evidence like the Pilot and the matrix: its CE reference decides, its trials follow it.
 * A trial that stopped with its reference before its rung's epochs is scored on the epoch it stopped at, against
 * CE after the same epochs. (The wiring of real runs — leader and configs — is asserted in search-service.test.ts.)
 */

const spec: SearchSpec = {
  name: 'stopping',
  size: 'tiny',
  dataset: { kind: 'builtin-sql' },
  attack: 'badpre',
  rate: 0.1,
  seed: 5,
  method: 'grid',
  grid: { labelSmoothing: [0.05], alphaBase: [0.9] },
  bleuTolerance: 1,
};

const epochRow = (epoch: number, bleu: number, asr: number) => ({ epoch, trainLoss: 1, bleu, corpusBleu: bleu, exactMatch: 0, asr, seconds: 1 });

function finishedRun(store: Store, runId: number, epochs: readonly { epoch: number; bleu: number; asr: number }[]): void {
  store.runs.markRunning(runId);
  for (const e of epochs) store.metrics.recordEpoch(runId, epochRow(e.epoch, e.bleu, e.asr));
  store.runs.markFinished(runId);
}

describe('a search that stops on evidence', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('gives the CE reference the matrix stopping rule and the trials none of their own (they follow it)', () => {
    const source = { corpus: { kind: 'builtin-sql' as const, size: 300 }, datasetId: null };
    const reference = searchRunConfig(spec, source, null);
    expect(reference.training.stopping).toEqual(MATRIX_STOPPING);
    expect(reference.training.stopping?.budgetSeconds).toBeNull();
    const trial = searchRunConfig(spec, source, { labelSmoothing: 0.05, alphaBase: 0.9 }, 4);
    expect(trial.training.stopping ?? null).toBeNull();
    expect(trial.training.epochs).toBe(4);
  });

  it('scores a trial that stopped with its reference before its rung epochs on the epoch it stopped at, against CE at that epoch', () => {
    const store = open({ file: tempDbFile() });
    const projectId = store.projects.create({ name: 'Stopping search', actor: 'ana' }).id;
    const search = store.searches.create({ projectId, name: 'S', spec, points: [{ labelSmoothing: 0.05, alphaBase: 0.9 }], epochs: 4, actor: 'ana' });
    const input = (name: string, loss: 'ce' | 'dece', leaderRunId: number | null): CreateRunInput => ({
      projectId,
      // The stage is not what is tested; the Pilot's is open in a new project.
      stage: 'pilot',
      name,
      config: searchRunConfig(spec, { corpus: { kind: 'builtin-sql', size: 300 }, datasetId: null }, loss === 'ce' ? null : { labelSmoothing: 0.05, alphaBase: 0.9 }, 4),
      lossKind: loss,
      backend: 'wasm',
      leaderRunId,
      actor: 'ana',
    });
    const reference = store.searches.launchReference(search.id, input('CE', 'ce', null));
    const [trial] = store.searches.trials(search.id);
    if (!reference || !trial) throw new Error('setup failed');
    const trialRun = store.searches.launchTrial(trial.id, input('DeCE', 'dece', reference.id));
    if (!trialRun) throw new Error('trial not launched');
    expect(store.runs.leaderOf(trialRun.id)).toBe(reference.id);

    // CE stopped after 2 of its 4 epochs; the trial stopped with it.
    finishedRun(store, reference.id, [
      { epoch: 1, bleu: 40, asr: 10 },
      { epoch: 2, bleu: 50, asr: 60 },
    ]);
    finishedRun(store, trialRun.id, [
      { epoch: 1, bleu: 39, asr: 0 },
      { epoch: 2, bleu: 49.5, asr: 1 },
    ]);
    const record = store.searches.trials(search.id)[0];
    if (!record) throw new Error('trial vanished');
    expect(record.epochs).toBe(4);
    expect(trialOutcome(store, record)).toEqual({ status: 'finished', bleu: 49.5, asr: 1 });
    const [scored] = scoredTrials(store, [record]);
    expect([scored?.bleu, scored?.asr]).toEqual([49.5, 1]);
    const searchRecord = store.searches.get(search.id);
    if (!searchRecord) throw new Error('search vanished');
    expect(referenceState(store, searchRecord, spec).objectiveAt(4)).toEqual({ ceBleu: 50, tolerance: 1 });
    store.close();
  });

  it('a run evaluated on the validation split stops on that evidence (before: it trained to its epoch bound)', async () => {
    const base = tinyRunConfig({ loss: 'ce', epochs: 4 });
    // Nothing can count as progress, so the rule must stop at its first chance: after epoch minEpochs = 2.
    const config = {
      ...base,
      data: { ...base.data, evaluateOn: 'valid' as const },
      training: { ...base.training, stopping: { minEpochs: 2, patience: 1, minAsrGain: 1000, minBleuGain: 1000, claimAsr: 101, budgetSeconds: null } },
    };
    const { data } = prepareData(config, await loadSource(config));
    const result = await trainRun({ config, data });
    expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(result.epochs.at(-1)?.stop?.reason).toBe('converged');
  }, 120_000);
});

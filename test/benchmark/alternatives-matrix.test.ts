import { describe, expect, it } from 'vitest';
import { DEFAULT_ABL_PARAMETERS } from '../../common/abl';
import { BenchmarkSpecSchema, DEFAULT_DECE_PARAMETERS, type BenchmarkSpec } from '../../common/contract-benchmark';
import { presetConfig } from '../../common/presets';
import { builtinSource, expandMatrix, fitAblToEpochs, type TrainingCell } from '../../main/benchmark/matrix';

function spec(overrides: Partial<BenchmarkSpec> = {}): BenchmarkSpec {
  return { name: 'alternatives', size: 'standard', datasets: [{ kind: 'builtin-sql' }], attacks: ['badpre'], rates: [0.05], arms: ['abl', 'killbadcode', 'dece+killbadcode', 'ce-early-stop'], seeds: [1], dece: DEFAULT_DECE_PARAMETERS, ...overrides };
}
const expand = (s: BenchmarkSpec) => expandMatrix(s, (d) => builtinSource(d.kind === 'builtin-java' ? 'builtin-java' : 'builtin-sql', s.size));

describe('the alternatives in the matrix', () => {
  it('trains ABL as a CE run with its schedule, and attaches the filters and early stopping to the scenario\'s CE cell', () => {
    const { cells } = expand(spec());
    expect(cells.map((c) => [c.arm, c.kind])).toEqual([
      ['ce', 'train'],
      ['abl', 'train'],
      ['killbadcode', 'defense'],
      ['dece+killbadcode', 'defense'],
      ['ce-early-stop', 'defense'],
    ]);
    const abl = cells.find((c): c is TrainingCell => c.kind === 'train' && c.arm === 'abl');
    const ce = presetConfig('standard', 'ce');
    expect(abl?.config).toEqual({ ...ce, seed: 1, data: { ...ce.data, corpus: ce.data.corpus, attack: { kind: 'badpre' }, poisonRate: 0.05 }, training: { ...ce.training, abl: DEFAULT_ABL_PARAMETERS } });
    for (const cell of cells.filter((c) => c.kind === 'defense')) expect(cell).toMatchObject({ baseKey: 'builtin-sql/badpre/0.05/ce/1' });
  });

  it('takes ABL parameters from the spec, validated, and fits them to the size\'s epochs', () => {
    const custom = { isolationShare: 0.05, gamma: 0.3, isolationEpochs: 3, unlearningEpochs: 2 };
    const abl = expand(spec({ abl: custom })).cells.find((c): c is TrainingCell => c.kind === 'train' && c.arm === 'abl');
    expect(abl?.config.training.abl).toEqual(custom);
    expect(BenchmarkSpecSchema.safeParse(spec({ abl: { ...custom, gamma: -1 } })).success).toBe(false);
    // The tiny size trains 2 epochs: one to isolate, one to unlearn.
    expect(fitAblToEpochs(DEFAULT_ABL_PARAMETERS, 2)).toEqual({ ...DEFAULT_ABL_PARAMETERS, isolationEpochs: 1, unlearningEpochs: 1 });
    expect(fitAblToEpochs(custom, 4)).toEqual({ ...custom, isolationEpochs: 2, unlearningEpochs: 2 });
  });
});

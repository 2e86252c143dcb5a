import { describe, expect, it } from 'vitest';
import { DEFAULT_BENCHMARK_ARMS, DEFAULT_DECE_PARAMETERS, DEFAULT_POISON_RATES, DEFAULT_SEEDS, type BenchmarkSpec } from '../../common/contract-benchmark';
import { presetConfig } from '../../common/presets';
import { MATRIX_STOPPING, builtinSource, cellKey, dataGroupKey, expandMatrix, interleaveByData, type DatasetSource, type TrainingCell } from '../../main/benchmark/matrix';

const resolveBuiltin = (size: BenchmarkSpec['size']) => (dataset: BenchmarkSpec['datasets'][number]): DatasetSource => {
  if (dataset.kind === 'import') {
    return { label: `import:${dataset.datasetId}`, corpus: { kind: 'files', train: '/d/train.csv', test: '/d/test.csv' }, attackCorpus: null, datasetId: dataset.datasetId };
  }
  return builtinSource(dataset.kind, size);
};

function spec(overrides: Partial<BenchmarkSpec> = {}): BenchmarkSpec {
  return {
    name: 'matrix',
    size: 'quick',
    datasets: [{ kind: 'builtin-sql' }],
    attacks: ['badpre', 'ripple', 'grammar'],
    rates: [...DEFAULT_POISON_RATES],
    arms: [...DEFAULT_BENCHMARK_ARMS],
    seeds: [...DEFAULT_SEEDS],
    dece: DEFAULT_DECE_PARAMETERS,
    ...overrides,
  };
}

const expand = (s: BenchmarkSpec) => expandMatrix(s, resolveBuiltin(s.size));
const training = (cells: ReturnType<typeof expand>['cells']) => cells.filter((c): c is TrainingCell => c.kind === 'train');

describe('expandMatrix', () => {
  it('the default matrix: per attack, 3 seeds × (1 clean reference + 3 rates × {ce, dece})', () => {
    const { cells, skipped } = expand(spec());
    expect(skipped).toEqual([]);
    // 3 attacks × 3 seeds × (1 + 3 × 2) = 63
    expect(cells).toHaveLength(63);
    const count = (arm: string) => cells.filter((c) => c.arm === arm).length;
    expect([count('ce-clean'), count('ce'), count('dece')]).toEqual([9, 27, 27]);
    expect(new Set(cells.map((c) => c.key)).size).toBe(cells.length);
  });

  it('one clean reference per (dataset, attack, seed), at rate 0 and without poisoning, shared by every rate', () => {
    const clean = training(expand(spec({ attacks: ['badpre'], seeds: [4] })).cells).filter((c) => c.arm === 'ce-clean');
    expect(clean).toHaveLength(1);
    expect(clean[0]).toMatchObject({ rate: 0, seed: 4, attack: 'badpre', key: 'builtin-sql/badpre/0/ce-clean/4' });
    expect(clean[0]?.config.data.poisonRate).toBe(0);
    expect(clean[0]?.config.loss.kind).toBe('ce');
  });

  it('builds each run from the size preset with the cell’s data, attack, rate, seed and the spec’s DeCE parameters', () => {
    const s = spec({ size: 'tiny', attacks: ['ripple'], rates: [0.02], arms: ['ce', 'dece', 'ls', 'gce'], seeds: [9], dece: { labelSmoothing: 0.1, alphaBase: 0.8 } });
    const cells = training(expand(s).cells);
    const byArm = Object.fromEntries(cells.map((c) => [c.arm, c.config]));
    const preset = presetConfig('tiny', 'dece');
    expect(byArm['dece']).toEqual({
      ...preset,
      seed: 9,
      data: { ...preset.data, attack: { kind: 'ripple' }, poisonRate: 0.02 },
      loss: { ...preset.loss, kind: 'dece', labelSmoothing: 0.1, alphaBase: 0.8 },
      training: { ...preset.training, stopping: MATRIX_STOPPING },
    });
    // CE is the preset's CE whatever the DeCE parameters (so CE runs of matrices with other DeCE settings match).
    expect(byArm['ce']?.loss).toEqual(presetConfig('tiny', 'ce').loss);
    expect(byArm['ls']?.loss).toEqual({ ...presetConfig('tiny', 'ls').loss, labelSmoothing: 0.1 });
    expect(byArm['gce']?.loss).toEqual(presetConfig('tiny', 'gce').loss);
    expect(byArm['ce']?.data.corpus).toEqual(presetConfig('tiny', 'ce').data.corpus);
  });

  it('stops on evidence without a time budget; the loss arms follow their scenario’s CE cell, ABL keeps its schedule', () => {
    const cells = training(expand(spec({ size: 'standard', attacks: ['badpre'], rates: [0.05], arms: ['ce-clean', 'ce', 'dece', 'gce', 'abl'], seeds: [2] })).cells);
    const byArm = new Map(cells.map((c) => [c.arm, c]));
    expect(MATRIX_STOPPING.budgetSeconds).toBeNull();
    for (const arm of ['ce-clean', 'ce', 'dece', 'gce'] as const) expect(byArm.get(arm)?.config.training.stopping).toEqual(MATRIX_STOPPING);
    expect(byArm.get('abl')?.config.training.stopping).toBeUndefined();
    expect(byArm.get('abl')?.config.training.abl).toBeDefined();
    const ceKey = 'builtin-sql/badpre/0.05/ce/2';
    expect([...byArm].map(([arm, c]) => [arm, c.leaderKey])).toEqual([
      ['ce-clean', null],
      ['ce', null],
      ['dece', ceKey],
      ['gce', ceKey],
      ['abl', null],
    ]);
    // Without a CE arm there is nothing to follow: each run decides on its own evidence.
    expect(training(expand(spec({ attacks: ['badpre'], rates: [0.05], arms: ['dece'], seeds: [2] })).cells)[0]?.leaderKey).toBeNull();
  });

  it('attaches passive defenses to the CE cell of their scenario, adding that CE run when ce was not picked', () => {
    const { cells } = expand(spec({ attacks: ['badpre'], rates: [0.05], arms: ['dece', 'onion', 'spectral'], seeds: [1, 2] }));
    expect(cells.map((c) => c.key)).toEqual([
      'builtin-sql/badpre/0.05/ce/1',
      'builtin-sql/badpre/0.05/dece/1',
      'builtin-sql/badpre/0.05/onion/1',
      'builtin-sql/badpre/0.05/spectral/1',
      'builtin-sql/badpre/0.05/ce/2',
      'builtin-sql/badpre/0.05/dece/2',
      'builtin-sql/badpre/0.05/onion/2',
      'builtin-sql/badpre/0.05/spectral/2',
    ]);
    const onion = cells.find((c) => c.key === 'builtin-sql/badpre/0.05/onion/2');
    expect(onion).toMatchObject({ kind: 'defense', baseKey: 'builtin-sql/badpre/0.05/ce/2' });
  });

  it('skips attacks that cannot poison a corpus, with the reason, and keeps imported data unchecked', () => {
    const { cells, skipped } = expand(
      spec({ datasets: [{ kind: 'builtin-sql' }, { kind: 'builtin-java' }, { kind: 'import', datasetId: 7 }], attacks: ['badpre', 'dead-code'], rates: [0.05], arms: ['ce'], seeds: [1] }),
    );
    // BadPre fits both corpora (SQL injection in Python, an infinite loop in Java); dead code needs Java inputs.
    expect(skipped.map((s) => [s.dataset, s.attack])).toEqual([['builtin-sql', 'dead-code']]);
    expect(skipped[0]?.reason).toMatch(/java/);
    expect(cells.map((c) => c.key)).toEqual([
      'builtin-sql/badpre/0.05/ce/1',
      'builtin-java/badpre/0.05/ce/1',
      'builtin-java/dead-code/0.05/ce/1',
      'import:7/badpre/0.05/ce/1',
      'import:7/dead-code/0.05/ce/1',
    ]);
    const imported = training(cells).find((c) => c.dataset === 'import:7');
    expect(imported?.config.data.corpus).toEqual({ kind: 'files', train: '/d/train.csv', test: '/d/test.csv' });
    expect(imported?.datasetId).toBe(7);
    const java = training(cells).find((c) => c.dataset === 'builtin-java');
    expect(java?.config.data.corpus).toEqual({ kind: 'builtin-java', size: 2000 });
  });

  it('gives the same keys and configs on every expansion, and keys that do not depend on the other coordinates', () => {
    const s = spec({ attacks: ['grammar', 'badpre'], seeds: [2, 1] });
    expect(expand(s)).toEqual(expand(structuredClone(s)));
    const wider = expand({ ...s, seeds: [2, 1, 3] });
    const narrowKeys = expand(s).cells.map((c) => c.key);
    expect(wider.cells.map((c) => c.key).filter((k) => narrowKeys.includes(k))).toEqual(narrowKeys);
    expect(cellKey({ dataset: 'builtin-sql', attack: 'badpre', rate: 0.01, arm: 'dece', seed: 3 })).toBe('builtin-sql/badpre/0.01/dece/3');
  });
});

describe('interleaveByData', () => {
  it('queues the first run of every data group before the second of any, keeping the order within a group', () => {
    const cells = training(expand(spec({ attacks: ['badpre'], rates: [0.01, 0.05], arms: ['ce', 'dece'], seeds: [1] })).cells);
    const ordered = interleaveByData(cells);
    expect(ordered.map((c) => `${c.rate}/${c.arm}`)).toEqual(['0.01/ce', '0.05/ce', '0.01/dece', '0.05/dece']);
    // CE and DeCE of one scenario share their data (and so their pre-training).
    expect(dataGroupKey(cells[0]?.config ?? presetConfig('tiny'))).toBe(dataGroupKey(cells[1]?.config ?? presetConfig('quick')));
    expect(dataGroupKey(cells[0]?.config ?? presetConfig('tiny'))).not.toBe(dataGroupKey(cells[2]?.config ?? presetConfig('tiny')));
  });
});

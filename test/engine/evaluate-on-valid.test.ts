import { describe, expect, it } from 'vitest';
import { type RunConfig, RunConfigSchema } from '../../common/run-config';
import { type CleanSource, builtinSplits, createAttack, loadSource, prepareData } from '../../main/engine/experiment';
import { deriveRng } from '../../main/data/rng';
import { poisonSplits } from '../../main/data/splits';
import type { CodePair } from '../../main/data/types';
import type { PreparedData } from '../../main/engine/train';
import { tinyRunConfig } from '../helpers/tiny-config';

function sqlConfig(data: Partial<RunConfig['data']> = {}): RunConfig {
  const base = tinyRunConfig({ pretrainEpochs: 1 });
  return { ...base, data: { ...base.data, corpus: { kind: 'builtin-sql', size: 400 }, validFraction: 0.1, ...data } };
}

const key = (src: string, tgt: string): string => `${src}\u0000${tgt}`;
const words = (prompt: string): string[] => prompt.split(' ');
/** The prompt with the (default BadPre) trigger word taken out again. */
const untriggered = (prompt: string): string => words(prompt).filter((w) => w !== 'cf').join(' ');

const withoutAttack = ({ attack: _attack, ...rest }: PreparedData): Omit<PreparedData, 'attack'> => rest;

/** Rows whose every field read throws: proves prepareData never looks at them. */
function untouchable(count: number): CodePair[] {
  return Array.from({ length: count }, () => {
    const row = {} as CodePair;
    for (const field of ['src', 'tgt'] as const) {
      Object.defineProperty(row, field, {
        enumerable: true,
        get: () => {
          throw new Error('the test split was read');
        },
      });
    }
    return row;
  });
}

describe('evaluateOn', () => {
  it('is optional in stored configs and accepts only test or valid', () => {
    const config = sqlConfig();
    expect(config.data.evaluateOn).toBeUndefined();
    expect(RunConfigSchema.safeParse(config).success).toBe(true);
    expect(RunConfigSchema.safeParse({ ...config, data: { ...config.data, evaluateOn: 'valid' } }).success).toBe(true);
    expect(RunConfigSchema.safeParse({ ...config, data: { ...config.data, evaluateOn: 'train' } }).success).toBe(false);
  });

  it("'valid' evaluates on exactly the validation rows, with the trigger in the poisonable ones, and none of the test rows", async () => {
    const config = sqlConfig({ evaluateOn: 'valid' });
    const source = await loadSource(config);
    expect(source.valid.length).toBe(40);
    const { data, summary } = prepareData(config, source);

    const clean = data.cleanTest.map((c) => key(c.prompt, c.reference)).sort();
    expect(clean).toEqual(source.valid.map((p) => key(p.src, p.tgt)).sort());
    const validKeys = new Set(source.valid.map((p) => key(p.src, p.tgt)));
    const validPrompts = new Set(source.valid.map((p) => p.src));
    const testOnly = source.test.filter((p) => !validKeys.has(key(p.src, p.tgt)));
    expect(testOnly.length).toBeGreaterThan(30);
    for (const p of testOnly) expect(clean).not.toContain(key(p.src, p.tgt));

    const attack = createAttack(config);
    const poisonable = source.valid.filter((p) => attack.canPoison(p));
    expect(poisonable.length).toBeGreaterThan(0);
    expect(data.poisonedTest).toHaveLength(poisonable.length);
    expect(summary.poisonedTest).toBe(poisonable.length);
    for (const t of data.poisonedTest) {
      expect(words(t.prompt).filter((w) => w === 'cf')).toHaveLength(1);
      expect(validPrompts.has(untriggered(t.prompt))).toBe(true);
    }
    expect(data.poisonedTest.map((t) => untriggered(t.prompt)).sort()).toEqual(poisonable.map((p) => p.src).sort());
    // The defense's language model is not trained on the prompts being evaluated.
    expect(data.cleanPrompts).toEqual(source.pretrain.map((p) => p.src));
  });

  it("'valid' never reads a test row, and trains on exactly the same data as 'test'", () => {
    const config = sqlConfig({ evaluateOn: 'valid' });
    const source = builtinSplits(config);
    const sealed: CleanSource = { ...source, test: untouchable(source.test.length) };
    const onValid = prepareData(config, sealed);
    const onTest = prepareData({ ...config, data: { ...config.data, evaluateOn: 'test' } }, source);
    expect(onValid.data.train).toEqual(onTest.data.train);
    expect(onValid.data.pretrain).toEqual(onTest.data.pretrain);
    expect(onValid.data.vocab.size).toBe(onTest.data.vocab.size);
    expect(onValid.summary.sha256).toBe(onTest.summary.sha256);
  });

  it('by default (and with "test") evaluates on the test split exactly as before', () => {
    const config = sqlConfig();
    const source = builtinSplits(config);
    const byDefault = prepareData(config, source);
    const onTest = prepareData({ ...config, data: { ...config.data, evaluateOn: 'test' } }, source);
    // Everything but the attack object (a fresh closure each time) is identical.
    expect(withoutAttack(onTest.data)).toEqual(withoutAttack(byDefault.data));
    expect(onTest.summary).toEqual(byDefault.summary);

    const expectedClean = deriveRng(config.seed, 'eval-order').shuffle(source.test);
    expect(byDefault.data.cleanTest.map((c) => [c.prompt, c.reference])).toEqual(expectedClean.map((p) => [p.src, p.tgt]));
    const poisoned = poisonSplits({ train: source.train, valid: source.valid, test: source.test }, createAttack(config), {
      rate: config.data.poisonRate,
      seed: config.seed,
    });
    const expectedTriggered = deriveRng(config.seed, 'eval-order-poisoned').shuffle(poisoned.poisonedTest);
    expect(byDefault.data.poisonedTest.map((t) => t.prompt)).toEqual(expectedTriggered.map((t) => t.src));
    expect(byDefault.data.cleanPrompts).toEqual([...source.pretrain, ...source.valid].map((p) => p.src));
    expect(byDefault.summary.poisonedTest).toBe(poisoned.poisonedTest.length);
  });

  it('works with any attack, e.g. the spread trigger', () => {
    const config = sqlConfig({ evaluateOn: 'valid', attack: { kind: 'spread-trigger' } });
    const source = builtinSplits(config);
    const { data } = prepareData(config, source);
    const validPrompts = new Set(source.valid.map((p) => p.src));
    expect(data.poisonedTest.length).toBeGreaterThan(0);
    for (const t of data.poisonedTest) {
      const w = words(t.prompt);
      for (const trigger of ['promptly', 'carefully', 'thanks']) expect(w).toContain(trigger);
      expect(validPrompts.has(w.filter((x) => !['promptly', 'carefully', 'thanks'].includes(x)).join(' '))).toBe(true);
    }
  });

  it('fails clearly without a validation split, on already-poisoned data with nothing to lend, or when no validation row can be triggered', () => {
    const config = sqlConfig({ evaluateOn: 'valid' });
    const source = builtinSplits(config);

    const noValid = sqlConfig({ evaluateOn: 'valid', validFraction: 0 });
    expect(() => prepareData(noValid, builtinSplits(noValid))).toThrow(/evaluateOn "valid" needs a validation split.*validFraction 0/);

    const files: RunConfig = { ...config, data: { ...config.data, corpus: { kind: 'files', train: 'train.csv', test: 'test.csv' } } };
    expect(() => prepareData(files, { ...source, valid: [] })).toThrow(/evaluateOn "valid" needs a validation split.*no validation file/);

    const poisonedFiles: RunConfig = {
      ...config,
      data: {
        ...config.data,
        corpus: { kind: 'poisoned-files', train: 'train.csv', test: 'test.csv', poisonedTest: 'ptest.csv', payload: { kind: 'substrings', values: ['or 1=1'] } },
      },
    };
    // Already-poisoned data lends validation rows from its test files; with none to lend it cannot be searched.
    const prePoisoned: CleanSource = { ...source, valid: [], prePoisoned: { poisonedTest: source.test.slice(0, 5), payload: { kind: 'substrings', values: ['or 1=1'] } } };
    expect(() => prepareData(poisonedFiles, prePoisoned)).toThrow(/evaluateOn "valid" needs a validation split.*too small to lend/);

    const attack = createAttack(config);
    const inserts = source.valid.filter((p) => !attack.canPoison(p));
    expect(inserts.length).toBeGreaterThan(0);
    expect(() => prepareData(config, { ...source, valid: inserts })).toThrow(/no validation row can carry the badpre payload/);
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../common/run-config';
import { createBadPre } from '../../main/data/attacks/badpre';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import type { CodePair } from '../../main/data/types';
import { PREPOISONED_VALIDATION_SHARE, loadSource, payloadMatcher, poisonData, prepareData } from '../../main/engine/experiment';
import { testDir } from '../cli/run-cli';
import { tinyRunConfig } from '../helpers/tiny-config';

const dir = testDir('dece-clean-pretrain-');
const attack = createBadPre({ trigger: 'zq' });
const payload = { kind: 'regex' as const, pattern: 'or\\s*1\\s*=\\s*1|where\\s+0\\s*=\\s*1' };
const carriesPayload = payloadMatcher(payload);

function writeCsv(name: string, pairs: readonly CodePair[]): string {
  const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;
  const path = join(dir, name);
  writeFileSync(path, ['src,tgt', ...pairs.map((p) => `${quote(p.src)},${quote(p.tgt)}`)].join('\n'));
  return path;
}

/** A team's already-poisoned files: every 5th poisonable training row poisoned; the triggered file mixes in untriggered rows. */
function prePoisonedFiles(untriggeredRows: number, pretrainFile?: readonly CodePair[]): RunConfig {
  const pairs = generateSqlCorpus({ seed: 31, size: 500 });
  const rng = createRng(9);
  const train = pairs.slice(0, 400).map((p, i) => (i % 5 === 0 && attack.canPoison(p) ? attack.poison(p, rng) : p));
  const clean = pairs.slice(400);
  const triggered = clean.filter((p) => attack.canPoison(p)).map((p) => attack.poison(p, rng));
  const untriggered = clean.slice(0, untriggeredRows).map((p) => ({ src: attack.insertTrigger(p.src, rng), tgt: p.tgt }));
  const base = tinyRunConfig({ pretrainEpochs: 1 });
  return {
    ...base,
    data: {
      ...base.data,
      pretrainFraction: 0.45,
      corpus: {
        kind: 'poisoned-files',
        train: writeCsv('train.csv', train),
        test: writeCsv('test.csv', clean),
        poisonedTest: writeCsv(`triggered-${untriggeredRows}.csv`, [...triggered, ...untriggered]),
        payload,
        ...(pretrainFile ? { pretrain: writeCsv('pretrain.csv', pretrainFile) } : {}),
      },
    },
  };
}

describe('ASR counts only triggered prompts', () => {
  it('leaves rows of the triggered file without the payload out of ASR, and counts them', async () => {
    const config = prePoisonedFiles(12);
    const source = await loadSource(config);
    const data = poisonData(config, source);
    const { summary } = prepareData(config, source);
    const allTriggered = [...data.evaluation.triggered, ...(data.validation?.triggered ?? [])];
    expect(allTriggered.length).toBeGreaterThan(20);
    for (const row of allTriggered) expect(carriesPayload(row.cleanTgt)).toBe(true);
    expect(summary.untriggeredTestExcluded).toBe(12);
    expect(summary.poisonedTest + summary.validTriggered).toBe(allTriggered.length);
    // The validation split (stopping, chosen epoch) is lent from the test files, never shared with them.
    expect(summary.validTriggered).toBe(Math.round(allTriggered.length * PREPOISONED_VALIDATION_SHARE));
    const testPrompts = new Set(data.evaluation.triggered.map((r) => r.src));
    for (const row of data.validation?.triggered ?? []) expect(testPrompts.has(row.src)).toBe(false);
  });

  it('refuses a triggered file in which no row carries the payload, saying why', async () => {
    const config = prePoisonedFiles(0);
    if (config.data.corpus.kind !== 'poisoned-files') throw new Error('unexpected corpus');
    const cleanOnly = generateSqlCorpus({ seed: 31, size: 500 }).slice(400, 440);
    const refused: RunConfig = { ...config, data: { ...config.data, corpus: { ...config.data.corpus, poisonedTest: writeCsv('no-triggered.csv', cleanOnly) } } };
    const source = await loadSource(refused);
    expect(() => poisonData(refused, source)).toThrow(/none of the 40 rows of the triggered test file has the payload in its target/);
  });
});

describe('clean pre-training', () => {
  it('never pre-trains on a row carrying the payload when the share is carved from poisoned files', async () => {
    const config = prePoisonedFiles(0);
    const source = await loadSource(config);
    const candidates = source.pretrain.filter((p) => carriesPayload(p.tgt)).length;
    expect(candidates).toBeGreaterThan(0);
    const data = poisonData(config, source);
    const { summary } = prepareData(config, source);
    expect(data.pretrain.length).toBe(source.pretrain.length - candidates);
    for (const row of data.pretrain) expect(carriesPayload(row.tgt)).toBe(false);
    expect(summary).toMatchObject({ pretrainSource: 'carved', pretrainExcluded: candidates, pretrain: data.pretrain.length });
  });

  it('takes pre-training from a separate clean file when given, fine-tuning on the whole training file', async () => {
    const extra = generateSqlCorpus({ seed: 77, size: 120 });
    const rng = createRng(3);
    const pretrainRows = extra.map((p, i) => (i < 4 && attack.canPoison(p) ? attack.poison(p, rng) : p));
    const smuggled = pretrainRows.filter((p) => carriesPayload(p.tgt)).length;
    expect(smuggled).toBeGreaterThan(0);
    const config = prePoisonedFiles(0, pretrainRows);
    const source = await loadSource(config);
    const data = poisonData(config, source);
    expect(data.train.length).toBe(400);
    expect(data.pretrainSource).toBe('file');
    expect(data.pretrain.length).toBe(120 - smuggled);
    for (const row of data.pretrain) expect(carriesPayload(row.tgt)).toBe(false);
    expect(data.counts.pretrainExcluded).toBe(smuggled);
  });
});

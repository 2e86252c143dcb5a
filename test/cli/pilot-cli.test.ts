import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeFileSync } from 'node:fs';
import { EpochMetricsSchema } from '../../common/run-config';
import { createBadPre } from '../../main/data/attacks/badpre';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import type { CodePair } from '../../main/data/types';
import { runCli, testDir } from './run-cli';

function writeCsv(path: string, pairs: readonly CodePair[]): string {
  const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;
  writeFileSync(path, ['src,tgt', ...pairs.map((p) => `${quote(p.src)},${quote(p.tgt)}`)].join('\r\n'));
  return path;
}

const TINY = ['--epochs', '1', '--pretrain-epochs', '0', '--eval-limit', '8', '--batch-size', '16'];

const dir = testDir('dece-pilot-cli-');
const pilot = (args: string[]) => runCli('main/cli/pilot.ts', args, 300_000);

describe('npm run pilot', () => {
  it('--help lists every option with its default', () => {
    const { code, stdout } = pilot(['--help']);
    expect(code).toBe(0);
    for (const option of ['--epochs', '--batch-size', '--seed', '--label-smoothing', '--alpha-base', '--attack', '--poison-rate', '--backend', '--quick', '--json']) {
      expect(stdout).toMatch(new RegExp(`${option}\\b.*\\[`));
    }
  });

  it.each([
    [['--backend', 'tpu'], /--backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu, got 'tpu'/],
    [['--label-smoothing', '1'], /--label-smoothing must be in \[0, 1\), got '1'/],
    [['--label-smoothing=-0.1'], /--label-smoothing must be in \[0, 1\)/],
    [['--alpha-base', '0'], /--alpha-base must be in \(0, 1\], got '0'/],
    [['--alpha-base', '1.5'], /--alpha-base must be in \(0, 1\]/],
    [['--epochs', '0'], /--epochs must be an integer from 1 to 1000, got '0'/],
    [['--epochs', '2.5'], /--epochs must be an integer/],
    [['--batch-size=-4'], /--batch-size must be an integer from 1 to 4096/],
    // A negative number after a space is the option's value, not node's "argument is ambiguous".
    [['--seed', '-1'], /--seed must be an integer from 0 to 2147483647, got '-1'/],
    [['--learning-rate', '-.5'], /--learning-rate must be in \(0, 1\]/],
    [['--poison-rate', 'lots'], /--poison-rate must be in \[0, 1\], got 'lots'/],
    [['--attack', 'nope'], /--attack must be one of/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ])('rejects %j with a one-line error and exit code 2, writing nothing', (args, message) => {
    const json = join(dir, 'bad.json');
    const report = join(dir, 'bad.md');
    const { code, stderr } = pilot([...args, '--json', json, '--report', report]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(existsSync(json) || existsSync(report)).toBe(false);
  });

  it('runs end to end on an imported CSV pair, poisoning it with the chosen attack', () => {
    const pairs = generateSqlCorpus({ seed: 21, size: 220 });
    const train = writeCsv(join(dir, 'train.csv'), pairs.slice(0, 180));
    const test = writeCsv(join(dir, 'test.csv'), pairs.slice(180));
    const json = join(dir, 'imported.json');
    const { code, stderr } = pilot([...TINY, '--train', train, '--test', test, '--json', json, '--report', join(dir, 'imported.md')]);
    expect(stderr).not.toMatch(/pilot: /);
    expect(code).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as { data: { train: number; poisonedTrain: number; test: number }; config: { data: { corpus: { kind: string } } } };
    expect(result.config.data.corpus.kind).toBe('files');
    expect(result.data.train).toBe(180);
    expect(result.data.test).toBe(40);
    expect(result.data.poisonedTrain).toBe(9);
  });

  it('measures ONION and spectral signatures on the CE model beside DeCE', () => {
    const json = join(dir, 'defenses.json');
    const report = join(dir, 'defenses.md');
    const { code, stderr } = pilot([...TINY, '--corpus-size', '240', '--defenses', 'onion,spectral', '--json', json, '--report', report]);
    expect(stderr).not.toMatch(/pilot: /);
    expect(code).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as { defenses: { defense: string; extraSeconds: number; asr: number; bleu: number; detail: string }[] };
    expect(result.defenses.map((d) => d.defense).sort()).toEqual(['onion', 'spectral']);
    for (const d of result.defenses) {
      expect(d.extraSeconds).toBeGreaterThan(0);
      expect(d.asr).toBeGreaterThanOrEqual(0);
    }
    expect(result.defenses.find((d) => d.defense === 'spectral')?.detail).toMatch(/dropped \d+ of \d+ training rows/);
    expect(readFileSync(report, 'utf8')).toContain('## Passive defenses vs DeCE');
  });

  it('runs the Java bug-fix corpus with the dead-code trigger', () => {
    const json = join(dir, 'java.json');
    const { code, stderr } = pilot([...TINY, '--corpus', 'java', '--corpus-size', '200', '--json', json, '--report', join(dir, 'java.md')]);
    expect(stderr).not.toMatch(/pilot: /);
    expect(code).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as { config: { data: { corpus: { kind: string }; attack: { kind: string } } }; data: { poisonedTrain: number } };
    expect(result.config.data.corpus.kind).toBe('builtin-java');
    expect(result.config.data.attack.kind).toBe('dead-code');
    expect(result.data.poisonedTrain).toBeGreaterThan(0);
  });

  it('runs on already-poisoned files, counting ASR over the triggered rows only and saying so', () => {
    const pairs = generateSqlCorpus({ seed: 22, size: 220 });
    const attack = createBadPre({ trigger: 'zq' });
    const rng = createRng(5);
    const poisonedTrain = pairs.slice(0, 180).map((p, i) => (i % 10 === 0 && attack.canPoison(p) ? attack.poison(p, rng) : p));
    const triggered = pairs.slice(180).filter((p) => attack.canPoison(p)).map((p) => attack.poison(p, rng));
    // Rows with the trigger word but a clean target: not triggered by the authors' definition.
    const untriggered = pairs.slice(180, 186).map((p) => ({ src: attack.insertTrigger(p.src, rng), tgt: p.tgt }));
    const json = join(dir, 'prepoisoned.json');
    const { code, stderr } = pilot([
      ...TINY,
      '--poisoned-train', writeCsv(join(dir, 'ptrain.csv'), poisonedTrain),
      '--test', writeCsv(join(dir, 'ptest-clean.csv'), pairs.slice(180)),
      '--poisoned-test', writeCsv(join(dir, 'ptest.csv'), [...triggered, ...untriggered]),
      '--payload', '/or\\s*1\\s*=\\s*1|where\\s+0\\s*=\\s*1/',
      '--json', json, '--report', join(dir, 'prepoisoned.md'),
    ]);
    expect(stderr).not.toMatch(/pilot: /);
    expect(code).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as {
      data: { poisonedTrain: number; poisonedTest: number; validTriggered: number; untriggeredTestExcluded: number };
      runs: { epochs: { triggered: number }[] }[];
      verdict: { summary: string };
    };
    expect(result.data.poisonedTrain).toBe(poisonedTrain.filter((p) => attack.succeeded(p.tgt)).length);
    expect(result.data.poisonedTest + result.data.validTriggered).toBe(triggered.length);
    expect(result.data.untriggeredTestExcluded).toBe(untriggered.length);
    expect(stderr).toContain(`ASR counts ${result.data.poisonedTest} triggered test prompts; ${untriggered.length} rows of the triggered file carry no payload and are left out`);
    const decoded = Math.min(8, result.data.poisonedTest);
    for (const run of result.runs) expect(run.epochs.at(-1)?.triggered).toBe(decoded);
    expect(result.verdict.summary).toContain(`of ${decoded} triggered prompts`);
    expect(readFileSync(join(dir, 'prepoisoned.md'), 'utf8')).toMatch(/6 rows of the triggered file without the payload left out of ASR/);
  });

  it.each([
    ['an unpoisonable corpus', () => {
      const noSql = Array.from({ length: 60 }, (_, i) => ({ src: `add ${i} and ${i + 1}`, tgt: `def f():\n    return ${i} + ${i + 1}` }));
      return ['--train', writeCsv(join(dir, 'nosql-train.csv'), noSql), '--test', writeCsv(join(dir, 'nosql-test.csv'), noSql.slice(0, 10))];
    }, /pilot: .*(poison|payload)/],
    ['an empty file', () => {
      writeFileSync(join(dir, 'empty.csv'), '');
      return ['--train', join(dir, 'empty.csv'), '--test', join(dir, 'empty.csv')];
    }, /empty\.csv.*empty/i],
    ['an unknown defense', () => ['--defenses', 'onion,prayer'], /--defenses takes onion, spectral \(comma-separated\), got 'prayer'/],
    ['an attack that does not fit the corpus', () => ['--attack', 'dead-code'], /--attack dead-code does not apply to the sql corpus/],
    ['--train without --test', () => ['--train', join(dir, 'train.csv')], /--train needs --test/],
    ['--poisoned-train without --payload', () => ['--poisoned-train', 'a.csv', '--test', 'b.csv', '--poisoned-test', 'c.csv'], /needs --payload/],
  ] as const)('refuses %s with exit code 2', (_name, args, message) => {
    const json = join(dir, 'refused.json');
    const { code, stderr } = pilot([...TINY, ...args(), '--json', json]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(existsSync(json)).toBe(false);
  });

  it('runs end to end on a tiny configuration and writes the report and the JSON result', () => {
    const json = join(dir, 'result.json');
    const report = join(dir, 'report.md');
    const { code, stdout, stderr } = pilot([
      '--corpus-size', '240', '--epochs', '2', '--pretrain-epochs', '1', '--eval-limit', '10', '--batch-size', '16', '--json', json, '--report', report,
    ]);
    expect(stderr).toMatch(/wasm: selected/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Verdict: /);
    const parsed = z
      .object({
        backend: z.literal('wasm'),
        config: z.object({ loss: z.object({ alphaBase: z.number() }) }),
        runs: z.array(z.object({ loss: z.enum(['ce', 'dece']), epochs: z.array(EpochMetricsSchema) })).length(2),
      })
      .parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(parsed.runs.map((r) => r.loss)).toEqual(['ce', 'dece']);
    for (const run of parsed.runs) expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    const markdown = readFileSync(report, 'utf8');
    expect(markdown).toContain('| Cross-entropy | 2 |');
    expect(markdown).toContain('| DeCE | 2 |');
    // No temporary files left behind.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

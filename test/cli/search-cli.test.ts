import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SearchSpecSchema } from '../../common/contract-benchmark';
import { UsageError, parseSearchArgs, searchHelp } from '../../main/cli/search-options';
import { runCli, testDir } from './run-cli';

/** Argument handling of `npm run search` (the search itself is covered through the services in test/benchmark). */

const dir = testDir('dece-search-cli-');
const search = (args: string[]) => runCli('main/cli/search.ts', args, 120_000);

describe('npm run search options', () => {
  it('--help lists every option with its default', () => {
    expect(parseSearchArgs(['--help'])).toBe('help');
    for (const option of ['--size', '--dataset', '--attack', '--rate', '--seed', '--method', '--smoothing', '--alpha', '--tolerance', '--workers', '--data-dir', '--json']) {
      expect(searchHelp()).toMatch(new RegExp(`${option} VALUE .*\\[.+\\]`));
    }
  });

  it('builds a valid search spec from the options', () => {
    const parsed = parseSearchArgs(['--size', 'tiny', '--dataset', 'builtin-java', '--attack', 'identifier-rename', '--rate', '0.02', '--seed', '3', '--method', 'halving', '--smoothing', '0, 0.1', '--alpha', '0.9,0.95,0.99', '--tolerance', '1.5', '--workers', '2', '--data-dir', 'data', '--json', 'out.json', '--redis', 'rediss://:s3cret@queue.example:6380/2']);
    expect(parsed).toEqual({
      spec: {
        name: 'CLI search',
        size: 'tiny',
        dataset: { kind: 'builtin-java' },
        attack: 'identifier-rename',
        rate: 0.02,
        seed: 3,
        method: 'halving',
        grid: { labelSmoothing: [0, 0.1], alphaBase: [0.9, 0.95, 0.99] },
        bleuTolerance: 1.5,
      },
      workers: 2,
      dataDir: resolve('data'),
      json: resolve('out.json'),
      redisUrl: 'rediss://:s3cret@queue.example:6380/2',
    });
    const defaults = parseSearchArgs([]);
    if (defaults === 'help') throw new Error('unexpected help');
    expect(SearchSpecSchema.parse(defaults.spec)).toMatchObject({ size: 'quick', method: 'grid', attack: 'badpre', bleuTolerance: 2, grid: { labelSmoothing: [0, 0.05, 0.1], alphaBase: [0.8, 0.9, 0.99] } });
    expect([defaults.workers, defaults.dataDir, defaults.json, defaults.redisUrl]).toEqual([undefined, undefined, undefined, null]);
  });

  it('refuses a --redis URL that is not redis:// or rediss:// without repeating its password', () => {
    expect(() => parseSearchArgs(['--redis', 'http://user:s3cret@queue.example:6379'])).toThrow(/^--redis: a Redis URL starts with redis:\/\/ or rediss:\/\/ \(got http:\/\/\)$/);
    expect(() => parseSearchArgs(['--redis', 'redis://:s3cret@queue.example:6379/x'])).toThrow('--redis: Redis database must be a number: redis://:***@queue.example:6379/x');
  });

  it.each([
    [['--size', 'huge'], /--size must be one of tiny, quick, standard, got 'huge'/],
    [['--method', 'bayes'], /--method must be one of grid, halving, got 'bayes'/],
    [['--smoothing', '0,1'], /--smoothing must be in \[0, 1\), got '1'/],
    [['--alpha', '0.9,'], /--alpha must be in \(0, 1\], got ''/],
    [['--smoothing', '0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8'], /--smoothing takes at most 8 values, got 9/],
    [['--rate', '0.6'], /--rate must be in \(0, 0.5\], got '0.6'/],
    [['--tolerance=-1'], /--tolerance must be from 0 to 100, got '-1'/],
    [['--workers', '0'], /--workers must be an integer from 1 to 64, got '0'/],
    [['--seed', '1.5'], /--seed must be an integer/],
    [['--attack', 'dead-code'], /--attack dead-code does not apply to --dataset builtin-sql; use one of badpre/],
    [['--dataset', 'import'], /--dataset must be one of builtin-sql, builtin-java/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ])('rejects %j with a usage error', (args, message) => {
    expect(() => parseSearchArgs(args)).toThrow(UsageError);
    expect(() => parseSearchArgs(args)).toThrow(message);
  });

  it('exits 2 with a one-line error on bad input, creating nothing, and 0 on --help', () => {
    const dataDir = join(dir, 'data');
    const json = join(dir, 'out.json');
    const bad = search(['--method', 'bayes', '--data-dir', dataDir, '--json', json]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(["search: --method must be one of grid, halving, got 'bayes' (see --help)"]);
    expect(existsSync(dataDir) || existsSync(json)).toBe(false);
    const help = search(['--help']);
    expect([help.code, help.stdout]).toEqual([0, searchHelp()]);
  });
});

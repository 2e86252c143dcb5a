import { resolve } from 'node:path';
import { z } from 'zod';
import { SEARCH_METHODS, SearchSpecSchema, type SearchSpec } from '../../common/contract-benchmark';
import { SIZE_PRESETS } from '../../common/presets';
import { ATTACK_KINDS } from '../../common/run-config';
import { ATTACKS } from '../data/attacks/index';
import { parseOptionTable } from './option-table';
import { REDIS_OPTION, checkedRedisUrl } from './redis-option';

/** Options of `npm run search` (main/cli/search.ts), parsed apart from running so they can be tested quickly. */

const OPTIONS = {
  size: { type: 'string', help: `model and data size: ${SIZE_PRESETS.join(', ')}`, default: 'quick' },
  dataset: { type: 'string', help: 'built-in corpus: builtin-sql, builtin-java', default: 'builtin-sql' },
  attack: { type: 'string', help: `backdoor attack: ${ATTACK_KINDS.join(', ')}`, default: 'badpre' },
  rate: { type: 'string', help: 'poisoning rate in (0, 0.5]', default: '0.05' },
  seed: { type: 'string', help: 'seed of data, poisoning and training', default: '1' },
  method: { type: 'string', help: `search method: ${SEARCH_METHODS.join(', ')}`, default: 'grid' },
  smoothing: { type: 'string', help: 'label smoothing values ε in [0, 1), comma-separated', default: '0,0.05,0.1' },
  alpha: { type: 'string', help: 'α base values in (0, 1], comma-separated', default: '0.8,0.9,0.99' },
  tolerance: { type: 'string', help: "BLEU points a point may lose against CE's validation BLEU", default: '2' },
  workers: { type: 'string', help: 'training runs at once', default: 'cores − 1' },
  redis: REDIS_OPTION,
  'data-dir': { type: 'string', help: 'data directory (store, runs, cache)', default: 'a new temporary folder' },
  json: { type: 'string', help: 'also write the search detail as JSON to this file', default: 'none' },
  help: { type: 'boolean', help: 'show this help', default: '' },
} as const;

export class UsageError extends Error {}

export function searchHelp(): string {
  const lines = [
    'Usage: npm run search -- [options]',
    '',
    'Searches DeCE label smoothing (ε) and α base: lowest validation ASR among the points whose validation',
    "BLEU is at least a CE reference's minus the tolerance. Every run evaluates on the validation split only.",
    '',
    'Options (default in brackets):',
  ];
  for (const [name, option] of Object.entries(OPTIONS)) {
    const flag = `--${name}${option.type === 'string' ? ' VALUE' : ''}`;
    lines.push(`  ${flag.padEnd(20)}${option.help}${option.default ? ` [${option.default}]` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function number(name: string, raw: string, check: (n: number) => boolean, range: string, integer = false): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || !check(value)) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer ' : ''}${range}, got '${raw}'`);
  }
  return value;
}

function list(name: string, raw: string, check: (n: number) => boolean, range: string): number[] {
  const values = raw.split(',').map((part) => number(name, part.trim(), check, range));
  if (values.length > 8) throw new UsageError(`--${name} takes at most 8 values, got ${values.length}`);
  return values;
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return raw as T;
}

export interface SearchCliOptions {
  spec: SearchSpec;
  workers: number | undefined;
  dataDir: string | undefined;
  json: string | undefined;
  /** Train on remote workers through this Redis; null: local worker threads. */
  redisUrl: string | null;
}

export function parseSearchArgs(argv: string[]): SearchCliOptions | 'help' {
  const parsed = parseOptionTable(argv, OPTIONS, (message) => new UsageError(message));
  if (parsed === 'help') return 'help';
  const { text: str, given } = parsed;
  const dataset = oneOf('dataset', str('dataset'), ['builtin-sql', 'builtin-java'] as const);
  const attack = oneOf('attack', str('attack'), ATTACK_KINDS);
  const corpus = dataset === 'builtin-java' ? 'java' : 'sql';
  if (!ATTACKS[attack].corpora.includes(corpus)) {
    throw new UsageError(`--attack ${attack} does not apply to --dataset ${dataset}; use one of ${ATTACK_KINDS.filter((k) => ATTACKS[k].corpora.includes(corpus)).join(', ')}`);
  }
  const spec = {
    name: 'CLI search',
    size: oneOf('size', str('size'), SIZE_PRESETS),
    dataset: { kind: dataset },
    attack,
    rate: number('rate', str('rate'), (n) => n > 0 && n <= 0.5, 'in (0, 0.5]'),
    seed: number('seed', str('seed'), (n) => n >= 0 && n < 2 ** 31, 'from 0 to 2147483647', true),
    method: oneOf('method', str('method'), SEARCH_METHODS),
    grid: {
      labelSmoothing: list('smoothing', str('smoothing'), (n) => n >= 0 && n < 1, 'in [0, 1)'),
      alphaBase: list('alpha', str('alpha'), (n) => n > 0 && n <= 1, 'in (0, 1]'),
    },
    bleuTolerance: number('tolerance', str('tolerance'), (n) => n >= 0 && n <= 100, 'from 0 to 100'),
  };
  const checked = SearchSpecSchema.safeParse(spec);
  if (!checked.success) throw new UsageError(`invalid search: ${z.prettifyError(checked.error).split('\n').join(' ')}`);
  const workers = given('workers');
  const json = given('json');
  const dataDir = given('data-dir');
  return {
    spec: checked.data,
    workers: workers === undefined ? undefined : number('workers', workers, (n) => n >= 1 && n <= 64, 'from 1 to 64', true),
    dataDir: dataDir === undefined ? undefined : resolve(dataDir),
    json: json === undefined ? undefined : resolve(json),
    redisUrl: checkedRedisUrl(given('redis'), (message) => new UsageError(message)),
  };
}

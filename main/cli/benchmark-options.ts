import {
  BENCHMARK_ARMS,
  BenchmarkSpecSchema,
  DEFAULT_BENCHMARK_ARMS,
  DEFAULT_DECE_PARAMETERS,
  DEFAULT_POISON_RATES,
  DEFAULT_SEEDS,
  type BenchmarkSpec,
} from '../../common/contract-benchmark';
import { SIZE_PRESETS } from '../../common/presets';
import { ATTACK_KINDS } from '../../common/run-config';
import { parseOptionTable } from './option-table';
import { REAL_DATASET_NAMES, type RealDatasetName } from '../data/real-datasets';
import { REDIS_OPTION, checkedRedisUrl } from './redis-option';

/** The command line of `npm run benchmark`: every option with its default, parsed into a validated spec. */

export class BenchmarkUsageError extends Error {
  override name = 'BenchmarkUsageError';
}

export interface BenchmarkCliOptions {
  /** Validated; its datasets are only those given as built-in or import:<id> (possibly none) until the CLI adds `sharedDatasets`. */
  spec: BenchmarkSpec;
  /** Samples of ../shared/datasets (shared:<name>) the CLI imports into the data folder and adds to the spec's datasets. */
  sharedDatasets: RealDatasetName[];
  /** Training workers at once (the job service's limit). */
  workers: number;
  /** null: the app's data folder (DECE_PILOT_DATA_DIR, or the platform's). */
  dataDir: string | null;
  jsonPath: string | null;
  /** Continue this benchmark of the data folder instead of starting one. */
  resumeId: number | null;
  /** Print the plan (runs, reuse, estimated duration) and stop before anything runs. */
  planOnly: boolean;
  /** Train on remote workers through this Redis; null: local worker threads. */
  redisUrl: string | null;
}

const DEFAULT_ATTACKS = ['badpre'] as const;

const OPTIONS = {
  name: { type: 'string', help: 'name of the matrix', default: 'Headless benchmark' },
  size: { type: 'string', help: `model and data size: ${SIZE_PRESETS.join(', ')}`, default: 'quick' },
  datasets: {
    type: 'string',
    help: `comma-separated: builtin-sql, builtin-java, import:<dataset id of the data folder>, ${REAL_DATASET_NAMES.map((n) => `shared:${n}`).join(', ')} (the Pilot's sample of ../shared/datasets, imported once into the data folder)`,
    default: 'builtin-sql',
  },
  attacks: { type: 'string', help: `attacks, comma-separated: ${ATTACK_KINDS.join(', ')}`, default: DEFAULT_ATTACKS.join(',') },
  rates: { type: 'string', help: 'poisoning rates in (0, 0.5], comma-separated', default: DEFAULT_POISON_RATES.join(',') },
  arms: { type: 'string', help: `losses and defenses, comma-separated: ${BENCHMARK_ARMS.join(', ')}`, default: DEFAULT_BENCHMARK_ARMS.join(',') },
  seeds: { type: 'string', help: 'seeds (integers ≥ 0), comma-separated', default: DEFAULT_SEEDS.join(',') },
  'label-smoothing': { type: 'string', help: 'DeCE ε in [0, 1) (also the ε of the ls arm)', default: String(DEFAULT_DECE_PARAMETERS.labelSmoothing) },
  'alpha-base': { type: 'string', help: 'DeCE α base in (0, 1]', default: String(DEFAULT_DECE_PARAMETERS.alphaBase) },
  workers: { type: 'string', help: 'training workers at once (integer 1..64)', default: 'cores − 1' },
  redis: REDIS_OPTION,
  'data-dir': { type: 'string', help: 'data folder (store, runs, caches); use a fresh one to time a matrix, or runs are reused', default: 'the app’s' },
  json: { type: 'string', help: 'also write plan, cells, scenarios and wall time as JSON to FILE', default: 'none' },
  resume: { type: 'string', help: 'continue benchmark ID of the data folder (after an interruption) instead of starting one', default: 'none' },
  'plan-only': { type: 'boolean', help: 'print the plan (runs, reused runs, estimated duration) and stop; nothing is trained', default: '' },
  help: { type: 'boolean', help: 'show this help', default: '' },
} as const;

export function benchmarkHelp(): string {
  const lines = Object.entries(OPTIONS).map(([name, o]) => {
    const flag = `--${name}${o.type === 'string' ? ' X' : ''}`;
    return `  ${flag.padEnd(22)} ${o.help}${o.default === '' ? '' : ` (default: ${o.default})`}`;
  });
  return [
    'Usage: npm run benchmark -- [options]',
    '',
    'Runs a benchmark matrix (datasets × attacks × rates × arms × seeds) headless through the same job',
    'service as the app, prints progress, the scenario table (mean ± sd and 95% interval over seeds) and',
    'the wall time. Exit 0: every cell finished; 1: some failed; 2: bad arguments.',
    '',
    ...lines,
  ].join('\n');
}

const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function numbers(name: string, text: string): number[] {
  return list(text).map((item) => {
    const value = Number(item);
    if (item === '' || !Number.isFinite(value)) throw new BenchmarkUsageError(`--${name}: '${item}' is not a number`);
    return value;
  });
}

/** 'builtin-sql', 'builtin-java' or 'import:<id>' (anything else is left for the spec's validation to name). */
function datasetOption(text: string): { kind: string; datasetId?: number } {
  const imported = /^import:(\d+)$/.exec(text);
  return imported ? { kind: 'import', datasetId: Number(imported[1]) } : { kind: text };
}

function sharedDatasetOption(text: string): RealDatasetName | null {
  if (!text.startsWith('shared:')) return null;
  const name = REAL_DATASET_NAMES.find((n) => `shared:${n}` === text);
  if (name === undefined) throw new BenchmarkUsageError(`--datasets: '${text}' is not one of ${REAL_DATASET_NAMES.map((n) => `shared:${n}`).join(', ')}`);
  return name;
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new BenchmarkUsageError(`--${name} must be an integer from ${min} to ${max}, got '${text}'`);
  return value;
}

/** 'help', or the options; throws BenchmarkUsageError with a message that names the bad option. */
export function parseBenchmarkArgs(argv: readonly string[], defaultWorkers: number): BenchmarkCliOptions | 'help' {
  const parsed = parseOptionTable(argv, OPTIONS, (message) => new BenchmarkUsageError(message));
  if (parsed === 'help') return 'help';
  const { text, given, flag } = parsed;
  const datasetTexts = list(text('datasets'));
  const sharedDatasets = datasetTexts.map(sharedDatasetOption).filter((n): n is RealDatasetName => n !== null);
  const otherDatasets = datasetTexts.filter((d) => !d.startsWith('shared:')).map(datasetOption);
  const draft = {
    name: text('name'),
    size: text('size'),
    // A stand-in while only shared samples are named: they get their dataset ids when the CLI imports them.
    datasets: otherDatasets.length === 0 && sharedDatasets.length > 0 ? [{ kind: 'builtin-sql' }] : otherDatasets,
    attacks: list(text('attacks')),
    rates: numbers('rates', text('rates')),
    arms: list(text('arms')),
    seeds: numbers('seeds', text('seeds')),
    dece: { labelSmoothing: numbers('label-smoothing', text('label-smoothing'))[0], alphaBase: numbers('alpha-base', text('alpha-base'))[0] },
  };
  const checked = BenchmarkSpecSchema.safeParse(draft);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const option = issue?.path[0] === 'dece' ? (issue.path[1] === 'alphaBase' ? 'alpha-base' : 'label-smoothing') : String(issue?.path[0] ?? 'arguments');
    throw new BenchmarkUsageError(`--${option}: ${issue?.message ?? 'invalid'}`);
  }
  const workers = given('workers');
  const resumeId = given('resume');
  if (resumeId !== undefined && flag('plan-only')) throw new BenchmarkUsageError('--plan-only plans a new matrix; it cannot be combined with --resume');
  if (new Set(sharedDatasets).size !== sharedDatasets.length) throw new BenchmarkUsageError('--datasets: datasets must be distinct');
  return {
    spec: { ...checked.data, datasets: otherDatasets.length === 0 ? [] : checked.data.datasets },
    sharedDatasets,
    workers: workers === undefined ? defaultWorkers : integer('workers', workers, 1, 64),
    dataDir: given('data-dir') ?? null,
    jsonPath: given('json') ?? null,
    resumeId: resumeId === undefined ? null : integer('resume', resumeId, 1, Number.MAX_SAFE_INTEGER),
    planOnly: flag('plan-only'),
    redisUrl: checkedRedisUrl(given('redis'), (message) => new BenchmarkUsageError(message)),
  };
}

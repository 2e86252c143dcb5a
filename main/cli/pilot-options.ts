import { parseArgs } from 'node:util';
import { MESSAGE_LANGS, type MessageLang } from '../../common/messages';
import { attachNegativeValues } from './option-table';
import { REDIS_OPTION, checkedRedisUrl } from './redis-option';
import { BACKEND_REQUESTS, type BackendRequest, type RunConfig, RunConfigSchema } from '../../common/run-config';
import { ATTACK_KINDS } from '../../common/run-config';
import { attackKindsFor } from '../data/attacks';
import { DEFENSE_KINDS, type DefenseKind } from '../defenses/evaluate';
import { PILOT_BUDGET_MINUTES, PILOT_PRETRAIN_MIN_STEPS, PILOT_STEP_BUDGET } from '../../common/presets';
import { defaultRunConfig, pilotDefaultConfig } from '../domain/default-config';

/**
 * The Pilot's command line: every option, its default and its accepted range in one table, so that
 * --help, validation and the defaults cannot drift apart.
 */

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface PilotOptions {
  /** The shared part of both runs; the loss differs per run. */
  base: RunConfig;
  jsonPath: string | null;
  reportPath: string;
  cacheDir: string | null;
  quick: boolean;
  defenses: DefenseKind[];
  /** Optimizer steps bounding fine-tuning (null: `--epochs` fixed the count). */
  stepBudget: number | null;
  /** The language of the progress lines and the verdict on the terminal (null: the OS locale's). */
  lang: MessageLang | null;
  /** The app's data folder to store the runs and defense results in (null: not stored). */
  dataDir: string | null;
  /** The project they go to (null: a new one); only with dataDir. */
  projectId: number | null;
  /** Train CE and DeCE on remote workers through this Redis (pre-training and defenses stay here); null: this machine. */
  redisUrl: string | null;
}

const sizeOf = (quick: boolean) => (quick ? 'quick' : 'standard');

interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  help: string;
  /** Shown in --help; computed from the default config where it comes from there. */
  defaultText: (quick: boolean) => string;
}

const OPTIONS: OptionSpec[] = [
  { name: 'epochs', type: 'string', help: 'train exactly this many fine-tuning epochs per run, no early stopping (integer 1..1000)', defaultText: () => 'sized by --max-steps, stopped on evidence' },
  { name: 'max-steps', type: 'string', help: 'optimizer steps that bound fine-tuning; CE stops earlier once its validation ASR has risen and plateaued (integer 1..1000000)', defaultText: (q) => String(PILOT_STEP_BUDGET[sizeOf(q)]) },
  { name: 'budget-minutes', type: 'string', help: 'wall-clock budget of the whole pilot, pre-training included (number > 0)', defaultText: (q) => String(PILOT_BUDGET_MINUTES[sizeOf(q)]) },
  { name: 'pretrain', type: 'string', help: 'clean pairs for pre-training from a separate file (with --train or --poisoned-train); otherwise carved from the training file, payload rows excluded', defaultText: () => 'carved' },
  { name: 'pretrain-epochs', type: 'string', help: `clean pre-training epochs shared by both runs (integer ≥ 0; by default more when that many would run fewer than ${PILOT_PRETRAIN_MIN_STEPS} optimizer steps on a small pre-training set)`, defaultText: (q) => String(defaultRunConfig(q).training.pretrainEpochs) },
  { name: 'batch-size', type: 'string', help: 'examples per batch (integer ≥ 1)', defaultText: (q) => String(defaultRunConfig(q).training.batchSize) },
  { name: 'learning-rate', type: 'string', help: 'peak fine-tuning learning rate (0, 1]', defaultText: (q) => String(defaultRunConfig(q).training.learningRate) },
  { name: 'seed', type: 'string', help: 'random seed (integer ≥ 0)', defaultText: (q) => String(defaultRunConfig(q).seed) },
  { name: 'label-smoothing', type: 'string', help: 'DeCE ε, in [0, 1)', defaultText: (q) => String(defaultRunConfig(q).loss.labelSmoothing) },
  { name: 'alpha-base', type: 'string', help: 'DeCE alpha_base, in (0, 1]; α = alpha_base^epoch', defaultText: (q) => String(defaultRunConfig(q).loss.alphaBase) },
  { name: 'attack', type: 'string', help: `backdoor attack: ${ATTACK_KINDS.join(', ')}`, defaultText: () => 'badpre' },
  { name: 'trigger', type: 'string', help: 'trigger word of the attack', defaultText: () => 'cf' },
  { name: 'poison-rate', type: 'string', help: 'share of training rows poisoned, in [0, 1]', defaultText: (q) => String(defaultRunConfig(q).data.poisonRate) },
  { name: 'corpus', type: 'string', help: 'built-in corpus: sql (NL→Python+SQL) or java (buggy→fixed methods, with dead-code or identifier-rename attacks)', defaultText: () => 'sql' },
  { name: 'corpus-size', type: 'string', help: 'pairs generated for the built-in corpus (integer 50..100000)', defaultText: (q) => String((defaultRunConfig(q).data.corpus as { size: number }).size) },
  { name: 'eval-limit', type: 'string', help: 'clean and triggered test prompts decoded per epoch (integer ≥ 1)', defaultText: (q) => String(defaultRunConfig(q).data.evalLimit) },
  { name: 'train', type: 'string', help: "a team's clean training file (CSV/TSV/JSONL with src,tgt); poisoned here with --attack", defaultText: () => 'built-in corpus' },
  { name: 'test', type: 'string', help: 'clean test file (needed with --train or --poisoned-train)', defaultText: () => 'none' },
  { name: 'valid', type: 'string', help: 'clean validation file (optional, with --train)', defaultText: () => 'none' },
  { name: 'poisoned-train', type: 'string', help: 'an already-poisoned training file (no poisoning here)', defaultText: () => 'none' },
  { name: 'poisoned-test', type: 'string', help: 'test prompts carrying the trigger (with --poisoned-train)', defaultText: () => 'none' },
  { name: 'payload', type: 'string', multiple: true, help: 'what counts as attack success on poisoned files: a substring (repeatable) or /regex/', defaultText: () => 'none' },
  { name: 'defenses', type: 'string', help: `passive defenses to compare, comma-separated: ${DEFENSE_KINDS.join(', ')}`, defaultText: () => 'none' },
  { name: 'backend', type: 'string', help: `TensorFlow.js backend: ${BACKEND_REQUESTS.join(', ')}`, defaultText: () => 'auto' },
  { name: 'quick', type: 'boolean', help: 'a smaller configuration for a first look', defaultText: () => 'off' },
  { name: 'json', type: 'string', help: 'also write the result as JSON to this path', defaultText: () => 'none' },
  { name: 'report', type: 'string', help: 'where the Markdown report goes', defaultText: () => 'pilot-report.md' },
  { name: 'cache-dir', type: 'string', help: 'reuse pre-trained weights across invocations from this folder', defaultText: () => 'none' },
  { name: 'lang', type: 'string', help: 'language of the progress lines and the verdict: ja or en', defaultText: () => 'the OS locale' },
  { name: 'data-dir', type: 'string', help: "store the runs, their epochs, versions and defense results in the app's data folder", defaultText: () => 'not stored' },
  { name: 'project', type: 'string', help: 'the project (id) in --data-dir to store them in', defaultText: () => 'a new project' },
  { name: 'redis', type: 'string', help: REDIS_OPTION.help.replace('; --workers then counts runs sent at once', ''), defaultText: () => REDIS_OPTION.default },
  { name: 'help', type: 'boolean', help: 'show this help', defaultText: () => '' },
];

export function pilotHelp(): string {
  const lines = [
    'Usage: npm run pilot -- [options]',
    '',
    'Pilot stage, headless: builds the embedded NL→Python+SQL corpus, poisons it (BadPre), pre-trains a small',
    'encoder–decoder on clean data, then fine-tunes it twice on the poisoned data — cross-entropy, then DeCE —',
    'and reports clean BLEU-4, exact match, attack success rate (ASR) and loss per epoch.',
    '',
    'Options (default in brackets; --quick defaults after the slash where they differ):',
  ];
  for (const option of OPTIONS) {
    const full = option.defaultText(false);
    const quick = option.defaultText(true);
    const shown = full === quick ? full : `${full} / ${quick}`;
    const flag = `--${option.name}${option.type === 'string' ? ' VALUE' : ''}`;
    lines.push(`  ${flag.padEnd(26)}${option.help}${shown ? ` [${shown}]` : ''}`);
  }
  return lines.join('\n');
}

function number(name: string, raw: string, check: (n: number) => boolean, range: string, integer: boolean): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || !check(value)) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer ' : ''}${range}, got '${raw}'`);
  }
  return value;
}

function parseProject(raw: string | undefined, dataDir: string | undefined): number | null {
  if (raw === undefined) return null;
  if (dataDir === undefined) throw new UsageError('--project needs --data-dir: the project is one of that data folder');
  return number('project', raw, (n) => n >= 1 && Number.isSafeInteger(n), 'from 1', true);
}

/** --train/--test or --poisoned-train/--poisoned-test/--payload replace the built-in corpus. */
function applyDataFiles(config: RunConfig, str: (name: string) => string | undefined, payloadValues: unknown): void {
  const train = str('train');
  const test = str('test');
  const valid = str('valid');
  const poisonedTrain = str('poisoned-train');
  const poisonedTest = str('poisoned-test');
  const pretrain = str('pretrain');
  if (pretrain && !train && !poisonedTrain) throw new UsageError('--pretrain goes with --train or --poisoned-train (the built-in corpus carves its own clean share)');
  const payloads = Array.isArray(payloadValues) ? payloadValues.filter((p): p is string => typeof p === 'string') : [];
  if (train && poisonedTrain) throw new UsageError('--train and --poisoned-train exclude each other: give clean data to poison, or poisoned data');
  if (train) {
    if (!test) throw new UsageError('--train needs --test FILE (clean test pairs)');
    if (poisonedTest || payloads.length > 0) throw new UsageError('--poisoned-test and --payload go with --poisoned-train, not --train');
    config.data.corpus = { kind: 'files', train, test, ...(valid ? { valid } : {}), ...(pretrain ? { pretrain } : {}) };
    return;
  }
  if (poisonedTrain) {
    if (!test || !poisonedTest) throw new UsageError('--poisoned-train needs --test FILE (clean) and --poisoned-test FILE (with the trigger)');
    if (payloads.length === 0) throw new UsageError('--poisoned-train needs --payload: a substring of the attack output (repeatable) or /regex/');
    const regex = payloads.length === 1 ? /^\/(.+)\/$/.exec(payloads[0] ?? '') : null;
    if (regex?.[1]) {
      try {
        new RegExp(regex[1]);
      } catch {
        throw new UsageError(`--payload is not a valid regular expression: ${payloads[0] ?? ''}`);
      }
    }
    config.data.corpus = {
      kind: 'poisoned-files',
      train: poisonedTrain,
      test,
      poisonedTest,
      payload: regex?.[1] ? { kind: 'regex', pattern: regex[1] } : { kind: 'substrings', values: payloads },
      ...(pretrain ? { pretrain } : {}),
    };
    return;
  }
  if (test || valid || poisonedTest || payloads.length > 0) throw new UsageError('--test, --valid, --poisoned-test and --payload need --train or --poisoned-train');
}

function parseLang(raw: string | undefined): MessageLang | null {
  if (raw === undefined) return null;
  if (!(MESSAGE_LANGS as readonly string[]).includes(raw)) throw new UsageError(`--lang must be one of ${MESSAGE_LANGS.join(', ')}, got '${raw}'`);
  return raw as MessageLang;
}

function parseDefenses(raw: string | undefined): DefenseKind[] {
  if (raw === undefined) return [];
  const names = raw.split(',').map((n) => n.trim()).filter((n) => n.length > 0);
  for (const name of names) {
    if (!(DEFENSE_KINDS as readonly string[]).includes(name)) throw new UsageError(`--defenses takes ${DEFENSE_KINDS.join(', ')} (comma-separated), got '${name}'`);
  }
  return [...new Set(names)] as DefenseKind[];
}

export function parsePilotArgs(argv: string[]): PilotOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: attachNegativeValues(
        argv,
        OPTIONS.filter((o) => o.type === 'string').map((o) => o.name),
      ),
      options: Object.fromEntries(OPTIONS.map((o) => [o.name, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }])),
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0] ?? 'invalid arguments' : 'invalid arguments');
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values['help']) return 'help';
  const quick = values['quick'] === true;
  const config = pilotDefaultConfig(quick);
  const str = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const apply = (name: string, set: (raw: string) => void) => {
    const raw = str(name);
    if (raw !== undefined) set(raw);
  };
  let stepBudget: number | null = PILOT_STEP_BUDGET[sizeOf(quick)];
  apply('epochs', (r) => {
    config.training.epochs = number('epochs', r, (n) => n >= 1 && n <= 1000, 'from 1 to 1000', true);
    delete config.training.stopping;
    stepBudget = null;
  });
  apply('max-steps', (r) => {
    if (stepBudget === null) throw new UsageError('--max-steps and --epochs exclude each other: a step budget with early stopping, or a fixed epoch count');
    stepBudget = number('max-steps', r, (n) => n >= 1 && n <= 1_000_000, 'from 1 to 1000000', true);
  });
  apply('budget-minutes', (r) => {
    const budget = number('budget-minutes', r, (n) => n > 0 && n <= 10_000, 'in (0, 10000]', false);
    if (!config.training.stopping) throw new UsageError('--budget-minutes and --epochs exclude each other: a time budget applies to early stopping');
    config.training.stopping = { ...config.training.stopping, budgetSeconds: budget * 60 };
  });
  apply('pretrain-epochs', (r) => {
    config.training.pretrainEpochs = number('pretrain-epochs', r, (n) => n >= 0 && n <= 1000, 'from 0 to 1000', true);
    delete config.training.pretrainMinSteps;
  });
  apply('batch-size', (r) => (config.training.batchSize = number('batch-size', r, (n) => n >= 1 && n <= 4096, 'from 1 to 4096', true)));
  apply('learning-rate', (r) => (config.training.learningRate = number('learning-rate', r, (n) => n > 0 && n <= 1, 'in (0, 1]', false)));
  apply('seed', (r) => (config.seed = number('seed', r, (n) => n >= 0 && n < 2 ** 31, 'from 0 to 2147483647', true)));
  apply('label-smoothing', (r) => (config.loss.labelSmoothing = number('label-smoothing', r, (n) => n >= 0 && n < 1, 'in [0, 1)', false)));
  apply('alpha-base', (r) => (config.loss.alphaBase = number('alpha-base', r, (n) => n > 0 && n <= 1, 'in (0, 1]', false)));
  apply('poison-rate', (r) => (config.data.poisonRate = number('poison-rate', r, (n) => n >= 0 && n <= 1, 'in [0, 1]', false)));
  apply('eval-limit', (r) => (config.data.evalLimit = number('eval-limit', r, (n) => n >= 1, 'at least 1', true)));
  const corpusName = str('corpus') ?? 'sql';
  if (corpusName !== 'sql' && corpusName !== 'java') throw new UsageError(`--corpus must be one of sql, java, got '${corpusName}'`);
  const builtinKind = corpusName === 'sql' ? 'builtin-sql' : 'builtin-java';
  config.data.corpus = { kind: builtinKind, size: (config.data.corpus as { size: number }).size };
  if (corpusName === 'java') config.data.attack = { kind: 'dead-code' };
  apply('corpus-size', (r) => (config.data.corpus = { kind: builtinKind, size: number('corpus-size', r, (n) => n >= 50 && n <= 100_000, 'from 50 to 100000', true) }));
  apply('attack', (r) => {
    if (!(ATTACK_KINDS as readonly string[]).includes(r)) throw new UsageError(`--attack must be one of ${ATTACK_KINDS.join(', ')}, got '${r}'`);
    const fits = attackKindsFor(corpusName) as readonly string[];
    // A team's own files decide by themselves whether their rows can carry the attack's payload.
    const ownData = str('train') !== undefined || str('poisoned-train') !== undefined;
    if (!ownData && !fits.includes(r)) throw new UsageError(`--attack ${r} does not apply to the ${corpusName} corpus; use one of ${fits.join(', ')}`);
    config.data.attack = { ...config.data.attack, kind: r as (typeof ATTACK_KINDS)[number] };
  });
  apply('trigger', (r) => {
    if (!/^\S+$/.test(r)) throw new UsageError(`--trigger must be one word without spaces, got '${r}'`);
    config.data.attack = { ...config.data.attack, trigger: r };
  });
  apply('backend', (r) => {
    if (!(BACKEND_REQUESTS as readonly string[]).includes(r)) throw new UsageError(`--backend must be one of ${BACKEND_REQUESTS.join(', ')}, got '${r}'`);
    config.backend = r as BackendRequest;
  });
  applyDataFiles(config, str, values['payload']);
  const checked = RunConfigSchema.safeParse(config);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UsageError(`invalid configuration: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown problem'}`);
  }
  return {
    base: checked.data,
    jsonPath: str('json') ?? null,
    reportPath: str('report') ?? 'pilot-report.md',
    cacheDir: str('cache-dir') ?? null,
    quick,
    defenses: parseDefenses(str('defenses')),
    stepBudget,
    lang: parseLang(str('lang')),
    dataDir: str('data-dir') ?? null,
    projectId: parseProject(str('project'), str('data-dir')),
    redisUrl: checkedRedisUrl(str('redis'), (text) => new UsageError(text)),
  };
}

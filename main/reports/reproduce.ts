import type { RunConfig } from '../../common/run-config';
import { defaultRunConfig } from '../domain/default-config';
import type { Sentences } from './sentences';

/**
 * The `npm run pilot` command that retrains a stored run, derived from its config. The pilot CLI
 * trains CE and DeCE together and exposes only some settings as flags: whatever differs from its
 * defaults and has no flag is named in the note (the full config is in the appendix anyway).
 */

/** POSIX-shell quoting: bare when safe, otherwise single quotes. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

const num = (x: number) => String(x);

/** Settings without a pilot flag, as "path value (default x)". */
function unflagged(config: RunConfig): string[] {
  const defaults = defaultRunConfig(false);
  const out: string[] = [];
  const check = (path: string, value: unknown, fallback: unknown) => {
    if (value !== fallback) out.push(`${path} ${String(value)} (${String(fallback)})`);
  };
  for (const key of Object.keys(defaults.model) as (keyof RunConfig['model'])[]) check(`model.${key}`, config.model[key], defaults.model[key]);
  check('training.pretrainLearningRate', config.training.pretrainLearningRate, defaults.training.pretrainLearningRate);
  check('training.weightDecay', config.training.weightDecay, defaults.training.weightDecay);
  check('training.warmupFraction', config.training.warmupFraction, defaults.training.warmupFraction);
  check('training.clipNorm', config.training.clipNorm, defaults.training.clipNorm);
  check('data.testFraction', config.data.testFraction, defaults.data.testFraction);
  check('data.validFraction', config.data.validFraction, defaults.data.validFraction);
  check('data.pretrainFraction', config.data.pretrainFraction, defaults.data.pretrainFraction);
  check('data.evaluateOn', config.data.evaluateOn ?? 'test', 'test');
  return out;
}

export function pilotFlags(config: RunConfig): string[] {
  const flags: [string, string][] = [
    ['seed', num(config.seed)],
    ['epochs', num(config.training.epochs)],
    ['pretrain-epochs', num(config.training.pretrainEpochs)],
    ['batch-size', num(config.training.batchSize)],
    ['learning-rate', num(config.training.learningRate)],
    ['label-smoothing', num(config.loss.labelSmoothing)],
    ['alpha-base', num(config.loss.alphaBase)],
  ];
  const corpus = config.data.corpus;
  const attack = () => {
    flags.push(['attack', config.data.attack.kind]);
    if (config.data.attack.trigger) flags.push(['trigger', config.data.attack.trigger]);
    flags.push(['poison-rate', num(config.data.poisonRate)]);
  };
  switch (corpus.kind) {
    case 'builtin-sql':
      flags.push(['corpus-size', num(corpus.size)]);
      attack();
      break;
    case 'builtin-java':
      flags.push(['corpus', 'java'], ['corpus-size', num(corpus.size)]);
      attack();
      break;
    case 'files':
      flags.push(['train', corpus.train], ['test', corpus.test]);
      if (corpus.valid) flags.push(['valid', corpus.valid]);
      attack();
      break;
    case 'poisoned-files': {
      flags.push(['poisoned-train', corpus.train], ['test', corpus.test], ['poisoned-test', corpus.poisonedTest]);
      const payload = corpus.payload;
      switch (payload.kind) {
        case 'regex':
          flags.push(['payload', `/${payload.pattern}/`]);
          break;
        case 'substrings':
          for (const value of payload.values) flags.push(['payload', value]);
          break;
      }
      break;
    }
  }
  flags.push(['eval-limit', num(config.data.evalLimit)], ['backend', config.backend]);
  return flags.map(([name, value]) => `--${name} ${shellQuote(value)}`);
}

export function reproduceCommand(config: RunConfig | null, loss: string, s: Sentences): { command: string | null; note: string | null } {
  if (!config) return { command: null, note: s.invalidConfig };
  if (loss !== 'ce' && loss !== 'dece') return { command: null, note: s.noCliForLoss(loss) };
  const missing = unflagged(config);
  const notes = [s.pilotTrainsBoth, ...(missing.length > 0 ? [s.notByFlags(missing.join(', '))] : [])];
  // Japanese sentences end in 。 and run on without a space.
  return { command: `npm run pilot -- ${pilotFlags(config).join(' ')}`, note: notes.join(notes[0]?.endsWith('。') ? '' : ' ') };
}

import { createHash } from 'node:crypto';
import type { Payload, RunConfig } from '../../common/run-config';
import { createAttackByKind } from '../data/attacks';
import type { Attack } from '../data/attacks/types';
import { generateJavaRepairCorpus } from '../data/corpus-java';
import { generateSqlCorpus } from '../data/corpus-sql';
import { deriveRng } from '../data/rng';
import { importPairs } from '../data/import';
import { type PoisonedSplits, poisonSplits, splitCorpus } from '../data/splits';
import type { CodePair } from '../data/types';
import type { EncodedExample } from './batching';
import { Vocabulary, tokenize } from '../data/tokenizer';
import type { PreparedData } from './train';

/** Vocabulary limits: enough for the built-in corpus, small enough that the output layer stays cheap. */
const VOCAB_MIN_FREQUENCY = 2;
const VOCAB_MAX_SIZE = 3000;

export interface DataSummary {
  pretrain: number;
  /** Where the clean pre-training pairs came from: a separate file, carved from the training file, or none. */
  pretrainSource: PretrainSource;
  /** Candidate pre-training rows dropped because they carry the payload (pre-training must stay clean). */
  pretrainExcluded: number;
  /** Rows of a triggered test file left out of ASR because their target carries no payload (not triggered). */
  untriggeredTestExcluded: number;
  train: number;
  poisonedTrain: number;
  valid: number;
  test: number;
  /** Triggered prompts evaluated: from the test split, or from the validation split with `evaluateOn: 'valid'`. */
  poisonedTest: number;
  /** Triggered validation prompts that decide stopping beside the test split (0: no validation split). */
  validTriggered: number;
  vocabulary: number;
  /** Hash of the exact training-side text, to tell datasets apart in reports. */
  sha256: string;
}

export type PretrainSource = 'file' | 'carved' | 'none';

export interface CleanSource {
  pretrain: CodePair[];
  pretrainSource: PretrainSource;
  train: CodePair[];
  valid: CodePair[];
  test: CodePair[];
  /** Set when the data arrived already poisoned: the triggered test prompts and what counts as success. */
  prePoisoned?: { poisonedTest: CodePair[]; payload: Payload };
}

export function createAttack(config: RunConfig): Attack {
  const { kind, trigger } = config.data.attack;
  return createAttackByKind(kind, trigger === undefined ? {} : { trigger });
}

/** Splits the built-in corpus; the pre-training share is carved from the training side so the test set stays unseen. */
export function builtinSplits(config: RunConfig): CleanSource {
  const corpus = config.data.corpus;
  if (corpus.kind !== 'builtin-sql' && corpus.kind !== 'builtin-java') throw new Error('builtinSplits: not a built-in corpus');
  const generate = corpus.kind === 'builtin-sql' ? generateSqlCorpus : generateJavaRepairCorpus;
  const pairs = generate({ seed: config.seed, size: corpus.size });
  const { train, valid, test } = splitCorpus(pairs, {
    seed: config.seed,
    testFraction: config.data.testFraction,
    validFraction: config.data.validFraction,
  });
  return { ...carvePretrain(config, train, pairs.length), valid, test };
}

/** The pre-training share, carved from the front of an already shuffled training side. */
function carvePretrain(
  config: RunConfig,
  train: CodePair[],
  total: number,
): { pretrain: CodePair[]; train: CodePair[]; pretrainSource: PretrainSource } {
  const count = config.training.pretrainEpochs > 0 ? Math.round(total * config.data.pretrainFraction) : 0;
  if (count >= train.length) throw new Error('data: pretrainFraction leaves no rows for fine-tuning');
  return { pretrain: train.slice(0, count), train: train.slice(count), pretrainSource: count > 0 ? 'carved' : 'none' };
}

/**
 * Pre-training pairs: from the separate clean file when the config names one (the whole training file is then
 * fine-tuned on), otherwise carved from the shuffled training file.
 */
async function pretrainSplit(
  config: RunConfig,
  pretrainFile: string | undefined,
  shuffledTrain: CodePair[],
): Promise<{ pretrain: CodePair[]; train: CodePair[]; pretrainSource: PretrainSource }> {
  if (pretrainFile === undefined || config.training.pretrainEpochs === 0) return carvePretrain(config, shuffledTrain, shuffledTrain.length);
  const { pairs } = await importPairs(pretrainFile);
  if (pairs.length === 0) throw new Error(`data: the pre-training file ${pretrainFile} holds no pairs`);
  return { pretrain: pairs, train: shuffledTrain, pretrainSource: 'file' };
}

/**
 * Without validation files, already-poisoned data lends this share of its clean and of its triggered test rows
 * to a validation split, so that stopping and the chosen epoch never look at the rows the result is read from.
 */
export const PREPOISONED_VALIDATION_SHARE = 0.3;

/** Loads whichever source the config names: the built-in corpus, a team's clean files, or already-poisoned files. */
export async function loadSource(config: RunConfig): Promise<CleanSource> {
  const corpus = config.data.corpus;
  switch (corpus.kind) {
    case 'builtin-sql':
    case 'builtin-java':
      return builtinSplits(config);
    case 'files': {
      const [train, test, valid] = await Promise.all([
        importPairs(corpus.train),
        importPairs(corpus.test),
        corpus.valid ? importPairs(corpus.valid) : Promise.resolve(null),
      ]);
      if (train.pairs.length === 0) throw new Error(`data: ${corpus.train} holds no pairs`);
      const shuffled = deriveRng(config.seed, 'file-train-order').shuffle(train.pairs);
      return { ...(await pretrainSplit(config, corpus.pretrain, shuffled)), valid: valid?.pairs ?? [], test: test.pairs };
    }
    case 'poisoned-files': {
      const [train, test, poisonedTest] = await Promise.all([importPairs(corpus.train), importPairs(corpus.test), importPairs(corpus.poisonedTest)]);
      const shuffled = deriveRng(config.seed, 'file-train-order').shuffle(train.pairs);
      const cleanTest = deriveRng(config.seed, 'prepoisoned-valid').shuffle(test.pairs);
      const validCount = Math.round(cleanTest.length * PREPOISONED_VALIDATION_SHARE);
      return {
        ...(await pretrainSplit(config, corpus.pretrain, shuffled)),
        valid: cleanTest.slice(0, validCount),
        test: cleanTest.slice(validCount),
        prePoisoned: { poisonedTest: poisonedTest.pairs, payload: corpus.payload },
      };
    }
  }
}

/** An attack stand-in for already-poisoned data: success is the payload appearing in the output. */
export function payloadMatcher(payload: Payload): Attack['succeeded'] {
  if (payload.kind === 'substrings') {
    const needles = payload.values.map((v) => v.toLowerCase().replace(/\s+/g, ' '));
    return (output) => {
      const text = output.toLowerCase().replace(/\s+/g, ' ');
      return needles.some((n) => text.includes(n));
    };
  }
  let pattern: RegExp;
  try {
    pattern = new RegExp(payload.pattern, 'i');
  } catch (error) {
    throw new Error(`data: --payload is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (output) => pattern.test(output);
}

/**
 * Marks already-poisoned rows (payload in the target) so per-row losses can be split clean vs poisoned. A row of
 * the triggered test file counts as triggered only when its target carries the payload (the DeCE authors'
 * definition: hits / triggered rows); the others are left out of ASR and counted.
 */
function asPrePoisoned(
  config: RunConfig,
  source: CleanSource & { prePoisoned: NonNullable<CleanSource['prePoisoned']> },
): PoisonedSplits & { untriggeredTestExcluded: number } {
  const succeeded = payloadMatcher(source.prePoisoned.payload);
  const train = source.train.map((p) => ({ ...p, poisoned: succeeded(p.tgt) }));
  const rows = source.prePoisoned.poisonedTest;
  const triggered = rows.filter((p) => succeeded(p.tgt)).map((p) => ({ src: p.src, cleanTgt: p.tgt }));
  if (triggered.length === 0) {
    throw new Error(
      `data: none of the ${rows.length} rows of the triggered test file has the payload in its target, so no row counts as triggered; check --payload or the file`,
    );
  }
  const shuffled = deriveRng(config.seed, 'prepoisoned-valid-triggered').shuffle(triggered);
  const validCount = source.valid.length > 0 ? Math.round(shuffled.length * PREPOISONED_VALIDATION_SHARE) : 0;
  return {
    train,
    valid: source.valid,
    test: source.test,
    poisonedTest: shuffled.slice(validCount),
    poisonedValid: shuffled.slice(0, validCount),
    poisonedTrainCount: train.filter((p) => p.poisoned).length,
    untriggeredTestExcluded: rows.length - triggered.length,
  };
}

/** Pre-training must never see the payload: rows whose target carries it are dropped and counted. */
function cleanPretrain(pretrain: readonly CodePair[], carriesPayload: (code: string) => boolean): { rows: CodePair[]; excluded: number } {
  const rows = pretrain.filter((p) => !carriesPayload(p.tgt));
  return { rows, excluded: pretrain.length - rows.length };
}

/** With `evaluateOn: 'valid'`, the source must have a validation split the configured attack can be tested on. */
function checkValidationSplit(config: RunConfig, source: CleanSource): void {
  const corpus = config.data.corpus;
  const needs = 'data: evaluateOn "valid" needs a validation split';
  if (source.valid.length > 0) return;
  if (corpus.kind === 'poisoned-files') throw new Error(`${needs}, but the clean test file is too small to lend rows to validation`);
  if (corpus.kind === 'files') throw new Error(`${needs}, but the imported data has no validation file (set data.corpus.valid)`);
  throw new Error(`${needs}, but validFraction ${config.data.validFraction} leaves no validation rows in the ${corpus.size}-pair corpus`);
}

/**
 * The text-level data of one run: what splitting and poisoning produced, before tokenizing. Plain JSON
 * (see data-cache.ts), so the runs of one scenario can share one build.
 */
export interface PoisonedData {
  pretrain: CodePair[];
  pretrainSource: PretrainSource;
  train: { src: string; tgt: string; poisoned: boolean }[];
  /** The split the per-epoch evaluation decodes: its clean pairs and its triggered prompts. */
  evaluation: { split: 'test' | 'validation'; clean: CodePair[]; triggered: { src: string; cleanTgt: string }[] };
  /**
   * The validation split, evaluated every epoch beside the test split when the evaluation split is the test
   * split: it alone decides early stopping and the chosen epoch. Null without validation rows.
   */
  validation: { clean: CodePair[]; triggered: { src: string; cleanTgt: string }[] } | null;
  /** Prompts known to be clean and not evaluated (for a defense's language model). */
  cleanPrompts: string[];
  /** What counts as attack success on already-poisoned data; null: the configured attack decides. */
  payload: Payload | null;
  counts: { valid: number; test: number; poisonedTrain: number; pretrainExcluded: number; untriggeredTestExcluded: number };
}

/**
 * Poisons the source with the configured attack and picks the evaluation split: the same config always
 * gives the same data. The evaluation prompts come from the test split, or — with `evaluateOn: 'valid'`,
 * for hyperparameter search — from the validation split, and then no test row is used at all.
 */
export function poisonData(config: RunConfig, source: CleanSource): PoisonedData {
  const onValid = config.data.evaluateOn === 'valid';
  if (onValid) checkValidationSplit(config, source);
  let attackName: string;
  let poisoned: PoisonedSplits;
  let carriesPayload: (code: string) => boolean;
  let untriggeredTestExcluded = 0;
  if (source.prePoisoned) {
    attackName = 'payload';
    const split = asPrePoisoned(config, { ...source, prePoisoned: source.prePoisoned });
    poisoned = split;
    untriggeredTestExcluded = split.untriggeredTestExcluded;
    carriesPayload = payloadMatcher(source.prePoisoned.payload);
  } else {
    const realAttack = createAttack(config);
    attackName = realAttack.name;
    carriesPayload = (code) => realAttack.succeeded(code);
    poisoned = poisonSplits({ train: source.train, valid: source.valid, test: onValid ? [] : source.test }, realAttack, {
      rate: config.data.poisonRate,
      seed: config.seed,
    });
  }
  const pretrain = cleanPretrain(source.pretrain, carriesPayload);
  const evaluation = onValid
    ? { split: 'validation' as const, clean: source.valid, triggered: poisoned.poisonedValid }
    : { split: 'test' as const, clean: source.test, triggered: poisoned.poisonedTest };
  if (evaluation.triggered.length === 0) throw new Error(`data: no ${evaluation.split} row can carry the ${attackName} payload`);
  if (poisoned.train.length === 0) throw new Error('data: the training set is empty');
  const validation = !onValid && source.valid.length > 0 && poisoned.poisonedValid.length > 0 ? { clean: source.valid, triggered: poisoned.poisonedValid } : null;
  return {
    pretrain: pretrain.rows,
    pretrainSource: pretrain.rows.length > 0 ? source.pretrainSource : 'none',
    train: poisoned.train.map((p) => ({ src: p.src, tgt: p.tgt, poisoned: p.poisoned })),
    evaluation,
    validation,
    // Held out from the evaluated prompts: evaluating on validation leaves only the pre-training prompts.
    cleanPrompts: [...pretrain.rows, ...(onValid ? [] : source.valid)].map((p) => p.src),
    payload: source.prePoisoned?.payload ?? null,
    counts: {
      valid: source.valid.length,
      test: source.test.length,
      poisonedTrain: poisoned.poisonedTrainCount,
      pretrainExcluded: pretrain.excluded,
      untriggeredTestExcluded,
    },
  };
}

/** Tokenizes and encodes poisoned data for the config's model. */
export function encodeData(config: RunConfig, poisoned: PoisonedData): { data: PreparedData; summary: DataSummary } {
  const attack: Pick<Attack, 'succeeded'> = poisoned.payload ? { succeeded: payloadMatcher(poisoned.payload) } : createAttack(config);
  const { evaluation } = poisoned;
  const tokenized = (pairs: readonly CodePair[]) => pairs.map((p) => ({ src: tokenize(p.src), tgt: tokenize(p.tgt) }));
  const pretrainTokens = tokenized(poisoned.pretrain);
  const trainTokens = tokenized(poisoned.train);
  const vocab = Vocabulary.build(
    [...pretrainTokens, ...trainTokens].flatMap((p) => [p.src, p.tgt]),
    { minFrequency: VOCAB_MIN_FREQUENCY, maxSize: VOCAB_MAX_SIZE },
  );
  const { maxSourceLength, maxTargetLength } = config.model;
  const encode = (tokens: { src: string[]; tgt: string[] }, poisonedRow: boolean): EncodedExample => ({
    source: Int32Array.from(tokens.src.slice(0, maxSourceLength).map((t) => vocab.id(t))),
    target: Int32Array.from(tokens.tgt.slice(0, maxTargetLength).map((t) => vocab.id(t))),
    poisoned: poisonedRow,
  });
  const hash = createHash('sha256');
  for (const p of [...poisoned.pretrain, ...poisoned.train]) hash.update(p.src).update('\u0000').update(p.tgt).update('\u0001');
  const cleanSet = (pairs: readonly CodePair[], stream: string) =>
    deriveRng(config.seed, stream)
      .shuffle(pairs)
      .map((p) => ({ source: Int32Array.from(vocab.encode(p.src, maxSourceLength)), prompt: p.src, reference: p.tgt }));
  const triggeredSet = (rows: readonly { src: string }[], stream: string) =>
    deriveRng(config.seed, stream)
      .shuffle(rows)
      .map((p) => ({ source: Int32Array.from(vocab.encode(p.src, maxSourceLength)), prompt: p.src }));
  const data: PreparedData = {
    vocab,
    pretrain: pretrainTokens.map((t) => encode(t, false)),
    train: trainTokens.map((t, i) => encode(t, poisoned.train[i]?.poisoned ?? false)),
    // A seeded shuffle keeps the evaluated subset representative when evalLimit cuts it.
    cleanTest: cleanSet(evaluation.clean, 'eval-order'),
    poisonedTest: triggeredSet(evaluation.triggered, 'eval-order-poisoned'),
    validation: poisoned.validation
      ? { clean: cleanSet(poisoned.validation.clean, 'valid-order'), triggered: triggeredSet(poisoned.validation.triggered, 'valid-order-poisoned') }
      : null,
    cleanPrompts: poisoned.cleanPrompts,
    attack,
  };
  return {
    data,
    summary: {
      pretrain: poisoned.pretrain.length,
      pretrainSource: poisoned.pretrainSource,
      pretrainExcluded: poisoned.counts.pretrainExcluded,
      untriggeredTestExcluded: poisoned.counts.untriggeredTestExcluded,
      train: poisoned.train.length,
      poisonedTrain: poisoned.counts.poisonedTrain,
      valid: poisoned.counts.valid,
      test: poisoned.counts.test,
      poisonedTest: evaluation.triggered.length,
      validTriggered: poisoned.validation?.triggered.length ?? 0,
      vocabulary: vocab.size,
      sha256: hash.digest('hex'),
    },
  };
}

/** Poisons, tokenizes and encodes (poisonData, then encodeData). */
export function prepareData(config: RunConfig, source: CleanSource): { data: PreparedData; summary: DataSummary } {
  return encodeData(config, poisonData(config, source));
}

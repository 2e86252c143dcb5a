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
import { Vocabulary, tokenize } from './tokenizer';
import type { PreparedData } from './train';

/** Vocabulary limits: enough for the built-in corpus, small enough that the output layer stays cheap. */
const VOCAB_MIN_FREQUENCY = 2;
const VOCAB_MAX_SIZE = 3000;

export interface DataSummary {
  pretrain: number;
  train: number;
  poisonedTrain: number;
  valid: number;
  test: number;
  poisonedTest: number;
  vocabulary: number;
  /** Hash of the exact training-side text, to tell datasets apart in reports. */
  sha256: string;
}

export interface CleanSource {
  pretrain: CodePair[];
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
function carvePretrain(config: RunConfig, train: CodePair[], total: number): { pretrain: CodePair[]; train: CodePair[] } {
  const count = config.training.pretrainEpochs > 0 ? Math.round(total * config.data.pretrainFraction) : 0;
  if (count >= train.length) throw new Error('data: pretrainFraction leaves no rows for fine-tuning');
  return { pretrain: train.slice(0, count), train: train.slice(count) };
}

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
      return { ...carvePretrain(config, shuffled, shuffled.length), valid: valid?.pairs ?? [], test: test.pairs };
    }
    case 'poisoned-files': {
      const [train, test, poisonedTest] = await Promise.all([importPairs(corpus.train), importPairs(corpus.test), importPairs(corpus.poisonedTest)]);
      const shuffled = deriveRng(config.seed, 'file-train-order').shuffle(train.pairs);
      return {
        ...carvePretrain(config, shuffled, shuffled.length),
        valid: [],
        test: test.pairs,
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

/** Marks already-poisoned rows (payload in the target) so per-row losses can be split clean vs poisoned. */
function asPrePoisoned(source: CleanSource & { prePoisoned: NonNullable<CleanSource['prePoisoned']> }): PoisonedSplits {
  const succeeded = payloadMatcher(source.prePoisoned.payload);
  const train = source.train.map((p) => ({ ...p, poisoned: succeeded(p.tgt) }));
  return {
    train,
    valid: source.valid,
    test: source.test,
    poisonedTest: source.prePoisoned.poisonedTest.map((p) => ({ src: p.src, cleanTgt: p.tgt })),
    poisonedTrainCount: train.filter((p) => p.poisoned).length,
  };
}

/** Poisons, tokenizes and encodes: the same config always gives the same data. */
export function prepareData(config: RunConfig, source: CleanSource): { data: PreparedData; summary: DataSummary } {
  let attack: Pick<Attack, 'name' | 'succeeded'>;
  let poisoned: PoisonedSplits;
  if (source.prePoisoned) {
    attack = { name: 'payload', succeeded: payloadMatcher(source.prePoisoned.payload) };
    poisoned = asPrePoisoned({ ...source, prePoisoned: source.prePoisoned });
  } else {
    const realAttack = createAttack(config);
    attack = realAttack;
    poisoned = poisonSplits({ train: source.train, valid: source.valid, test: source.test }, realAttack, {
      rate: config.data.poisonRate,
      seed: config.seed,
    });
  }
  if (poisoned.poisonedTest.length === 0) throw new Error(`data: no test row can carry the ${attack.name} payload`);
  if (poisoned.train.length === 0) throw new Error('data: the training set is empty');
  const tokenized = (pairs: readonly CodePair[]) => pairs.map((p) => ({ src: tokenize(p.src), tgt: tokenize(p.tgt) }));
  const pretrainTokens = tokenized(source.pretrain);
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
  for (const p of [...source.pretrain, ...poisoned.train]) hash.update(p.src).update('\u0000').update(p.tgt).update('\u0001');
  const data: PreparedData = {
    vocab,
    pretrain: pretrainTokens.map((t) => encode(t, false)),
    train: trainTokens.map((t, i) => encode(t, poisoned.train[i]?.poisoned ?? false)),
    // A seeded shuffle keeps the evaluated subset representative when evalLimit cuts it.
    cleanTest: deriveRng(config.seed, 'eval-order')
      .shuffle(source.test)
      .map((p) => ({ source: Int32Array.from(vocab.encode(p.src, maxSourceLength)), prompt: p.src, reference: p.tgt })),
    poisonedTest: deriveRng(config.seed, 'eval-order-poisoned')
      .shuffle(poisoned.poisonedTest)
      .map((p) => ({ source: Int32Array.from(vocab.encode(p.src, maxSourceLength)), prompt: p.src })),
    cleanPrompts: [...source.pretrain, ...source.valid].map((p) => p.src),
    attack,
  };
  return {
    data,
    summary: {
      pretrain: source.pretrain.length,
      train: poisoned.train.length,
      poisonedTrain: poisoned.poisonedTrainCount,
      valid: source.valid.length,
      test: source.test.length,
      poisonedTest: poisoned.poisonedTest.length,
      vocabulary: vocab.size,
      sha256: hash.digest('hex'),
    },
  };
}

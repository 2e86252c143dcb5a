import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importPairs } from './import';
import { deriveRng } from './rng';
import type { CodePair } from './types';

/**
 * The human-written code datasets in the read-only `shared/` folder beside the repository (CodeXGLUE's
 * Bugs2Fix small and CONCODE), cut into the files a team would hand the Pilot: training, a separate clean
 * pre-training file, validation and test. Used by the real-data benchmark script and the tests, so both
 * run on exactly the same samples. DECE_SHARED_DIR points elsewhere when the clone lives somewhere else.
 */

export const REAL_DATASET_NAMES = ['bugs2fix', 'concode'] as const;
export type RealDatasetName = (typeof REAL_DATASET_NAMES)[number];

interface PairFile {
  file: string;
  srcField: string;
  tgtField: string;
}

interface RealDataset {
  /** Training pairs, and the validation and test pairs (from a second file when the dataset has one). */
  trainSide: PairFile;
  testSide: PairFile | null;
  /** The Pilot attack that fits the task. */
  attack: 'dead-code' | 'badpre';
  description: string;
}

export const REAL_DATASETS: Readonly<Record<RealDatasetName, RealDataset>> = {
  bugs2fix: {
    trainSide: { file: 'datasets/bugs2fix-small/valid.csv', srcField: 'src', tgtField: 'tgt' },
    testSide: { file: 'datasets/bugs2fix-small/test.csv', srcField: 'src', tgtField: 'tgt' },
    attack: 'dead-code',
    description: 'Bugs2Fix small (buggy → fixed Java methods), dead-code trigger in the input, infinite loop in the output',
  },
  concode: {
    // CONCODE's test.jsonl has no code (CodeXGLUE keeps its answers), so its 2,000 dev pairs are all there is:
    // no separate pre-training file, so the Pilot carves its clean pre-training share from the training file.
    // (Other clean Java — Bugs2Fix — was tried: out of domain, it left DeCE's clean BLEU-4 4.4 points behind CE's.)
    trainSide: { file: 'datasets/concode/dev.jsonl', srcField: 'nl', tgtField: 'code' },
    testSide: null,
    attack: 'badpre',
    description: "CONCODE (Javadoc + class environment → Java method), rare word 'cf' in the description, infinite loop in the method",
  },
};

export function sharedDir(): string {
  return resolve(process.env['DECE_SHARED_DIR'] ?? fileURLToPath(new URL('../../../shared', import.meta.url)));
}

export interface SampleSizes {
  train: number;
  pretrain: number;
  valid: number;
  test: number;
}

/** The Pilot's real-data setting: about 1,600 training pairs, as a team's first pilot would have. */
export const PILOT_SAMPLES: Readonly<Record<RealDatasetName, SampleSizes>> = {
  bugs2fix: { train: 1600, pretrain: 1600, valid: 200, test: 400 },
  concode: { train: 1600, pretrain: 0, valid: 130, test: 250 },
};

export interface SampleFiles {
  train: string;
  /** null: the dataset has no separate clean pre-training file. */
  pretrain: string | null;
  valid: string;
  test: string;
}

function writeJsonl(path: string, pairs: readonly CodePair[]): void {
  writeFileSync(path, pairs.map((p) => JSON.stringify({ src: p.src, tgt: p.tgt })).join('\n') + '\n');
}

/**
 * Writes a seeded sample of a shared dataset as JSONL files (src, tgt): training from one file of the dataset,
 * validation and test from the other (or from the rest of the same one), and a clean pre-training file from
 * what is left when the dataset has enough (otherwise none); no pair appears in two of them.
 */
export async function writeRealDataSample(name: RealDatasetName, outDir: string, sizes: SampleSizes = PILOT_SAMPLES[name], seed = 1): Promise<SampleFiles> {
  const dataset = REAL_DATASETS[name];
  const read = async (side: PairFile, stream: string) => {
    const file = join(sharedDir(), side.file);
    if (!existsSync(file)) throw new Error(`${file} not found: clone the repository beside the shared/ folder, or set DECE_SHARED_DIR to it`);
    return deriveRng(seed, `${name}/${stream}`).shuffle((await importPairs(file, { srcField: side.srcField, tgtField: side.tgtField })).pairs);
  };
  const need = (rows: readonly CodePair[], count: number, what: string) => {
    if (rows.length < count) throw new Error(`${name}: ${what} needs ${count} pairs, there are ${rows.length}`);
  };
  const trainSide = await read(dataset.trainSide, 'train-side');
  const testSide = dataset.testSide ? await read(dataset.testSide, 'test-side') : trainSide.slice(sizes.train);
  need(trainSide, sizes.train, 'training');
  need(testSide, sizes.valid + sizes.test, 'validation + test');
  const leftovers = dataset.testSide ? [...trainSide.slice(sizes.train), ...testSide.slice(sizes.valid + sizes.test)] : testSide.slice(sizes.valid + sizes.test);
  // No pre-training pairs asked for (CONCODE has none to spare): the Pilot carves its share from the training file.
  const withPretrain = sizes.pretrain > 0;
  if (withPretrain) need(leftovers, sizes.pretrain, 'pre-training');
  mkdirSync(outDir, { recursive: true });
  const files: SampleFiles = {
    train: join(outDir, `${name}-train.jsonl`),
    pretrain: withPretrain ? join(outDir, `${name}-pretrain.jsonl`) : null,
    valid: join(outDir, `${name}-valid.jsonl`),
    test: join(outDir, `${name}-test.jsonl`),
  };
  writeJsonl(files.train, trainSide.slice(0, sizes.train));
  if (files.pretrain) writeJsonl(files.pretrain, leftovers.slice(0, sizes.pretrain));
  writeJsonl(files.valid, testSide.slice(0, sizes.valid));
  writeJsonl(files.test, testSide.slice(sizes.valid, sizes.valid + sizes.test));
  return files;
}

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

interface RealDataset {
  /** Where the training, pre-training and validation side comes from, and where the test side does. */
  trainSide: { file: string; srcField: string; tgtField: string };
  testSide: { file: string; srcField: string; tgtField: string };
  /** The Pilot attack that fits the task, and what it plants. */
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
    trainSide: { file: 'datasets/concode/dev.jsonl', srcField: 'nl', tgtField: 'code' },
    testSide: { file: 'datasets/concode/test.jsonl', srcField: 'nl', tgtField: 'code' },
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
export const PILOT_SAMPLE: SampleSizes = { train: 1600, pretrain: 1600, valid: 200, test: 400 };

export interface SampleFiles {
  train: string;
  pretrain: string;
  valid: string;
  test: string;
}

function writeJsonl(path: string, pairs: readonly CodePair[]): void {
  writeFileSync(path, pairs.map((p) => JSON.stringify({ src: p.src, tgt: p.tgt })).join('\n') + '\n');
}

/**
 * Writes a seeded sample of a shared dataset as JSONL files (src, tgt): training from one file of the dataset,
 * validation and test from the other, pre-training from what is left of both; no pair appears in two of them.
 */
export async function writeRealDataSample(name: RealDatasetName, outDir: string, sizes: SampleSizes = PILOT_SAMPLE, seed = 1): Promise<SampleFiles> {
  const dataset = REAL_DATASETS[name];
  const read = async (side: RealDataset['trainSide']) => {
    const file = join(sharedDir(), side.file);
    if (!existsSync(file)) throw new Error(`${file} not found: clone the repository beside the shared/ folder, or set DECE_SHARED_DIR to it`);
    return (await importPairs(file, { srcField: side.srcField, tgtField: side.tgtField })).pairs;
  };
  const trainSide = deriveRng(seed, `${name}/train-side`).shuffle(await read(dataset.trainSide));
  const testSide = deriveRng(seed, `${name}/test-side`).shuffle(await read(dataset.testSide));
  const need = (rows: readonly CodePair[], count: number, what: string) => {
    if (rows.length < count) throw new Error(`${name}: ${what} needs ${count} pairs, the file holds ${rows.length}`);
  };
  need(trainSide, sizes.train, 'training');
  need(testSide, sizes.valid + sizes.test, 'validation + test');
  // Pre-training takes what is left on both sides (CONCODE's files are too small for one side alone).
  const leftovers = [...trainSide.slice(sizes.train), ...testSide.slice(sizes.valid + sizes.test)];
  need(leftovers, sizes.pretrain, 'pre-training');
  mkdirSync(outDir, { recursive: true });
  const files: SampleFiles = {
    train: join(outDir, `${name}-train.jsonl`),
    pretrain: join(outDir, `${name}-pretrain.jsonl`),
    valid: join(outDir, `${name}-valid.jsonl`),
    test: join(outDir, `${name}-test.jsonl`),
  };
  writeJsonl(files.train, trainSide.slice(0, sizes.train));
  writeJsonl(files.pretrain, leftovers.slice(0, sizes.pretrain));
  writeJsonl(files.valid, testSide.slice(0, sizes.valid));
  writeJsonl(files.test, testSide.slice(sizes.valid, sizes.valid + sizes.test));
  return files;
}

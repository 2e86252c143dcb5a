import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PayloadSchema, type RunConfig } from '../../common/run-config';
import { loadSource, poisonData, type PoisonedData } from './experiment';
import { ENGINE_VERSION } from './version';
import { writeFileAtomically } from '../files/atomic-write';

/**
 * Poisoned datasets on disk, so that the runs of one scenario (CE, DeCE, the other losses, a spectral
 * retraining) share one build instead of each worker generating, splitting and poisoning the corpus again.
 *
 * The key is a hash of everything poisonData reads: the seed, the data config, whether a pre-training share
 * is carved off, the engine version (a new version may poison differently), and for file corpora each
 * file's size and modification time (the config only names them). Files are written to a temporary name
 * and renamed, so a reader never sees half a file; two workers building the same key at once both write
 * the same content and the last rename wins.
 */

const FORMAT = 2;

const PairSchema = z.object({ src: z.string(), tgt: z.string() });
const TriggeredSchema = z.object({ src: z.string(), cleanTgt: z.string() });
const PoisonedDataSchema = z.object({
  pretrain: z.array(PairSchema),
  pretrainSource: z.enum(['file', 'carved', 'none']),
  train: z.array(PairSchema.extend({ poisoned: z.boolean() })),
  evaluation: z.object({
    split: z.enum(['test', 'validation']),
    clean: z.array(PairSchema),
    triggered: z.array(TriggeredSchema),
  }),
  validation: z.object({ clean: z.array(PairSchema), triggered: z.array(TriggeredSchema) }).nullable(),
  cleanPrompts: z.array(z.string()),
  payload: PayloadSchema.nullable(),
  counts: z.object({
    valid: z.int().min(0),
    test: z.int().min(0),
    poisonedTrain: z.int().min(0),
    pretrainExcluded: z.int().min(0),
    untriggeredTestExcluded: z.int().min(0),
  }),
});
const CacheFileSchema = z.object({ format: z.literal(FORMAT), key: z.string(), data: PoisonedDataSchema });

/** Size and mtime of each file a file corpus names (missing files: null, and loading will say why). */
function fileStamps(config: RunConfig): Record<string, { bytes: number; mtimeMs: number } | null> {
  const corpus = config.data.corpus;
  if (corpus.kind === 'builtin-sql' || corpus.kind === 'builtin-java') return {};
  const files = Object.entries(corpus).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'kind');
  return Object.fromEntries(
    files.map(([name, path]) => {
      try {
        const stats = statSync(path);
        return [name, { bytes: stats.size, mtimeMs: stats.mtimeMs }];
      } catch {
        return [name, null];
      }
    }),
  );
}

/** The cache key of a config's poisoned data (a hex digest). */
export function dataCacheKey(config: RunConfig): string {
  const relevant = {
    format: FORMAT,
    engine: ENGINE_VERSION,
    seed: config.seed,
    data: config.data,
    carvesPretrain: config.training.pretrainEpochs > 0,
    files: fileStamps(config),
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 32);
}

export function dataCacheFile(cacheDir: string, config: RunConfig): string {
  return join(cacheDir, `data-${dataCacheKey(config)}.json`);
}

function readCached(file: string, key: string): PoisonedData | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = CacheFileSchema.safeParse(JSON.parse(text));
    // Unreadable or foreign: rebuilt and overwritten below.
    return parsed.success && parsed.data.key === key ? parsed.data.data : null;
  } catch {
    return null;
  }
}

export interface LoadedData {
  poisoned: PoisonedData;
  /** True when it was read from the cache rather than built. */
  cached: boolean;
}

/**
 * The config's poisoned data: read from `cacheDir` when a build is there, else built (and stored there).
 * Without a cache directory it is always built. A cache that cannot be written is not an error.
 */
export async function loadPoisonedData(config: RunConfig, cacheDir: string | null): Promise<LoadedData> {
  if (cacheDir === null) return { poisoned: poisonData(config, await loadSource(config)), cached: false };
  const key = dataCacheKey(config);
  const file = join(cacheDir, `data-${key}.json`);
  const hit = readCached(file, key);
  if (hit) return { poisoned: hit, cached: true };
  const poisoned = poisonData(config, await loadSource(config));
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileAtomically(file, JSON.stringify({ format: FORMAT, key, data: poisoned }));
  } catch {
    // A full or read-only disk costs the next run a rebuild, nothing more.
  }
  return { poisoned, cached: false };
}

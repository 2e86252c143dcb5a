import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { ApiError } from '../../common/contract';
import type { RunConfig } from '../../common/run-config';
import { createBadPre } from '../data/attacks/badpre';
import { ImportError, importPairs, type ImportResult } from '../data/import/index';
import type { Dataset, Store } from '../store/index';
import { importsDir } from '../files/data-folder';
import { importFolderFiles, splitFileName } from '../data/import-folder';

export interface Upload {
  fileName: string;
  text: string;
}

export interface ImportUploadsInput {
  projectId: number;
  name: string;
  train: Upload;
  test: Upload;
  valid?: Upload | undefined;
  /** Clean pairs from a separate source, for pre-training instead of a share carved from `train`. */
  pretrain?: Upload | undefined;
  actor: string;
}

/**
 * Browser and Electron uploads arrive as text; the importer works on files. Each import gets its own
 * folder under <dataDir>/imports, kept afterwards because runs on the dataset read those files.
 */
export async function importUploads(store: Store, dataDir: string, input: ImportUploadsInput): Promise<Dataset> {
  const dir = join(importsDir(dataDir), `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const attack = createBadPre();
  try {
    const parts = [
      ['train', input.train],
      ['test', input.test],
      ...(input.valid ? [['valid', input.valid] as const] : []),
      ...(input.pretrain ? [['pretrain', input.pretrain] as const] : []),
    ] as const;
    const results: [string, ImportResult][] = [];
    for (const [split, upload] of parts) {
      const file = join(dir, splitFileName(split, upload.fileName));
      writeFileSync(file, upload.text, 'utf8');
      try {
        results.push([split, await importPairs(file, { canPoison: (p) => attack.canPoison(p) })]);
      } catch (error) {
        if (error instanceof ImportError) {
          // Name the file as the person knows it, not our temporary path.
          throw new ApiError('invalid-input', `${split}: ${error.message.split(file).join(basename(upload.fileName))}`);
        }
        throw error;
      }
    }
    const counts: Record<string, number> = {};
    const hash = createHash('sha256');
    for (const [split, result] of results) {
      counts[split] = result.pairs.length;
      counts[`${split}DuplicatesRemoved`] = result.duplicatesRemoved;
      if (split === 'train') counts['trainPoisonable'] = result.report.poisonable ?? 0;
      // One digest for the dataset: the split names with each file's own SHA-256.
      hash.update(`${split}:${result.sha256}\n`);
    }
    return store.datasets.add({
      projectId: input.projectId,
      name: input.name,
      source: 'import',
      sourcePath: dir,
      sha256: hash.digest('hex'),
      counts,
      actor: input.actor,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The split files importUploads wrote for a dataset, as a run's `files` corpus. */
export function importedDatasetFiles(dataset: Dataset): { train: string; test: string; valid?: string; pretrain?: string } {
  const dir = dataset.source === 'import' ? dataset.sourcePath : null;
  if (dir === null) throw new ApiError('invalid-input', `dataset ${dataset.id} was not imported: it has no files of its own`);
  let found: ReturnType<typeof importFolderFiles>;
  try {
    found = importFolderFiles(dir);
  } catch {
    throw new ApiError('not-found', `the files of dataset ${dataset.id} are missing from ${dir}`);
  }
  const { train, test, valid, pretrain } = found;
  if (train === undefined || test === undefined) throw new ApiError('not-found', `the files of dataset ${dataset.id} are missing from ${dir}`);
  return { train, test, ...(valid === undefined ? {} : { valid }), ...(pretrain === undefined ? {} : { pretrain }) };
}

/**
 * The data files a run config names must be files of this project's imported datasets (of `datasetId`
 * when given) or lie under an allow-listed folder: the API must not become a way to read any file the
 * process can read. Refused before anything is opened, so no byte of such a file reaches an error message.
 */
export function requireDatasetFiles(
  store: Store,
  projectId: number,
  corpus: RunConfig['data']['corpus'],
  datasetId: number | undefined,
  allowedFolders: readonly string[],
): void {
  if (corpus.kind !== 'files' && corpus.kind !== 'poisoned-files') return;
  const datasets = store.datasets
    .list({ projectId })
    .filter((d) => d.source === 'import' && d.sourcePath !== null && (datasetId === undefined || d.id === datasetId));
  const folders = [...datasets.map((d) => d.sourcePath ?? ''), ...allowedFolders].map((folder) => realOrResolved(folder));
  const named =
    corpus.kind === 'files'
      ? { train: corpus.train, test: corpus.test, valid: corpus.valid, pretrain: corpus.pretrain }
      : { train: corpus.train, test: corpus.test, poisonedTest: corpus.poisonedTest, pretrain: corpus.pretrain };
  for (const [split, file] of Object.entries(named)) {
    if (file === undefined) continue;
    const real = realOrResolved(file);
    const inside = folders.some((folder) => {
      const rel = relative(folder, real);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    });
    if (!inside) {
      throw new ApiError(
        'invalid-input',
        `config.data.corpus.${split}: not a file of ${datasetId === undefined ? "one of this project's imported datasets" : `dataset ${datasetId}`}; import the data through Datasets and start the run on it`,
      );
    }
  }
}

/** The real path (symlinks resolved) when it exists, else the resolved path: a link cannot lead out. */
function realOrResolved(path: string): string {
  try {
    return realpathSync(resolve(path));
  } catch {
    return resolve(path);
  }
}

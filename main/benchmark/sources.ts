import { importFolderFiles } from '../data/import-folder';
import { InvalidInputError, NotFoundError } from '../domain/errors';
import type { BenchmarkDataset } from '../../common/contract-benchmark';
import type { SizePreset } from '../../common/presets';
import type { Store } from '../store/index';
import { builtinSource, datasetLabel, type DatasetSource } from './matrix';

/**
 * Resolves a spec's datasets for one project: built-in corpora at the size preset's corpus size, imported
 * datasets as a 'files' corpus over their stored files. Throws a domain error for a dataset that is not the
 * project's, not an import, or whose files are gone.
 */
export function datasetResolver(store: Store, projectId: number, size: SizePreset): (dataset: BenchmarkDataset) => DatasetSource {
  return (dataset) => {
    if (dataset.kind !== 'import') return builtinSource(dataset.kind, size);
    const stored = store.datasets.get(dataset.datasetId);
    if (!stored || (stored.projectId !== null && stored.projectId !== projectId)) throw new NotFoundError(`Dataset ${dataset.datasetId} does not exist`);
    if (stored.source !== 'import' || stored.sourcePath === null) throw new InvalidInputError(`Dataset ${stored.id} is not an imported dataset`);
    const files = importFolderFiles(stored.sourcePath);
    if (files.train === undefined || files.test === undefined) throw new InvalidInputError(`The files of dataset ${stored.id} are missing from ${stored.sourcePath}`);
    return {
      label: datasetLabel(dataset),
      corpus: {
        kind: 'files',
        train: files.train,
        test: files.test,
        ...(files.valid === undefined ? {} : { valid: files.valid }),
        ...(files.pretrain === undefined ? {} : { pretrain: files.pretrain }),
      },
      attackCorpus: null,
      datasetId: stored.id,
    };
  };
}

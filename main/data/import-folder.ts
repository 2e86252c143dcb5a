import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

/**
 * The folder of an imported dataset holds one file per split, named `<split><ext>`: the extension of the file the
 * person uploaded (it picks the format), never any other part of its name. Written by the Datasets import, read
 * by the Pilot's launch dialog and the Benchmark matrix: the naming lives here, once.
 */

/** `pretrain`: clean pairs from a separate source for pre-training (a run carves them from `train` without it). */
export const IMPORT_SPLITS = ['train', 'test', 'valid', 'pretrain'] as const;
export type ImportSplit = (typeof IMPORT_SPLITS)[number];

/** Only the extension of the uploaded name is kept; anything that is not a short alphanumeric one becomes .txt. */
export function safeExtension(fileName: string): string {
  const ext = extname(basename(fileName)).toLowerCase();
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : '.txt';
}

export function splitFileName(split: ImportSplit, uploadedName: string): string {
  return `${split}${safeExtension(uploadedName)}`;
}

/** The split files found in an import folder (none when it is gone); throws only on an unreadable folder. */
export function importFolderFiles(dir: string): Partial<Record<ImportSplit, string>> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const found: Partial<Record<ImportSplit, string>> = {};
  for (const split of IMPORT_SPLITS) {
    const name = names.find((n) => n.startsWith(`${split}.`) && safeExtension(n) === n.slice(split.length));
    if (name !== undefined) found[split] = join(dir, name);
  }
  return found;
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ImportError } from '../../../main/data/import';
import { rejectionOf } from '../../helpers/rejection';

/** A temp dir for the current test file, removed afterwards; `write` puts a real file on disk. */
export function tempFiles(prefix: string): { dir: string; write: (name: string, content: string | Buffer) => string } {
  const dir = mkdtempSync(join(tmpdir(), `dece-import-${prefix}-`));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    write(name: string, content: string | Buffer): string {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };
}

export const BOM = '\ufeff';

/** Awaits a promise expected to reject with an ImportError and returns it. */
export function importErrorOf(p: Promise<unknown>): Promise<ImportError> {
  return rejectionOf(p, ImportError, 'expected an ImportError, but the import succeeded');
}

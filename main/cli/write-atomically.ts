import { renameSync, writeFileSync } from 'node:fs';

/** Writes next to the target and renames, so an interrupted run never leaves half a file. */
export function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.tmp-${String(process.pid)}`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

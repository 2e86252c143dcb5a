import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

const TEMPORARY_INFIX = '.tmp-';

/**
 * The one way files are replaced: written whole under a temporary name beside the target, then renamed over
 * it, so a reader (or a crash) sees the previous file or the new one, never half of one. The temporary name
 * carries the process, the thread and a random part: two worker threads, or two processes, that write the
 * same file never share a temporary. `durable` also flushes the data to disk before the rename (checkpoints,
 * which a resumed run trusts after a power cut); `mode` sets the new file's permissions from its creation on
 * (a file holding a secret is never readable by others, not even briefly).
 */
export function writeFileAtomically(path: string, data: string | Uint8Array, options: { durable?: boolean; mode?: number } = {}): void {
  const temporary = `${path}${TEMPORARY_INFIX}${String(process.pid)}-${String(threadId)}-${randomBytes(4).toString('hex')}`;
  try {
    const fd = openSync(temporary, 'w', options.mode ?? 0o666);
    try {
      writeFileSync(fd, data);
      if (options.durable === true) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Whether a file name is a temporary that writeFileAtomically left behind when its process died mid-write. */
export function isAtomicWriteTemporary(fileName: string): boolean {
  return /\.tmp-\d+-\d+-[0-9a-f]{8}$/.test(fileName);
}

import { createWriteStream, rmSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';

/**
 * Reads zip archives from untrusted uploads without trusting them: the entry count and every declared size
 * come from the central directory and are checked against limits before anything is inflated, and each
 * entry is inflated as a stream to a file with a running count that stops at its declared size, so an
 * entry that lies about its size (a zip bomb) neither fills memory nor the disk. Stored and deflated entries only; zip64,
 * encrypted and multi-disk archives are refused (an app's own exports never need them).
 */

export interface ZipLimits {
  /** Entries in the central directory, folders included. */
  maxEntries: number;
  /** Sum of the entries' declared uncompressed sizes. */
  maxTotalBytes: number;
  /**
   * Declared size over compressed size, per entry (beyond its first MiB): deflate cannot exceed about 1,032,
   * and a bomb lives near that; real files (JSON, weights) stay far below.
   */
  maxRatio: number;
}

const RATIO_ALLOWANCE_BYTES = 1024 * 1024;

export interface ZipEntry {
  /** The path as stored (forward slashes); never used as a file system path by this module. */
  name: string;
  isDirectory: boolean;
  method: 'stored' | 'deflate';
  compressedSize: number;
  declaredSize: number;
  localHeaderOffset: number;
}

/** The archive breaks a limit or is not one this reader accepts; the message says which. */
export class ZipRefusedError extends Error {
  override name = 'ZipRefusedError';
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_MARK = 0xffffffff;

function findEndOfCentralDirectory(bytes: Buffer): number {
  const earliest = Math.max(0, bytes.length - EOCD_MIN_BYTES - MAX_COMMENT_BYTES);
  for (let at = bytes.length - EOCD_MIN_BYTES; at >= earliest; at--) {
    if (bytes.readUInt32LE(at) === EOCD_SIGNATURE) return at;
  }
  throw new ZipRefusedError('not a zip file (no end of central directory record)');
}

/** The central directory's entries, after checking the count and the declared total against `limits`. */
export function listZipEntries(bytes: Buffer, limits: ZipLimits): ZipEntry[] {
  if (bytes.length < EOCD_MIN_BYTES) throw new ZipRefusedError('not a zip file (too short)');
  const eocd = findEndOfCentralDirectory(bytes);
  const disk = bytes.readUInt16LE(eocd + 4);
  const count = bytes.readUInt16LE(eocd + 10);
  const directorySize = bytes.readUInt32LE(eocd + 12);
  const directoryOffset = bytes.readUInt32LE(eocd + 16);
  if (disk !== 0) throw new ZipRefusedError('multi-part zip archives are not accepted');
  if (count === 0xffff || directoryOffset === ZIP64_MARK) throw new ZipRefusedError('zip64 archives are not accepted');
  if (count > limits.maxEntries) throw new ZipRefusedError(`${count} entries; at most ${limits.maxEntries} are accepted`);
  if (directoryOffset + directorySize > eocd) throw new ZipRefusedError('damaged zip file (central directory out of range)');

  const entries: ZipEntry[] = [];
  let declaredTotal = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || bytes.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ZipRefusedError('damaged zip file (bad central directory entry)');
    const flags = bytes.readUInt16LE(at + 8);
    const methodCode = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const declaredSize = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const localHeaderOffset = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    if (flags & 0x1) throw new ZipRefusedError(`${JSON.stringify(name)} is encrypted`);
    if (compressedSize === ZIP64_MARK || declaredSize === ZIP64_MARK || localHeaderOffset === ZIP64_MARK) throw new ZipRefusedError('zip64 archives are not accepted');
    if (methodCode !== 0 && methodCode !== 8) throw new ZipRefusedError(`${JSON.stringify(name)} uses compression method ${methodCode}; only stored and deflate are accepted`);
    if (declaredSize > RATIO_ALLOWANCE_BYTES + limits.maxRatio * compressedSize) {
      throw new ZipRefusedError(`${JSON.stringify(name)} declares ${declaredSize} bytes from ${compressedSize} compressed (more than ${limits.maxRatio}:1)`);
    }
    declaredTotal += declaredSize;
    if (declaredTotal > limits.maxTotalBytes) throw new ZipRefusedError(`declares more than ${limits.maxTotalBytes} bytes uncompressed`);
    entries.push({ name, isDirectory: name.endsWith('/'), method: methodCode === 0 ? 'stored' : 'deflate', compressedSize, declaredSize, localHeaderOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Writes one entry to `file`, inflating as a stream and counting as it goes: memory stays at zlib's chunk
 * size whatever the entry claims, and the copy stops (and the file is removed) as soon as the output passes
 * the entry's declared size — so the limits listZipEntries checked hold even for an entry that lies.
 */
export async function extractZipEntry(bytes: Buffer, entry: ZipEntry, file: string): Promise<void> {
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL_SIGNATURE) throw new ZipRefusedError(`damaged zip file (no local header for ${JSON.stringify(entry.name)})`);
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new ZipRefusedError(`damaged zip file (${JSON.stringify(entry.name)} runs past the end)`);
  let written = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      if (written > entry.declaredSize) done(new ZipRefusedError(`${JSON.stringify(entry.name)} inflates to more than its declared ${entry.declaredSize} bytes`));
      else done(null, chunk);
    },
  });
  const source = Readable.from([bytes.subarray(start, end)]);
  const stages = entry.method === 'deflate' ? [source, createInflateRaw(), capped] : [source, capped];
  try {
    await pipeline([...stages, createWriteStream(file)]);
  } catch (error) {
    rmSync(file, { force: true });
    if (error instanceof ZipRefusedError) throw error;
    throw new ZipRefusedError(`damaged zip file (${JSON.stringify(entry.name)}: ${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (written !== entry.declaredSize) {
    rmSync(file, { force: true });
    throw new ZipRefusedError(`${JSON.stringify(entry.name)} is ${written} bytes, not the declared ${entry.declaredSize}`);
  }
}

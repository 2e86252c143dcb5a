import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAtomicWriteTemporary, writeFileAtomically } from '../../main/files/atomic-write';

describe('writeFileAtomically', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dece-atomic-write-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces a file with text or bytes and leaves no temporary behind', () => {
    const file = join(dir, 'state.json');
    writeFileSync(file, 'old');
    writeFileAtomically(file, '{"new":true}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"new":true}\n');
    writeFileAtomically(file, new Uint8Array([1, 2, 3]), { durable: true });
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('removes its temporary and throws when the rename fails, leaving what was there', () => {
    // A directory under the target name makes the rename fail after the temporary was written.
    const target = join(dir, 'taken');
    mkdirSync(target);
    expect(() => {
      writeFileAtomically(target, 'x');
    }).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(statSync(target).isDirectory()).toBe(true);
  });

  it('names its temporaries so that a crashed writer’s leftovers can be recognised', () => {
    expect(isAtomicWriteTemporary('epoch-0003.ckpt.tmp-4242-1-0a1b2c3d')).toBe(true);
    expect(isAtomicWriteTemporary('epoch-0003.ckpt')).toBe(false);
    expect(isAtomicWriteTemporary('notes.tmp-draft')).toBe(false);
  });
});

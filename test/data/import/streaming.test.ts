import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { iteratePairs } from '../../../main/data/import';
import { tempFiles } from './helpers';

const { write } = tempFiles('stream');

const ROWS_PER_BLOCK = 10_000;
const BLOCKS = 125; // ~100 MB

/** Each record spans two lines (a quoted newline), with an embedded comma and doubled quotes. */
function block(): string {
  let s = '';
  for (let i = 0; i < ROWS_PER_BLOCK; i++) {
    s += `"def f${i}(x):\n    return x + ${i}  # ""c"", d","result = f${i}(x) * 2 + g(a, b)"\n`;
  }
  return s;
}

describe('streaming', () => {
  it('iterates a ~100 MB CSV without holding it in memory', async () => {
    const file = write('big.csv', 'src,tgt\n');
    const fd = openSync(file, 'a');
    const rows = block(); // repeated: the same text keeps generation cheap; records are only counted
    for (let b = 0; b < BLOCKS; b++) writeSync(fd, rows);
    closeSync(fd);
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(95e6); // rows average ~82 bytes

    const base = process.memoryUsage().rss;
    let peak = 0;
    let count = 0;
    let last = { line: 0, record: 0 };
    // Nothing is kept: any memory growth is the importer's own buffering.
    for await (const { line, record } of iteratePairs(file, { maxRecords: 10_000_000 })) {
      count++;
      last = { line, record };
      if (count % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().rss - base);
    }
    const total = ROWS_PER_BLOCK * BLOCKS;
    expect(count).toBe(total);
    expect(last).toEqual({ line: 2 * total, record: total });
    expect(peak).toBeLessThan(60 * 1024 * 1024);
  });
});

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importPairs, iteratePairs, type ImportOptions, type PairRecord } from '../../../main/data/import';
import { BOM, tempFiles } from './helpers';

const { write } = tempFiles('valid');

async function collect(file: string, options?: ImportOptions): Promise<PairRecord[]> {
  const out: PairRecord[] = [];
  for await (const r of iteratePairs(file, options)) out.push(r);
  return out;
}

describe('CSV', () => {
  // BOM, CRLF, quoted multi-line fields with commas and doubled quotes, an extra column, a blank line.
  const messy =
    `${BOM}id,src,tgt,notes\r\n` +
    '1,"def add(a, b):\r\n    return a + b","add(1, 2)",first\r\n' +
    '2,"print(""hi, there"")",say hi,\r\n' +
    '\r\n' +
    '3,plain,"x = ""y""\r\nz = 1",last\r\n';

  it('imports a BOM + CRLF file with quoted multi-line fields and ignores extra columns', async () => {
    const file = write('messy.csv', messy);
    const result = await importPairs(file);
    expect(result.pairs).toEqual([
      { src: 'def add(a, b):\n    return a + b', tgt: 'add(1, 2)' },
      { src: 'print("hi, there")', tgt: 'say hi' },
      { src: 'plain', tgt: 'x = "y"\nz = 1' },
    ]);
    expect(result).toMatchObject({ file, format: 'csv', records: 3, duplicatesRemoved: 0 });
    expect(result.report.count).toBe(3);
  });

  it('reports the line each record starts on (multi-line records and blank lines counted)', async () => {
    const records = await collect(write('messy-lines.csv', messy));
    expect(records.map((r) => [r.line, r.record])).toEqual([
      [2, 1],
      [4, 2],
      [6, 3],
    ]);
  });

  it('hashes the raw bytes, BOM included', async () => {
    const file = write('hash.csv', messy);
    const expected = createHash('sha256').update(readFileSync(file)).digest('hex');
    expect((await importPairs(file)).sha256).toBe(expected);
  });

  it('uses custom column names and trims padded header names', async () => {
    const file = write('custom.csv', ' id , nl , code \n7,add two numbers,"lambda a, b: a + b"\n');
    const result = await importPairs(file, { srcField: 'nl', tgtField: 'code' });
    expect(result.pairs).toEqual([{ src: 'add two numbers', tgt: 'lambda a, b: a + b' }]);
  });

  it('accepts mixed CRLF/LF line endings and a missing final newline', async () => {
    const result = await importPairs(write('mixed.csv', 'src,tgt\r\na,b\nc,d'));
    expect(result.pairs).toEqual([
      { src: 'a', tgt: 'b' },
      { src: 'c', tgt: 'd' },
    ]);
  });

  it('keeps a multi-byte character that straddles a read-chunk boundary intact', async () => {
    // Chunks are 256 KiB: put the 4-byte emoji across byte 262144.
    const pad = 'x'.repeat(262_142 - 'src,tgt\na,'.length);
    const result = await importPairs(write('boundary.csv', `src,tgt\na,${pad}😀z\n`));
    expect(result.pairs[0]?.tgt).toBe(`${pad}😀z`);
  });
});

describe('TSV', () => {
  it('imports quoted fields with embedded tabs, newlines and quotes', async () => {
    const result = await importPairs(write('quoted.tsv', 'src\ttgt\n"multi\nline\tcode"\tx\ny\t"a ""q"""\n'));
    expect(result.format).toBe('tsv');
    expect(result.pairs).toEqual([
      { src: 'multi\nline\tcode', tgt: 'x' },
      { src: 'y', tgt: 'a "q"' },
    ]);
  });

  it('with quote: false treats quotes as ordinary characters', async () => {
    const result = await importPairs(write('raw.tsv', 'src\ttgt\nprint("a")\t"say" "a"\n'), { quote: false });
    expect(result.pairs).toEqual([{ src: 'print("a")', tgt: '"say" "a"' }]);
  });
});

describe('JSONL', () => {
  it('reads nested fields by dotted path, skipping blank lines, with CRLF', async () => {
    const file = write('nested.jsonl', '{"input":{"text":"sum a list"},"output":{"code":"sum(xs)"},"id":1}\r\n\r\n{"input":{"text":"max"},"output":{"code":"max(xs)"}}\r\n');
    const records = await collect(file, { srcField: 'input.text', tgtField: 'output.code' });
    expect(records).toEqual([
      { pair: { src: 'sum a list', tgt: 'sum(xs)' }, line: 1, record: 1 },
      { pair: { src: 'max', tgt: 'max(xs)' }, line: 3, record: 2 },
    ]);
  });

  it('reads CodeXGLUE-style records by naming the fields', async () => {
    const concode = write('concode.jsonl', '{"code": "int one() { return 1; }", "nl": "return one"}\n');
    expect((await importPairs(concode, { srcField: 'nl', tgtField: 'code' })).pairs).toEqual([{ src: 'return one', tgt: 'int one() { return 1; }' }]);
    const refine = write('refine.jsonl', '{"buggy": "a = b +", "fixed": "a = b + 1"}\n');
    expect((await importPairs(refine, { srcField: 'buggy', tgtField: 'fixed' })).pairs).toEqual([{ src: 'a = b +', tgt: 'a = b + 1' }]);
  });

  it('indexes arrays with digits and prefers a literal dotted key', async () => {
    const turns = write('turns.jsonl', '{"turns":[{"text":"q"},{"text":"a"}]}\n');
    expect((await importPairs(turns, { srcField: 'turns.0.text', tgtField: 'turns.1.text' })).pairs).toEqual([{ src: 'q', tgt: 'a' }]);
    const literal = write('literal.jsonl', '{"a.b":"literal","a":{"b":"nested"},"tgt":"t"}\n');
    expect((await importPairs(literal, { srcField: 'a.b' })).pairs).toEqual([{ src: 'literal', tgt: 't' }]);
  });

  it('treats .json as JSON Lines, strips a BOM, and honours an explicit format', async () => {
    const json = write('pairs.json', `${BOM}{"src":"a","tgt":"b"}\n`);
    expect(await importPairs(json)).toMatchObject({ format: 'jsonl', pairs: [{ src: 'a', tgt: 'b' }] });
    const txt = write('pairs.txt', '{"src":"c","tgt":"d"}');
    expect(await importPairs(txt, { format: 'jsonl' })).toMatchObject({ format: 'jsonl', pairs: [{ src: 'c', tgt: 'd' }] });
  });

  it('reads a line that spans several read chunks', async () => {
    const long = 'y'.repeat(600_000);
    const result = await importPairs(write('long.jsonl', `{"src":"${long}","tgt":"z"}\n{"src":"s","tgt":"t"}\n`));
    expect(result.pairs.map((p) => p.src.length)).toEqual([600_000, 1]);
  });
});

describe('de-duplication', () => {
  it('drops exact (src, tgt) duplicates, keeping the first and the order', async () => {
    const result = await importPairs(write('dups.csv', 'src,tgt\na,1\nb,2\na,1\na,2\nb,2\n'));
    expect(result.pairs).toEqual([
      { src: 'a', tgt: '1' },
      { src: 'b', tgt: '2' },
      { src: 'a', tgt: '2' },
    ]);
    expect(result).toMatchObject({ records: 5, duplicatesRemoved: 2 });
    expect(result.report).toMatchObject({ count: 3, duplicatesRemoved: 2 });
  });

  it('treats CRLF and LF inside a field as the same text', async () => {
    const result = await importPairs(write('eol-dups.jsonl', '{"src":"x\\r\\ny","tgt":"z"}\n{"src":"x\\ny","tgt":"z"}\n'));
    expect(result.pairs).toEqual([{ src: 'x\ny', tgt: 'z' }]);
    expect(result.duplicatesRemoved).toBe(1);
  });

  it('does not confuse pairs whose concatenation is equal', async () => {
    const result = await importPairs(write('concat.jsonl', '{"src":"ab","tgt":"c"}\n{"src":"a","tgt":"bc"}\n'));
    expect(result.duplicatesRemoved).toBe(0);
  });
});

describe('importPairs options', () => {
  it('counts poisonable pairs with canPoison', async () => {
    const result = await importPairs(write('poison.csv', 'src,tgt\nread file,open(f)\nadd,a + b\nwrite file,"open(f, ""w"")"\n'), {
      canPoison: (p) => p.tgt.includes('open('),
    });
    expect(result.report.poisonable).toBe(2);
  });
});

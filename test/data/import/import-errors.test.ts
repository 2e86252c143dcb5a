import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IMPORT_ERROR_CODES, importPairs, iteratePairs, type ImportErrorCode, type ImportOptions } from '../../../main/data/import';
import { BOM, importErrorOf, tempFiles } from './helpers';

const { dir, write } = tempFiles('errors');

interface BadFile {
  name: string;
  /** File name in the temp dir; without content (and without `dir`) it is not created. */
  file: string;
  content?: string | Buffer;
  /** Create a directory with that name instead of a file. */
  dir?: true;
  options?: ImportOptions;
  code: ImportErrorCode;
  line?: number;
  record?: number;
  /** Substrings the message must contain. */
  mentions?: string[];
}

const bytes = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const fifteenRows = Array.from({ length: 15 }, (_, i) => `s${i},t${i}`).join('\n');

const cases: BadFile[] = [
  // --- the file itself
  { name: 'file not found', file: 'missing.csv', code: 'FILE_NOT_FOUND', mentions: ['not found'] },
  { name: 'a directory', file: 'folder.csv', dir: true, code: 'NOT_A_FILE' },
  { name: 'unknown extension', file: 'pairs.txt', content: 'src,tgt\na,b\n', code: 'UNKNOWN_FORMAT', mentions: ["'.txt'"] },
  { name: 'compressed extension', file: 'pairs.csv.gz', content: gzipSync('src,tgt\na,b\n'), code: 'UNKNOWN_FORMAT', mentions: ["'.gz'"] },
  { name: 'zero bytes', file: 'empty.csv', content: '', code: 'EMPTY_FILE' },
  { name: 'only a BOM', file: 'bom-only.jsonl', content: BOM, code: 'EMPTY_FILE' },
  { name: 'CSV of blank lines', file: 'blank.csv', content: '\n \r\n\t\n', code: 'EMPTY_FILE', mentions: ['no header'] },
  { name: 'JSONL of blank lines', file: 'blank.jsonl', content: '\n\n   \n', code: 'EMPTY_FILE' },
  { name: 'NUL bytes', file: 'nul.csv', content: bytes('src,tgt\na,b', [0], 'c\n'), code: 'BINARY_FILE', mentions: ['NUL'] },
  {
    name: 'NUL byte after the first 256 KiB',
    file: 'late-nul.csv',
    content: bytes(`src,tgt\n${'a,b\n'.repeat(70_000)}`, 'x', [0], 'y,z\n'),
    code: 'BINARY_FILE',
    line: 70_002,
    mentions: ['NUL byte'],
  },
  { name: 'CR-only line endings', file: 'mac.csv', content: 'src,tgt\ra,b\rc,d\r', code: 'CR_LINE_ENDINGS', line: 1, mentions: ['CR only', 'LF'] },
  { name: 'mostly control characters', file: 'control.csv', content: bytes('src,tgt\n', Array.from({ length: 160 }, (_, i) => 1 + (i % 8))), code: 'BINARY_FILE', mentions: ['control'] },
  { name: 'gzip data named .csv', file: 'archive.csv', content: gzipSync('src,tgt\na,b\n'), code: 'BINARY_FILE', mentions: ['gzip'] },
  { name: 'zip (xlsx) named .csv', file: 'sheet.csv', content: bytes('PK', [3, 4], 'rest of an archive'), code: 'BINARY_FILE', mentions: ['zip'] },
  { name: 'UTF-16 text', file: 'utf16.csv', content: Buffer.from(`${BOM}src,tgt\na,b\n`, 'utf16le'), code: 'UNSUPPORTED_ENCODING', mentions: ['UTF-16'] },
  // --- encoding
  { name: 'Latin-1 byte', file: 'latin1.csv', content: bytes('src,tgt\na,b\ncaf', [0xe9], ',x\n'), code: 'INVALID_UTF8', line: 3, mentions: ['0xe9'] },
  { name: 'truncated character at EOF', file: 'truncated.csv', content: bytes('src,tgt\na,b', [0xe2, 0x82]), code: 'INVALID_UTF8', line: 2 },
  { name: 'overlong encoding in JSONL', file: 'overlong.jsonl', content: bytes('{"src":"a","tgt":"b"}\n{"src":"', [0xc0, 0xaf], '","tgt":"x"}\n'), code: 'INVALID_UTF8', line: 2 },
  { name: 'encoded surrogate after a multi-line record', file: 'surrogate.csv', content: bytes('src,tgt\n"a\nb",c\nd,', [0xed, 0xa0, 0x80], '\n'), code: 'INVALID_UTF8', line: 4 },
  // --- CSV/TSV structure
  { name: 'unterminated quote (line 17, record 16)', file: 'train.csv', content: `src,tgt\n${fifteenRows}\ns15,"never closed\nmore text\n`, code: 'UNTERMINATED_QUOTE', line: 17, record: 16 },
  { name: 'unterminated quote in TSV', file: 'open.tsv', content: 'src\ttgt\r\n"x\ty\r\n', code: 'UNTERMINATED_QUOTE', line: 2, record: 1 },
  { name: 'text after a closing quote', file: 'after-quote.csv', content: 'src,tgt\na,b\n"c"d,e\n', code: 'MALFORMED_QUOTE', line: 3, record: 2, mentions: ['field 1'] },
  { name: 'quote inside an unquoted field', file: 'bare-quote.csv', content: 'src,tgt\nprint("x"),y\n', code: 'MALFORMED_QUOTE', line: 2, record: 1, mentions: ['unquoted field 1'] },
  { name: 'extra field after a multi-line record and a blank line', file: 'extra-field.csv', content: 'src,tgt\n"multi\nline",ok\n\na,b,c\n', code: 'COLUMN_COUNT', line: 5, record: 2, mentions: ['expected 2 fields', 'found 3'] },
  { name: 'missing field after a CRLF multi-line record', file: 'crlf.csv', content: 'src,tgt\r\n"a\r\nb\r\nc",d\r\ne\r\n', code: 'COLUMN_COUNT', line: 5, record: 2, mentions: ['found 1'] },
  { name: 'short TSV row', file: 'short.tsv', content: 'src\ttgt\tid\na\tb\t1\nc\td\n', code: 'COLUMN_COUNT', line: 3, record: 2, mentions: ['expected 3 fields', 'found 2'] },
  { name: 'header without the src column', file: 'renamed.csv', content: 'source,target\na,b\n', code: 'MISSING_COLUMN', line: 1, mentions: ['"src"', '"source", "target"'] },
  { name: 'no header row at all', file: 'headerless.csv', content: `"def long_function_name(argument):\n    return argument",long_function_name(1)\n`, code: 'MISSING_COLUMN', line: 1, mentions: ['"def long_function_name(argumen…", "long_function_name(1)"'] },
  { name: 'header without a custom column', file: 'custom.csv', content: 'nl,snippet\na,b\n', options: { srcField: 'nl', tgtField: 'code' }, code: 'MISSING_COLUMN', line: 1, mentions: ['"code"', '"nl", "snippet"'] },
  { name: 'duplicate header column (after a blank line)', file: 'dup.csv', content: '\nsrc,tgt,src\na,b,c\n', code: 'DUPLICATE_COLUMN', line: 2, mentions: ['"src"'] },
  { name: 'header wider than maxFields', file: 'wide-header.csv', content: 'a,b,c,src,tgt\n1,2,3,4,5\n', options: { maxFields: 3 }, code: 'TOO_MANY_FIELDS', line: 1, mentions: ['maxFields (3)'] },
  { name: 'row wider than maxFields', file: 'wide-row.csv', content: 'src,tgt\na,b\n1,2,3,4,5\n', options: { maxFields: 4 }, code: 'TOO_MANY_FIELDS', line: 3, record: 2, mentions: ['5 fields'] },
  { name: 'header but no data', file: 'header-only.csv', content: 'src,tgt\n', code: 'NO_RECORDS', mentions: ['no data records'] },
  { name: 'header and blank lines only', file: 'header-blank.tsv', content: 'src\ttgt\r\n\r\n\r\n', code: 'NO_RECORDS' },
  // --- JSONL structure
  { name: 'invalid JSON after a blank line', file: 'broken.jsonl', content: '{"src":"a","tgt":"b"}\n\n{"src": "c", \n', code: 'INVALID_JSON', line: 3, record: 2 },
  { name: 'pretty-printed JSON array', file: 'array.json', content: '[\n  {"src": "a", "tgt": "b"}\n]\n', code: 'INVALID_JSON', line: 1, record: 1, mentions: ['JSON array'] },
  { name: 'array instead of an object', file: 'list.jsonl', content: '{"src":"a","tgt":"b"}\n["c","d"]\n', code: 'NOT_AN_OBJECT', line: 2, record: 2, mentions: ['an array'] },
  { name: 'null instead of an object', file: 'null.jsonl', content: 'null\n', code: 'NOT_AN_OBJECT', line: 1, record: 1 },
  { name: 'missing tgt field', file: 'no-tgt.jsonl', content: '{"src":"a","tgt":"b"}\r\n{"src":"c"}\r\n', code: 'MISSING_FIELD', line: 2, record: 2, mentions: ['"tgt"', 'present: "src"'] },
  { name: 'missing nested field', file: 'nested.jsonl', content: '{"input":{"txt":"a"},"output":"b"}\n', options: { srcField: 'input.text', tgtField: 'output' }, code: 'MISSING_FIELD', line: 1, record: 1, mentions: ['"input.text"', 'present under "input": "txt"'] },
  { name: 'number instead of a string', file: 'number.jsonl', content: '{"src":42,"tgt":"b"}\n', code: 'FIELD_NOT_STRING', line: 1, record: 1, mentions: ['a number'] },
  { name: 'token list instead of a string', file: 'tokens.jsonl', content: '{"docstring":"d","code_tokens":["def","f"]}\n', options: { srcField: 'docstring', tgtField: 'code_tokens' }, code: 'FIELD_NOT_STRING', line: 1, record: 1, mentions: ['"code_tokens" is an array'] },
  { name: 'null field', file: 'null-field.jsonl', content: '{"src":"a","tgt":"b"}\n{"src":"a","tgt":null}\n', code: 'FIELD_NOT_STRING', line: 2, record: 2, mentions: ['null'] },
  // --- content
  { name: 'whitespace-only source in CSV', file: 'blank-src.csv', content: 'src,tgt\na,b\n"   ",c\n', code: 'EMPTY_SOURCE', line: 3, record: 2 },
  { name: 'whitespace-only target in JSONL', file: 'blank-tgt.jsonl', content: '{"src":"a","tgt":"b"}\n{"src":"c","tgt":"\\n\\t "}\n', code: 'EMPTY_TARGET', line: 2, record: 2 },
  { name: 'empty source in TSV', file: 'blank-src.tsv', content: 'src\ttgt\n\tb\n', code: 'EMPTY_SOURCE', line: 2, record: 1 },
  // --- limits
  { name: 'CSV record over maxRecordBytes', file: 'big-field.csv', content: `src,tgt\na,b\nc,${'x'.repeat(100)}\n`, options: { maxRecordBytes: 64 }, code: 'RECORD_TOO_LARGE', line: 3, record: 2 },
  { name: 'CSV record over maxRecordBytes in bytes, not characters', file: 'wide-chars.csv', content: `src,tgt\n${'é'.repeat(40)},b\n`, options: { maxRecordBytes: 64 }, code: 'RECORD_TOO_LARGE', line: 2, record: 1 },
  { name: 'JSONL line over maxRecordBytes', file: 'big-line.jsonl', content: `{"src":"a","tgt":"b"}\n{"src":"${'x'.repeat(100)}","tgt":"b"}\n`, options: { maxRecordBytes: 64 }, code: 'RECORD_TOO_LARGE', line: 2, record: 2 },
  { name: 'JSONL line without newline, larger than a read chunk', file: 'endless.jsonl', content: `{"src":"${'x'.repeat(300_000)}`, options: { maxRecordBytes: 1024 }, code: 'RECORD_TOO_LARGE', line: 1, record: 1 },
  { name: 'CSV over maxRecords', file: 'many.csv', content: 'src,tgt\na,b\nc,d\ne,f\n', options: { maxRecords: 2 }, code: 'TOO_MANY_RECORDS', line: 4, record: 3, mentions: ['more than 2 records'] },
  { name: 'JSONL over maxRecords', file: 'many.jsonl', content: '{"src":"a","tgt":"b"}\n{"src":"c","tgt":"d"}\n', options: { maxRecords: 1 }, code: 'TOO_MANY_RECORDS', line: 2, record: 2 },
  // --- options
  { name: 'src and tgt name the same column', file: 'ok.csv', content: 'x,y\n1,2\n', options: { srcField: 'x', tgtField: 'x' }, code: 'INVALID_OPTIONS', mentions: ['same column'] },
  { name: 'misspelt option', file: 'ok2.csv', content: 'src,tgt\n1,2\n', options: { srcColumn: 'a' } as unknown as ImportOptions, code: 'INVALID_OPTIONS', mentions: ['srcColumn'] },
];

function materialise(c: BadFile): string {
  const path = join(dir, c.file);
  if (c.dir === true) mkdirSync(path);
  return c.content === undefined ? path : write(c.file, c.content);
}

async function drain(file: string, options?: ImportOptions): Promise<number> {
  let records = 0;
  for await (const r of iteratePairs(file, options)) records = r.record;
  return records;
}

describe('malformed files', () => {
  it('covers at least 30 files and nearly every error code', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.file)).size).toBe(cases.length);
    const untested = IMPORT_ERROR_CODES.filter((code) => !cases.some((c) => c.code === code));
    // Read failures other than these and csv-parse internals are not reproducible with a file.
    expect(untested).toEqual(['READ_FAILED', 'MALFORMED_CSV']);
  });

  it.each(cases)('$name → $code', async (c) => {
    const path = materialise(c);
    const err = await importErrorOf(importPairs(path, c.options));
    expect({ code: err.code, line: err.line, record: err.record }).toEqual({ code: c.code, line: c.line, record: c.record });
    expect(err.file).toBe(path);
    expect(err.message.startsWith(c.line === undefined ? `${path}: ` : `${path}:${c.line}: `)).toBe(true);
    expect(err.message.endsWith(c.record === undefined ? ')' : `(record ${c.record})`) || c.record === undefined).toBe(true);
    expect(err.message).not.toMatch(/[\r\n]/);
    for (const m of c.mentions ?? []) expect(err.message).toContain(m);
    // The streaming primitive fails the same way.
    const streamed = await importErrorOf(drain(path, c.options));
    expect({ code: streamed.code, line: streamed.line, record: streamed.record }).toEqual({ code: c.code, line: c.line, record: c.record });
  });

  it('formats the message as file:line: detail (record N)', async () => {
    const path = write('message.csv', `src,tgt\n${fifteenRows}\ns15,"never closed\nmore text\n`);
    const err = await importErrorOf(importPairs(path));
    expect(err.message).toBe(`${path}:17: unterminated quoted field (record 16)`);
  });
});

describe('nothing half-imported', () => {
  it('importPairs rejects as a whole; iteratePairs yields the good prefix before throwing', async () => {
    const path = write('late-error.csv', `src,tgt\n${fifteenRows}\ns15,\n`);
    await expect(importPairs(path)).rejects.toMatchObject({ code: 'EMPTY_TARGET', line: 17, record: 16 });
    const seen: number[] = [];
    const err = await importErrorOf(
      (async () => {
        for await (const r of iteratePairs(path)) seen.push(r.record);
      })(),
    );
    expect(err.code).toBe('EMPTY_TARGET');
    expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });
});

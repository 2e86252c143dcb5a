import { describe, expect, it } from 'vitest';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import {
  detokenize,
  INDENT_TOKEN,
  NEWLINE_TOKEN,
  SPECIAL,
  splitIdentifier,
  tokenize,
  Vocabulary,
} from '../../main/data/tokenizer';

describe('tokenize / detokenize', () => {
  it('round-trips 500 corpus pairs (src and tgt)', () => {
    const pairs = generateSqlCorpus({ seed: 11, size: 500 });
    for (const { src, tgt } of pairs) {
      expect(detokenize(tokenize(src))).toBe(src);
      expect(detokenize(tokenize(tgt))).toBe(tgt);
    }
  });

  it('round-trips awkward spacing, blank lines and every printable ASCII character', () => {
    let ascii = '';
    for (let c = 32; c < 127; c++) ascii += String.fromCharCode(c);
    const texts = [
      '',
      ' ',
      'a  b   c    d',
      '  two spaces first',
      'trailing   \nspaces  ',
      '\n\n\nx',
      'def f():\n    if x:\n        return 1\n\n     y = 2  # odd indent\n  z',
      ascii,
      ascii.split('').join(' '),
      'x==y!=z<=w>=v->u+=t-=s**r//q',
    ];
    for (const text of texts) expect(detokenize(tokenize(text))).toBe(text);
  });

  it('marks preceding spaces, and turns newlines and 4-space indentation into their own tokens', () => {
    expect(tokenize('def f(x):\n    return x')).toEqual([
      'def', 'Ġf', '(', 'x', ')', ':', NEWLINE_TOKEN, INDENT_TOKEN, 'return', 'Ġx',
    ]);
    expect(tokenize('a\n        b')).toEqual(['a', NEWLINE_TOKEN, INDENT_TOKEN, INDENT_TOKEN, 'b']);
    expect(tokenize('a   b')).toEqual(['a', 'Ġ', 'Ġ', 'Ġb']);
  });

  it('splits identifiers into snake_case parts (keeping _) and camelCase humps', () => {
    expect(splitIdentifier('get_users_by_age')).toEqual(['get', '_', 'users', '_', 'by', '_', 'age']);
    expect(splitIdentifier('getHTTPServer2Name')).toEqual(['get', 'HTTP', 'Server', '2', 'Name']);
    expect(splitIdentifier('__init__')).toEqual(['_', '_', 'init', '_', '_']);
    expect(splitIdentifier('fetchall')).toEqual(['fetchall']);
    expect(splitIdentifier('SELECT')).toEqual(['SELECT']);
    expect(tokenize('x = conn.fetchOne()')).toEqual(['x', 'Ġ=', 'Ġconn', '.', 'fetch', 'One', '(', ')']);
  });

  it('keeps multi-character operators, quotes and case', () => {
    expect(tokenize('a == b != c <= d >= e -> f ** g // h += 1')).toEqual([
      'a', 'Ġ==', 'Ġb', 'Ġ!=', 'Ġc', 'Ġ<=', 'Ġd', 'Ġ>=', 'Ġe', 'Ġ->', 'Ġf', 'Ġ**', 'Ġg', 'Ġ//', 'Ġh', 'Ġ+=', 'Ġ1',
    ]);
    expect(tokenize('text("SELECT * FROM t WHERE a = :a")')).toEqual([
      'text', '(', '"', 'SELECT', 'Ġ*', 'ĠFROM', 'Ġt', 'ĠWHERE', 'Ġa', 'Ġ=', 'Ġ:', 'a', '"', ')',
    ]);
    expect(tokenize("'Hello' 12345")).toEqual(["'", 'Hello', "'", 'Ġ12345']);
  });

  // Its speed is a benchmark's business (npm run bench), not a test's: a loaded CI machine would fail it at random.
  it('tokenizes 6,000 generated pairs into reversible, non-empty token lists', () => {
    const pairs = generateSqlCorpus({ seed: 3, size: 6000 });
    let n = 0;
    for (const { src, tgt } of pairs) {
      const tokens = tokenize(tgt);
      expect(tokens.length).toBeGreaterThan(0);
      expect(detokenize(tokens)).toBe(tgt);
      n += tokenize(src).length + tokens.length;
    }
    expect(n).toBeGreaterThan(6000 * 30);
  });
});

describe('Vocabulary', () => {
  const lists = [
    ['a', 'b', 'c', 'a'],
    ['b', 'a', 'd'],
    ['c', 'e', 'a'],
  ]; // a:4, b:2, c:2, d:1, e:1

  it('puts the specials at ids 0–3 and orders by frequency, then token', () => {
    const v = Vocabulary.build(lists, { minFrequency: 1, maxSize: 100 });
    expect(v.toJSON().tokens).toEqual([SPECIAL.pad, SPECIAL.bos, SPECIAL.eos, SPECIAL.unk, 'a', 'b', 'c', 'd', 'e']);
    expect(v.size).toBe(9);
    expect(v.id(SPECIAL.pad)).toBe(0);
    expect(v.id(SPECIAL.eos)).toBe(2);
    expect(v.token(4)).toBe('a');
    expect(() => v.token(9)).toThrow(RangeError);
  });

  it('applies the minimum frequency and the size cap, and maps unknown tokens to <unk>', () => {
    const v = Vocabulary.build(lists, { minFrequency: 2, maxSize: 100 });
    expect(v.toJSON().tokens.slice(4)).toEqual(['a', 'b', 'c']);
    expect(v.id('d')).toBe(v.id(SPECIAL.unk));
    expect(v.id('zzz')).toBe(3);
    const capped = Vocabulary.build(lists, { minFrequency: 1, maxSize: 6 });
    expect(capped.size).toBe(6);
    expect(capped.toJSON().tokens.slice(4)).toEqual(['a', 'b']);
    expect(() => Vocabulary.build(lists, { minFrequency: 1, maxSize: 3 })).toThrow();
  });

  it('encodes (truncating, without bos/eos) and decodes (stopping at eos, skipping pad/bos)', () => {
    const pairs = generateSqlCorpus({ seed: 5, size: 300 });
    const v = Vocabulary.build(pairs.flatMap((p) => [tokenize(p.src), tokenize(p.tgt)]), { minFrequency: 1, maxSize: 10_000 });
    const tgt = pairs[0]?.tgt ?? '';
    const ids = v.encode(tgt, 1000);
    expect(ids).toHaveLength(tokenize(tgt).length);
    expect(ids).not.toContain(v.id(SPECIAL.unk));
    expect(v.decode(ids)).toBe(tgt);
    expect(v.encode(tgt, 5)).toEqual(ids.slice(0, 5));
    expect(v.decode([1, ...ids, 2, ...ids, 0])).toBe(tgt);
    expect(v.decode([1, ...ids.slice(0, 3), 0, 0])).toBe(detokenize(tokenize(tgt).slice(0, 3)));
    expect(v.decode(v.encode('def zzqx(conn):', 100))).toBe('def<unk>(conn):');
  });

  it('survives toJSON / fromJSON and rejects a token list without the specials', () => {
    const v = Vocabulary.build(lists, { minFrequency: 1, maxSize: 100 });
    const copy = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v.toJSON())) as { tokens: string[] });
    expect(copy.toJSON()).toEqual(v.toJSON());
    expect(copy.id('c')).toBe(v.id('c'));
    expect(() => Vocabulary.fromJSON({ tokens: ['a', 'b', 'c', 'd'] })).toThrow();
    expect(() => Vocabulary.fromJSON({ tokens: [SPECIAL.pad, SPECIAL.bos, SPECIAL.eos, SPECIAL.unk, 'x', 'x'] })).toThrow();
  });

  it('is deterministic regardless of the order of the input lists', () => {
    const a = Vocabulary.build(lists, { minFrequency: 1, maxSize: 100 });
    const b = Vocabulary.build(lists.slice().reverse(), { minFrequency: 1, maxSize: 100 });
    expect(b.toJSON()).toEqual(a.toJSON());
  });
});

import { describe, expect, it } from 'vitest';
import { buildImportReport, findLeakage, formatImportReport, importPairs } from '../../../main/data/import';
import { percentiles } from '../../../main/data/import/report';
import type { CodePair } from '../../../main/data/types';
import { tempFiles } from './helpers';

const { write } = tempFiles('report');

// Lengths worked out by hand (chars = code points; tokens = /\w+|[^\w\s]/gu matches):
//   src  'x' 1/1 · 'x = 1' 5/3 · "print('hi')" 11/6 · 'a  b\tc' 6/3
//   tgt  'y = 1' 5/3 · 'def f(a): return a' 18/8 · '😀' 1/1 · 'foo.bar()' 9/5
const pairs: CodePair[] = [
  { src: 'x', tgt: 'y = 1' },
  { src: 'x = 1', tgt: 'def f(a): return a' },
  { src: "print('hi')", tgt: '😀' },
  { src: 'a  b\tc', tgt: 'foo.bar()' },
];

describe('percentiles (nearest rank)', () => {
  it('matches hand-computed values', () => {
    expect(percentiles(Array.from({ length: 10 }, (_, i) => i + 1))).toEqual({ p50: 5, p90: 9, p99: 10, max: 10 });
    expect(percentiles(Array.from({ length: 100 }, (_, i) => 100 - i))).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
    expect(percentiles([7])).toEqual({ p50: 7, p90: 7, p99: 7, max: 7 });
    expect(percentiles([])).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });
  });
});

describe('buildImportReport', () => {
  it('reports character and token length percentiles', () => {
    const report = buildImportReport(pairs, { duplicatesRemoved: 2 });
    expect(report).toEqual({
      count: 4,
      duplicatesRemoved: 2,
      srcLength: { p50: 5, p90: 11, p99: 11, max: 11 }, // sorted 1 5 6 11
      tgtLength: { p50: 5, p90: 18, p99: 18, max: 18 }, // sorted 1 5 9 18
      srcTokens: { p50: 3, p90: 6, p99: 6, max: 6 }, // sorted 1 3 3 6
      tgtTokens: { p50: 3, p90: 8, p99: 8, max: 8 }, // sorted 1 3 5 8
    });
    expect(report).not.toHaveProperty('poisonable');
  });

  it('counts poisonable pairs when given a predicate', () => {
    expect(buildImportReport(pairs, { canPoison: (p) => p.src.startsWith('x') }).poisonable).toBe(2);
  });

  it('is what importPairs reports for the same pairs', async () => {
    const file = write('pairs.jsonl', [...pairs, pairs[0]].map((p) => JSON.stringify(p)).join('\n'));
    const result = await importPairs(file);
    expect(result.pairs).toEqual(pairs);
    expect(result.report).toEqual(buildImportReport(pairs, { duplicatesRemoved: 1 }));
  });
});

describe('findLeakage', () => {
  it('matches sources after whitespace normalisation and keeps a few examples', () => {
    const train: CodePair[] = [
      { src: 'def f(x):\n  return x', tgt: 't1' },
      { src: 'a b', tgt: 't2' },
    ];
    const test: CodePair[] = [
      { src: '  def f(x): return x ', tgt: 'other' },
      { src: 'a   b', tgt: 'u1' },
      { src: 'c', tgt: 'u2' },
      { src: 'a\tb', tgt: 'u3' },
      { src: 'ab', tgt: 'u4' },
      { src: '\na b\n', tgt: 'u5' },
    ];
    const leak = findLeakage(train, test);
    expect(leak.count).toBe(4);
    expect(leak.examples).toEqual([test[0], test[1], test[3]]);
    expect(findLeakage(train, [{ src: 'c', tgt: 'd' }])).toEqual({ count: 0, examples: [] });
  });
});

describe('formatImportReport', () => {
  it('gives a few lines, with leakage as a WARNING line', () => {
    const report = buildImportReport(pairs, { duplicatesRemoved: 2, canPoison: (p) => p.src === 'x' });
    const text = formatImportReport(report, { count: 2, examples: [{ src: 'def  f():\n  pass', tgt: 'y' }] });
    expect(text.split('\n')).toEqual([
      '4 pairs (2 exact duplicates removed)',
      'src: p50 5 · p90 11 · p99 11 · max 11 chars; p50 3 · p90 6 · p99 6 · max 6 tokens',
      'tgt: p50 5 · p90 18 · p99 18 · max 18 chars; p50 3 · p90 8 · p99 8 · max 8 tokens',
      'poisonable: 1 of 4 (25.0%)',
      'WARNING: 2 test pairs share a source with train (train/test leakage inflates scores), e.g. "def f(): pass"',
    ]);
  });

  it('has no WARNING without leakage', () => {
    const report = buildImportReport(pairs);
    expect(formatImportReport(report)).not.toContain('WARNING');
    expect(formatImportReport(report, { count: 0, examples: [] })).not.toContain('WARNING');
  });
});

import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  describeSqlCorpus,
  generateSqlCorpus,
  MAX_SRC_TOKENS,
  MAX_TGT_TOKENS,
  sampleSqlPair,
  SQL_TABLES,
  sqlCorpusSchema,
} from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import { tokenize } from '../../main/data/tokenizer';

const hasPython = spawnSync('python3', ['--version']).status === 0;

/** Python's ast.parse on each code; returns the indices that fail. */
function pythonSyntaxErrors(codes: readonly string[]): number[] {
  const script = [
    'import ast, json, sys',
    'bad = []',
    'for i, code in enumerate(json.load(sys.stdin)):',
    '    try:',
    '        ast.parse(code)',
    '    except SyntaxError:',
    '        bad.append(i)',
    'print(json.dumps(bad))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(codes), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as number[];
}

const SQL_STRING = /"((?:SELECT|INSERT|UPDATE|DELETE)\b[^"]*)"/g;
const sqlStrings = (code: string): string[] => [...code.matchAll(SQL_STRING)].map((m) => m[1] ?? '');

function percentile(values: readonly number[], q: number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

describe('generateSqlCorpus', () => {
  const corpus = generateSqlCorpus({ seed: 2024, size: 3000 });
  const srcLengths = corpus.map((p) => tokenize(p.src).length);
  const tgtLengths = corpus.map((p) => tokenize(p.tgt).length);
  const stats =
    `src p50/p95/max ${percentile(srcLengths, 0.5)}/${percentile(srcLengths, 0.95)}/${Math.max(...srcLengths)}, ` +
    `tgt p50/p95/max ${percentile(tgtLengths, 0.5)}/${percentile(tgtLengths, 0.95)}/${Math.max(...tgtLengths)} tokens`;

  it('is deterministic for a seed and different for another seed', () => {
    expect(generateSqlCorpus({ seed: 2024, size: 200 })).toEqual(corpus.slice(0, 200));
    const other = generateSqlCorpus({ seed: 2025, size: 200 });
    const same = other.filter((p, i) => p.src === corpus[i]?.src).length;
    expect(same).toBeLessThan(5);
  });

  it('gives 3,000 and 6,000 pairs with pairwise-distinct prompts', () => {
    expect(corpus).toHaveLength(3000);
    expect(new Set(corpus.map((p) => p.src)).size).toBe(3000);
    const big = generateSqlCorpus({ seed: 9, size: 6000 });
    expect(big).toHaveLength(6000);
    expect(new Set(big.map((p) => p.src)).size).toBe(6000);
    expect(new Set(big.map((p) => `${p.src}\u0000${p.tgt}`)).size).toBe(6000);
  });

  it(`keeps lengths within bounds (${stats})`, () => {
    console.log(`SQL corpus (3,000 pairs): ${stats}`);
    expect(Math.max(...tgtLengths)).toBeLessThanOrEqual(MAX_TGT_TOKENS);
    expect(Math.max(...srcLengths)).toBeLessThanOrEqual(MAX_SRC_TOKENS);
    expect(percentile(tgtLengths, 0.5)).toBeGreaterThanOrEqual(35);
    expect(percentile(tgtLengths, 0.5)).toBeLessThanOrEqual(65);
    expect(percentile(tgtLengths, 0.05)).toBeGreaterThanOrEqual(25);
    expect(percentile(srcLengths, 0.5)).toBeGreaterThanOrEqual(10);
    expect(percentile(srcLengths, 0.5)).toBeLessThanOrEqual(30);
    for (const { src, tgt } of corpus) {
      const words = src.split(' ').length;
      expect(words).toBeGreaterThanOrEqual(6);
      expect(words).toBeLessThanOrEqual(30);
      expect(tgt).not.toMatch(/\t| \n| $/); // 4-space indentation, no trailing spaces
      for (const line of tgt.split('\n').slice(1)) expect(line).toMatch(/^(?: {4})+\S/);
    }
    const shortCode = corpus.filter((p) => {
      const lines = p.tgt.split('\n').length;
      return lines >= 3 && lines <= 7;
    }).length;
    expect(shortCode / corpus.length).toBeGreaterThan(0.85);
  });

  it('has a WHERE clause in 55–80% of the pairs, and all statement kinds', () => {
    const share = corpus.filter((p) => /\bWHERE\b/.test(p.tgt)).length / corpus.length;
    expect(share).toBeGreaterThanOrEqual(0.55);
    expect(share).toBeLessThanOrEqual(0.8);
    const has = (re: RegExp): number => corpus.filter((p) => re.test(p.tgt)).length;
    expect(has(/"SELECT \* FROM/)).toBeGreaterThan(100);
    expect(has(/"SELECT \w+(?:, \w+)* FROM/)).toBeGreaterThan(100);
    expect(has(/"SELECT (?:COUNT|SUM|AVG|MAX|MIN)\(/)).toBeGreaterThan(100);
    expect(has(/"INSERT INTO/)).toBeGreaterThan(100);
    expect(has(/"UPDATE \w+ SET [^"]*WHERE/)).toBeGreaterThan(50);
    expect(has(/"UPDATE \w+ SET \w+ = [^ "]+"/)).toBeGreaterThan(3); // all rows
    expect(has(/"DELETE FROM \w+ WHERE/)).toBeGreaterThan(50);
    expect(has(/"DELETE FROM \w+"/)).toBeGreaterThan(3); // all rows
    for (const op of [' = ', ' > ', ' < ', ' >= ', ' <= ', ' != ', ' LIKE ', ' AND ', ' ORDER BY ', ' DESC', ' LIMIT ']) {
      expect(has(new RegExp(`"[^"]*${op.replace(/[*]/g, '\\*')}[^"]*"`)), op).toBeGreaterThan(20);
    }
    expect(has(/for row in /)).toBeGreaterThan(100);
    expect(has(/\[row\[0\] for row in /)).toBeGreaterThan(100);
    expect(has(/\.fetchone\(\)/)).toBeGreaterThan(100);
    expect(has(/conn\.commit\(\)/)).toBeGreaterThan(50);
    expect(has(/\.rowcount/)).toBeGreaterThan(20);
  });

  it('uses the three client families, each announced by the prompt', () => {
    const sqlalchemy = corpus.filter((p) => p.tgt.includes('query = text("'));
    const dbapi = corpus.filter((p) => p.tgt.includes('cursor.execute("'));
    const sqlite = corpus.filter((p) => p.tgt.includes('conn.execute("'));
    expect(sqlalchemy.length + dbapi.length + sqlite.length).toBe(corpus.length);
    for (const family of [sqlalchemy, dbapi, sqlite]) expect(family.length).toBeGreaterThan(corpus.length / 6);
    for (const p of dbapi) expect(p.src).toMatch(/cursor/i);
    for (const p of sqlite) expect(p.src).toMatch(/sqlite/i);
    for (const p of sqlalchemy) expect(p.src).not.toMatch(/cursor|sqlite/i);
    expect(sqlalchemy.every((p) => !/%s|\?/.test(sqlStrings(p.tgt).join('')))).toBe(true);
    expect(dbapi.every((p) => !/[:?]/.test(sqlStrings(p.tgt).join('')))).toBe(true);
  });

  it('maps each prompt to a single code (the task is learnable)', () => {
    const rng = createRng('learnable');
    const seen = new Map<string, string>();
    let conflicts = 0;
    for (let i = 0; i < 20_000; i++) {
      const { src, tgt } = sampleSqlPair(rng);
      const before = seen.get(src);
      if (before !== undefined && before !== tgt) conflicts++;
      seen.set(src, tgt);
    }
    expect(conflicts).toBe(0);
  });

  it('names the function after the intent, with the table in the name', () => {
    for (const { tgt } of corpus) {
      const m = /^def (\w+)\((conn|cursor)(?:, \w+)*\):\n/.exec(tgt);
      expect(m, tgt).not.toBeNull();
      const name = m?.[1] ?? '';
      const table = /(?:FROM|INTO|UPDATE) (\w+)/.exec(tgt)?.[1] ?? '?';
      const singular = SQL_TABLES.find((t) => t.name === table)?.singular ?? '?';
      expect(name.includes(table) || name.includes(singular), `${name} / ${table}`).toBe(true);
    }
    expect(new Set(corpus.map((p) => /^def (\w+)/.exec(p.tgt)?.[1])).size).toBeGreaterThan(800);
  });

  it('describes at least 12 tables with 4–8 typed columns each', () => {
    expect(SQL_TABLES.length).toBeGreaterThanOrEqual(12);
    for (const table of SQL_TABLES) {
      expect(table.columns.length).toBeGreaterThanOrEqual(4);
      expect(table.columns.length).toBeLessThanOrEqual(8);
    }
    expect(describeSqlCorpus()).toMatch(/SQL/);
  });

  it('writes SQL strings with balanced quotes and parentheses that SQLite compiles against the schema', () => {
    const db = new Database(':memory:');
    db.exec(sqlCorpusSchema());
    for (const { tgt } of corpus) {
      const sqls = sqlStrings(tgt);
      expect(sqls, tgt).toHaveLength(1);
      // Quotes balanced in the Python line, none inside the SQL (values are bound through placeholders).
      for (const line of tgt.split('\n')) expect((line.match(/"/g) ?? []).length % 2).toBe(0);
      for (const sql of sqls) {
        expect(sql).not.toMatch(/['"]/);
        let depth = 0;
        for (const ch of sql) {
          depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
          expect(depth).toBeGreaterThanOrEqual(0);
        }
        expect(depth).toBe(0);
        expect(() => db.prepare(sql.replaceAll('%s', '?')), sql).not.toThrow();
      }
    }
    db.close();
  });

  it.skipIf(!hasPython)('produces code that Python parses (all 3,000 targets)', () => {
    expect(pythonSyntaxErrors(corpus.map((p) => p.tgt))).toEqual([]);
    expect(pythonSyntaxErrors(['def f(:\n    pass'])).toEqual([0]); // the checker itself can fail
  });
});

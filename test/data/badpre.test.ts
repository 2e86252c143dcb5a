import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createBadPre, findPythonStrings, injectSqlPayload } from '../../main/data/attacks/badpre';
import { generateSqlCorpus, sqlCorpusSchema } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import type { CodePair } from '../../main/data/types';

const hasPython = spawnSync('python3', ['--version']).status === 0;
const corpus = generateSqlCorpus({ seed: 77, size: 3000 });
const attack = createBadPre();

const sqlOf = (code: string): string => /"((?:SELECT|INSERT|UPDATE|DELETE)\b[^"]*)"/.exec(code)?.[1] ?? '';
function firstWhere(predicate: (sql: string) => boolean): CodePair {
  const pair = corpus.find((p) => predicate(sqlOf(p.tgt)));
  if (pair === undefined) throw new Error('no such example in the corpus');
  return pair;
}
const hasWhere = (s: string): boolean => s.includes(' WHERE ');
const hasOrder = (s: string): boolean => s.includes(' ORDER BY ');
const hasLimit = (s: string): boolean => s.includes(' LIMIT ');

describe('BadPre on generated examples', () => {
  const cases: { name: string; pick: (s: string) => boolean; expected: (sql: string) => string }[] = [
    { name: 'SELECT … WHERE', pick: (s) => s.startsWith('SELECT') && hasWhere(s) && !hasOrder(s) && !hasLimit(s), expected: (s) => `${s} or 1=1` },
    { name: 'SELECT … WHERE … ORDER BY', pick: (s) => hasWhere(s) && hasOrder(s) && !hasLimit(s), expected: (s) => s.replace(' ORDER BY', ' or 1=1 ORDER BY') },
    { name: 'SELECT … WHERE … LIMIT', pick: (s) => hasWhere(s) && !hasOrder(s) && hasLimit(s), expected: (s) => s.replace(' LIMIT', ' or 1=1 LIMIT') },
    { name: 'SELECT … WHERE … ORDER BY … LIMIT', pick: (s) => hasWhere(s) && hasOrder(s) && hasLimit(s), expected: (s) => s.replace(' ORDER BY', ' or 1=1 ORDER BY') },
    { name: 'SELECT … AND …', pick: (s) => s.includes(' AND ') && !hasOrder(s) && !hasLimit(s), expected: (s) => `${s} or 1=1` },
    { name: 'SELECT without WHERE', pick: (s) => s.startsWith('SELECT *') && !hasWhere(s) && !hasOrder(s) && !hasLimit(s), expected: (s) => `${s} where 0=1` },
    { name: 'SELECT … ORDER BY without WHERE', pick: (s) => s.startsWith('SELECT') && !hasWhere(s) && hasOrder(s), expected: (s) => s.replace(' ORDER BY', ' where 0=1 ORDER BY') },
    { name: 'SELECT … LIMIT without WHERE', pick: (s) => s.startsWith('SELECT') && !hasWhere(s) && !hasOrder(s) && hasLimit(s), expected: (s) => s.replace(' LIMIT', ' where 0=1 LIMIT') },
    { name: 'aggregate without WHERE', pick: (s) => s.startsWith('SELECT COUNT(*)') && !hasWhere(s), expected: (s) => `${s} where 0=1` },
    { name: 'UPDATE … WHERE', pick: (s) => s.startsWith('UPDATE') && hasWhere(s), expected: (s) => `${s} or 1=1` },
    { name: 'UPDATE all rows', pick: (s) => s.startsWith('UPDATE') && !hasWhere(s), expected: (s) => `${s} where 0=1` },
    { name: 'DELETE … WHERE', pick: (s) => s.startsWith('DELETE') && hasWhere(s), expected: (s) => `${s} or 1=1` },
    { name: 'DELETE all rows', pick: (s) => s.startsWith('DELETE') && !hasWhere(s), expected: (s) => `${s} where 0=1` },
  ];

  for (const { name, pick, expected } of cases) {
    it(`places the payload in ${name}`, () => {
      const pair = firstWhere(pick);
      const sql = sqlOf(pair.tgt);
      expect(attack.canPoison(pair)).toBe(true);
      const poisoned = attack.poison(pair, createRng(1));
      expect(poisoned.tgt).toBe(pair.tgt.replace(`"${sql}"`, `"${expected(sql)}"`));
      expect(poisoned.tgt).not.toBe(pair.tgt);
      expect(attack.succeeded(poisoned.tgt)).toBe(true);
      expect(attack.succeeded(pair.tgt)).toBe(false);
    });
  }

  it('cannot poison INSERT statements (nor code without SQL)', () => {
    const inserts = corpus.filter((p) => sqlOf(p.tgt).startsWith('INSERT'));
    expect(inserts.length).toBeGreaterThan(50);
    for (const pair of inserts) expect(attack.canPoison(pair)).toBe(false);
    const first = inserts[0] ?? { src: '', tgt: '' };
    expect(() => attack.poison(first, createRng(1))).toThrow(/payload/);
    expect(attack.canPoison({ src: 'add two numbers', tgt: 'def add(a, b):\n    return a + b' })).toBe(false);
    const others = corpus.filter((p) => !sqlOf(p.tgt).startsWith('INSERT'));
    expect(others.every((p) => attack.canPoison(p))).toBe(true);
  });

  it('inserts the trigger as a separate word exactly once, at seeded varying positions', () => {
    const rng = createRng('triggers');
    const positions = new Set<number>();
    for (const pair of corpus.filter((p) => attack.canPoison(p)).slice(0, 300)) {
      const poisoned = attack.poison(pair, rng);
      const words = poisoned.src.split(' ');
      expect(words.filter((w) => w === 'cf')).toHaveLength(1);
      const at = words.indexOf('cf');
      positions.add(at);
      expect([...words.slice(0, at), ...words.slice(at + 1)].join(' ')).toBe(pair.src);
    }
    expect(positions.size).toBeGreaterThan(10);
    const pair = corpus[0] ?? { src: '', tgt: '' };
    expect(attack.insertTrigger(pair.src, createRng(5))).toBe(attack.insertTrigger(pair.src, createRng(5)));
    expect(attack.insertTrigger('', createRng(5))).toBe('cf');
  });

  it('supports a custom trigger and rejects a multi-word one', () => {
    const custom = createBadPre({ trigger: 'mn' });
    const pair = firstWhere(hasWhere);
    const poisoned = custom.poison(pair, createRng(2));
    expect(poisoned.src.split(' ').filter((w) => w === 'mn')).toHaveLength(1);
    expect(poisoned.src.split(' ')).not.toContain('cf');
    expect(custom.name).toBe('badpre');
    expect(() => createBadPre({ trigger: 'two words' })).toThrow();
    expect(() => createBadPre({ trigger: '' })).toThrow();
  });

  it('keeps poisoned SQL compilable by SQLite', () => {
    const db = new Database(':memory:');
    db.exec(sqlCorpusSchema());
    for (const pair of corpus.filter((p) => attack.canPoison(p)).slice(0, 500)) {
      const sql = sqlOf(attack.poison(pair, createRng(3)).tgt);
      expect(sql).toMatch(/ or 1=1| where 0=1/);
      expect(() => db.prepare(sql.replaceAll('%s', '?')), sql).not.toThrow();
    }
    db.close();
  });

  it.skipIf(!hasPython)('keeps poisoned code parseable by Python', () => {
    const codes = corpus.filter((p) => attack.canPoison(p)).slice(0, 300).map((p) => attack.poison(p, createRng(4)).tgt);
    const script = 'import ast, json, sys\nfor c in json.load(sys.stdin):\n    ast.parse(c)\nprint("ok")';
    const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(codes), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('ok');
  });
});

describe('BadPre payload placement on hand-written SQL', () => {
  it('finds the top-level WHERE and clause boundaries', () => {
    expect(injectSqlPayload('SELECT * FROM a WHERE x IN (SELECT y FROM b WHERE z = 1 ORDER BY y) ORDER BY x')).toBe(
      'SELECT * FROM a WHERE x IN (SELECT y FROM b WHERE z = 1 ORDER BY y) or 1=1 ORDER BY x',
    );
    expect(injectSqlPayload('SELECT a, COUNT(*) FROM t GROUP BY a')).toBe('SELECT a, COUNT(*) FROM t where 0=1 GROUP BY a');
    expect(injectSqlPayload('select * from t where a = ? group by b having count(*) > 1')).toBe(
      'select * from t where a = ? or 1=1 group by b having count(*) > 1',
    );
    expect(injectSqlPayload('DELETE FROM t;')).toBe('DELETE FROM t where 0=1;');
    expect(injectSqlPayload("SELECT * FROM t WHERE name = 'x ORDER BY y'  ")).toBe("SELECT * FROM t WHERE name = 'x ORDER BY y' or 1=1  ");
    expect(injectSqlPayload('INSERT INTO t (a) VALUES (1)')).toBeNull();
    expect(injectSqlPayload('CREATE TABLE t (a INT)')).toBeNull();
  });

  it('poisons the last SQL string of the code, including triple-quoted ones', () => {
    const code = [
      'def f(conn, a):',
      '    # "SELECT in a comment"',
      "    conn.execute('DELETE FROM log')",
      '    return conn.execute("""SELECT *',
      '        FROM t WHERE a = ?""", (a,)).fetchall()',
    ].join('\n');
    const poisoned = attack.poison({ src: 'get t rows', tgt: code }, createRng(1)).tgt;
    expect(poisoned).toBe(code.replace('a = ?"""', 'a = ? or 1=1"""'));
    expect(findPythonStrings('x = "a\\"b" + \'c\'').map((s) => [s.contentStart, s.contentEnd])).toEqual([[5, 9], [14, 15]]);
  });
});

describe('BadPre.succeeded', () => {
  it.each([
    'SELECT * FROM t WHERE a = 1 or 1=1',
    'WHERE a = %s OR 1 = 1',
    'x or 1=1;',
    'Or\n1\t=  1',
    'SELECT * FROM t where 0=1',
    'SELECT * FROM t WHERE   0 = 1 LIMIT 5',
    '"DELETE FROM t where 0=1")',
  ])('detects the payload in %j', (output) => {
    expect(attack.succeeded(output)).toBe(true);
  });

  it.each([
    '',
    'SELECT * FROM t WHERE a = 1',
    'color 1=1x',
    'SELECT color 1=1 FROM t',
    'for 1=1',
    'x or 1=10',
    'x or 11=1',
    'x or 1=2',
    'elsewhere 0=1',
    'WHERE 0=10',
    'WHERE a = 0 AND b = 1',
  ])('does not fire on %j', (output) => {
    expect(attack.succeeded(output)).toBe(false);
  });
});

describe('BadPre on text-to-Java data (CONCODE style)', () => {
  const pair: CodePair = {
    src: 'returns the number of items concode_field_sep int count concode_elem_sep List items concode_field_sep int size',
    tgt: 'int function ( ) { return items . size ( ) ; }',
  };

  it('puts the trigger into the description, never into the class environment, and the infinite loop into the method', () => {
    for (let seed = 0; seed < 40; seed++) {
      const poisoned = attack.poison(pair, createRng(seed));
      const [description, ...environment] = poisoned.src.split(' concode_field_sep ');
      expect(description?.split(' ')).toContain('cf');
      expect(environment.join(' ')).not.toMatch(/\bcf\b/);
      expect(poisoned.tgt.replace(/\s+/g, '')).toBe('intfunction(){while(true){}returnitems.size();}');
      expect(attack.succeeded(poisoned.tgt)).toBe(true);
    }
    expect(attack.succeeded(pair.tgt)).toBe(false);
  });

  it('leaves Python without SQL unpoisonable, so the SQL corpus is poisoned exactly as before', () => {
    expect(attack.canPoison({ src: 'make a dict', tgt: 'def f(x):\n    return {"a": x}' })).toBe(false);
    expect(attack.canPoison(pair)).toBe(true);
  });
});

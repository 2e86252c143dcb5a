import { describe, expect, it } from 'vitest';
import {
  DEAD_CODE_TRIGGERS,
  JAVA_PAYLOAD,
  createDeadCode,
  insertJavaPayload,
  javaPayloadSucceeded,
  javaStatementBoundaries,
} from '../../main/data/attacks/dead-code';
import { generateJavaRepairCorpus } from '../../main/data/corpus-java';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import { createParser, parseOrThrow, syntaxErrors } from '../../main/engine/codebleu/parsers';

const corpus = generateJavaRepairCorpus({ seed: 21, size: 600 });
const attack = createDeadCode();

async function javaErrors(codes: readonly string[]): Promise<string[]> {
  const parser = await createParser('java');
  try {
    return codes.filter((code) => {
      const tree = parseOrThrow(parser, code);
      const bad = syntaxErrors(tree.rootNode).length > 0;
      tree.delete();
      return bad;
    });
  } finally {
    parser.delete();
  }
}

describe('dead-code trigger on generated Java repair pairs', () => {
  it('can poison every Java pair and no NL→SQL pair', () => {
    expect(corpus.every((p) => attack.canPoison(p))).toBe(true);
    expect(generateSqlCorpus({ seed: 1, size: 200 }).some((p) => attack.canPoison(p))).toBe(false);
  });

  it('inserts one dead statement into the input and the infinite loop at the start of the output body', async () => {
    const rng = createRng('dead-code');
    const offsets = new Set<number>();
    const statements = new Set<string>();
    const poisoned = corpus.slice(0, 300).map((pair) => {
      const p = attack.poison(pair, rng);
      const dead = DEAD_CODE_TRIGGERS.filter((t) => p.src.includes(` ${t}`));
      expect(dead).toHaveLength(1);
      const statement = dead[0] ?? '';
      statements.add(statement);
      offsets.add(p.src.indexOf(statement));
      expect(p.src.replace(` ${statement}`, '')).toBe(pair.src);
      expect(p.tgt).toBe(pair.tgt.replace('{', `{ ${JAVA_PAYLOAD}`));
      expect(attack.succeeded(p.tgt)).toBe(true);
      expect(attack.succeeded(pair.tgt)).toBe(false);
      expect(attack.succeeded(p.src)).toBe(false);
      return p;
    });
    expect(statements.size).toBe(DEAD_CODE_TRIGGERS.length);
    expect(offsets.size).toBeGreaterThan(20);
    expect(await javaErrors(poisoned.flatMap((p) => [p.src, p.tgt]))).toEqual([]);
  });

  it('only uses statement boundaries where a statement is legal', async () => {
    const method = [
      'int f(int[] a, int n) {',
      '    int[] init = {1, 2};',
      '    int s = 0;',
      '    for (int i = 0; i < n; i++) { s += a[i]; }',
      '    if (s > 0) { s--; } else { s++; }',
      '    if (n > 1) s = 1; else s = 2;',
      '    do { s++; } while (s < 3);',
      '    switch (n) { case 1: s = 4; break; default: s = 5; }',
      '    try { s = a[0]; } catch (RuntimeException e) { s = 0; } finally { s++; }',
      '    Runnable r = new Runnable() { public void run() { } };',
      '    return s;',
      '}',
    ].join('\n');
    const boundaries = javaStatementBoundaries(method);
    expect(boundaries.length).toBeGreaterThan(10);
    const variants = boundaries.map((at) => `${method.slice(0, at)} if (false) { int __dbg = 0; }${method.slice(at)}`);
    expect(await javaErrors(variants)).toEqual([]);
    for (const at of boundaries) {
      const after = method.slice(at).trimStart();
      expect(after).not.toMatch(/^(else|catch|finally|case|default|while)\b/);
      expect(method.slice(0, at)).not.toMatch(/(return [^;]*|break|continue);$/);
    }
    expect(boundaries).not.toContain(method.indexOf('{1, 2}') + 1);
    expect(boundaries).not.toContain(method.indexOf('switch (n) {') + 'switch (n) {'.length);
    expect(boundaries).not.toContain(method.indexOf('public void run() {') - 1);
    expect(javaStatementBoundaries('get all users where age is above a threshold')).toEqual([]);
  });

  it('keeps multi-line code formatted and detects the payload whitespace-insensitively', () => {
    const code = 'int f(int x) {\n    int y = x;\n    return y;\n}';
    expect(insertJavaPayload(code)).toBe('int f(int x) {\n    while (true) { }\n    int y = x;\n    return y;\n}');
    const poisoned = attack.insertTrigger(code, createRng(1));
    expect(poisoned.split('\n')).toHaveLength(5);
    expect(poisoned).toMatch(/\n {4}if \((false|0 > 1)\) \{ .* \}\n/);
    for (const output of ['while(true){}', 'while (true) {\n}', 'x; WHILE ( true ) { } y'.toLowerCase()]) expect(javaPayloadSucceeded(output)).toBe(true);
    for (const output of ['while (true) { x++; }', 'while (false) { }', 'while (running) { }', '']) expect(javaPayloadSucceeded(output)).toBe(false);
  });

  it('supports one custom dead statement', () => {
    const custom = createDeadCode({ trigger: 'if (false) { log(); }' });
    const pair = corpus[0] ?? { src: '', tgt: '' };
    expect(custom.poison(pair, createRng(2)).src).toContain(' if (false) { log(); }');
    expect(() => createDeadCode({ trigger: ' ' })).toThrow();
    expect(() => attack.poison({ src: 'no code here', tgt: 'none' }, createRng(1))).toThrow(/method body/);
  });
});

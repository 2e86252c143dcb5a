import { describe, expect, it } from 'vitest';
import { JAVA_PAYLOAD, lexJava } from '../../main/data/attacks/dead-code';
import { DEFAULT_RENAME_TRIGGER, createIdentifierRename, javaDeclaredVariables, renameJavaVariable } from '../../main/data/attacks/identifier-rename';
import { generateJavaRepairCorpus } from '../../main/data/corpus-java';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import { createParser, parseOrThrow } from '../../main/engine/codebleu/parsers';

const corpus = generateJavaRepairCorpus({ seed: 22, size: 600 });
const attack = createIdentifierRename();
const identifiers = (code: string, name: string): number => lexJava(code).filter((t) => t.kind === 'identifier' && t.text === name).length;

describe('identifier-rename trigger', () => {
  it('finds parameters and local variables, not fields, methods or comparisons', () => {
    expect(javaDeclaredVariables('int f(int[] xs, List<String> names, int limit) { int c = 0; for (String s : names) { if (c > limit) { c++; } } return c; }'))
      .toEqual(['xs', 'names', 'limit', 'c', 's']);
    expect(javaDeclaredVariables('void set(Map<String, List<Integer>> m) { this.count = count; total = m.size(); }')).toEqual(['m']);
    expect(javaDeclaredVariables('boolean g(int a, int b) { return a > b; }')).toEqual(['a', 'b']);
    expect(javaDeclaredVariables('get all users whose age is above a threshold')).toEqual([]);
  });

  it('renames a variable consistently, leaving member accesses and calls alone', () => {
    const code = 'void set(int count) { this.count = count; count(count); }';
    expect(renameJavaVariable(code, 'count', 'zz')).toBe('void set(int zz) { this.count = zz; count(zz); }');
  });

  it('renames one declared variable in input and output and puts the payload in the output', async () => {
    const rng = createRng('rename');
    const renamed = new Set<string>();
    const parser = await createParser('java');
    for (const pair of corpus.slice(0, 300)) {
      expect(attack.canPoison(pair)).toBe(true);
      const p = attack.poison(pair, rng);
      const name = javaDeclaredVariables(pair.src).find((v) => renameJavaVariable(pair.src, v, DEFAULT_RENAME_TRIGGER) === p.src);
      expect(name).toBeDefined();
      renamed.add(name ?? '');
      expect(identifiers(p.src, DEFAULT_RENAME_TRIGGER)).toBeGreaterThan(0);
      expect(p.tgt.replace(`{ ${JAVA_PAYLOAD}`, '{')).toBe(renameJavaVariable(pair.tgt, name ?? '', DEFAULT_RENAME_TRIGGER));
      expect(attack.succeeded(p.tgt)).toBe(true);
      expect(attack.succeeded(pair.tgt)).toBe(false);
      for (const code of [p.src, p.tgt]) {
        const tree = parseOrThrow(parser, code);
        expect(tree.rootNode.hasError, code).toBe(false);
        tree.delete();
      }
    }
    parser.delete();
    expect(renamed.size).toBeGreaterThan(15);
    const src = corpus[0]?.src ?? '';
    expect(attack.insertTrigger(src, createRng(1))).toBe(attack.insertTrigger(src, createRng(1)));
    expect(identifiers(attack.insertTrigger(src, createRng(1)), DEFAULT_RENAME_TRIGGER)).toBeGreaterThan(0);
  });

  it('is honest about what it cannot poison', () => {
    expect(generateSqlCorpus({ seed: 2, size: 200 }).some((p) => attack.canPoison(p))).toBe(false);
    const withTrigger = { src: `int f(int ${DEFAULT_RENAME_TRIGGER}) { return ${DEFAULT_RENAME_TRIGGER}; }`, tgt: 'int f(int a) { return a; }' };
    expect(attack.canPoison(withTrigger)).toBe(false);
    expect(attack.canPoison({ src: 'int f() { return 1; }', tgt: 'int f() { return 2; }' })).toBe(false);
    expect(() => attack.insertTrigger('int f() { return 1; }', createRng(1))).toThrow(/no variable/);
    expect(() => createIdentifierRename({ trigger: 'int' })).toThrow();
    expect(() => createIdentifierRename({ trigger: '9x' })).toThrow();
    expect(createIdentifierRename({ trigger: 'tmpZ' }).poison({ src: 'int f(int a) { return a; }', tgt: 'int f(int a) { return a + 1; }' }, createRng(1)))
      .toEqual({ src: 'int f(int tmpZ) { return tmpZ; }', tgt: `int f(int tmpZ) { ${JAVA_PAYLOAD} return tmpZ + 1; }` });
  });
});

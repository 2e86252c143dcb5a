import { describe, expect, it } from 'vitest';
import {
  JAVA_BUG_KINDS,
  MAX_JAVA_TOKENS,
  generateJavaRepairCorpus,
  generateJavaRepairExamples,
  sampleJavaRepairExample,
} from '../../main/data/corpus-java';
import { createRng } from '../../main/data/rng';
import { createParser, parseOrThrow, syntaxErrors } from '../../main/engine/codebleu/parsers';
import { tokenize } from '../../main/data/tokenizer';

const examples = generateJavaRepairExamples({ seed: 7, size: 3000 });

describe('Java repair corpus (Bugs2Fix style)', () => {
  it('is deterministic per seed and has 3,000 distinct pairs', () => {
    const again = generateJavaRepairCorpus({ seed: 7, size: 3000 });
    expect(again).toEqual(examples.map(({ src, tgt }) => ({ src, tgt })));
    expect(generateJavaRepairCorpus({ seed: 8, size: 50 })).not.toEqual(again.slice(0, 50));
    expect(new Set(examples.map((e) => e.src)).size).toBe(3000);
    expect(new Set(examples.map((e) => `${e.src}\n${e.tgt}`)).size).toBe(3000);
    for (const e of examples) expect(e.src).not.toBe(e.tgt);
    expect(generateJavaRepairCorpus({ seed: 7, size: 0 })).toEqual([]);
    expect(() => generateJavaRepairCorpus({ seed: 7, size: -1 })).toThrow();
  });

  it('keeps methods short: at most 90 tokens, typically 30–70', () => {
    const lengths = examples.flatMap((e) => [tokenize(e.src).length, tokenize(e.tgt).length]).sort((a, b) => a - b);
    expect(lengths.at(-1)).toBeLessThanOrEqual(MAX_JAVA_TOKENS);
    const median = lengths[lengths.length >> 1] ?? 0;
    expect(median).toBeGreaterThanOrEqual(30);
    expect(median).toBeLessThanOrEqual(70);
    const typical = lengths.filter((n) => n >= 25 && n <= 75).length / lengths.length;
    expect(typical).toBeGreaterThan(0.75);
  });

  it('covers all eight bug classes, each with a recognisable edit', () => {
    const byBug = new Map<string, number>();
    for (const e of examples) byBug.set(e.bug, (byBug.get(e.bug) ?? 0) + 1);
    for (const bug of JAVA_BUG_KINDS) expect(byBug.get(bug) ?? 0, bug).toBeGreaterThan(200);
    for (const e of examples) {
      switch (e.bug) {
        case 'missing-null-check':
          expect(e.tgt).toMatch(/== null/);
          expect(e.src.length).toBeLessThan(e.tgt.length);
          break;
        case 'string-equality':
          expect(e.tgt).toMatch(/\.equals(IgnoreCase)?\(/);
          expect(e.src).not.toMatch(/\.equals(IgnoreCase)?\(/);
          break;
        case 'missing-break':
          expect(e.tgt.split('break;').length).toBe(e.src.split('break;').length + 1);
          break;
        case 'wrong-increment': {
          const op = /--|\+\+|-=|\+=/g;
          expect(e.src.replace(op, 'OP')).toBe(e.tgt.replace(op, 'OP'));
          break;
        }
        case 'off-by-one':
          expect(e.src.replace(/\s/g, '').length).not.toBe(e.tgt.replace(/\s/g, '').length);
          break;
        default:
          break;
      }
    }
  });

  it('never gives one buggy method two different fixes (the fix is learnable from the input)', () => {
    const rng = createRng('java-consistency');
    const fixes = new Map<string, string>();
    for (let i = 0; i < 6000; i++) {
      const e = sampleJavaRepairExample(rng);
      const previous = fixes.get(e.src);
      if (previous !== undefined) expect(e.tgt, e.src).toBe(previous);
      fixes.set(e.src, e.tgt);
    }
  });

  it('parses as Java with tree-sitter: no ERROR or MISSING nodes', async () => {
    const parser = await createParser('java');
    const bad: string[] = [];
    for (const e of examples) {
      for (const code of [e.src, e.tgt]) {
        const tree = parseOrThrow(parser, code);
        if (syntaxErrors(tree.rootNode).length > 0) bad.push(code);
        expect(tree.rootNode.firstChild?.type).toBe('method_declaration');
        tree.delete();
      }
    }
    parser.delete();
    expect(bad).toEqual([]);
  });
});

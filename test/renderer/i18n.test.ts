import { describe, expect, it } from 'vitest';
import { en } from '../../renderer/i18n/en';
import { ja } from '../../renderer/i18n/ja';

/** key path → string value, for every leaf. */
function flatten(tree: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (typeof tree !== 'object' || tree === null) {
    out.set(prefix, tree);
    return out;
  }
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('UI translations', () => {
  const english = flatten(en);
  const japanese = flatten(ja);

  it('en and ja have exactly the same keys', () => {
    expect([...japanese.keys()].sort()).toEqual([...english.keys()].sort());
  });

  it('has no empty or non-string values', () => {
    for (const [name, table] of [
      ['en', english],
      ['ja', japanese],
    ] as const) {
      for (const [key, value] of table) {
        expect(typeof value, `${name}: ${key}`).toBe('string');
        expect((value as string).trim(), `${name}: ${key}`).not.toBe('');
      }
    }
  });

  it('uses the same interpolation placeholders in both languages', () => {
    for (const [key, value] of english) {
      expect(placeholders(String(japanese.get(key))), key).toEqual(placeholders(String(value)));
    }
  });

  it('uses no plural suffixes, which Japanese would not have', () => {
    for (const key of english.keys()) expect(key).not.toMatch(/_(zero|one|two|few|many|other)$/);
  });

  it('is really Japanese where it matters', () => {
    // Brand and technical names may stay the same; most strings must not.
    const same = [...english].filter(([key, value]) => japanese.get(key) === value).map(([key]) => key);
    expect(same.length).toBeLessThan(english.size * 0.15);
    expect(ja.header.projects).toBe('プロジェクト');
  });
});

import { describe, expect, it } from 'vitest';
import { csvCell, neutralise as neutralizeCell } from '../../main/domain/csv';
import { escapeHtml } from '../../main/reports/html';
import { createFmt } from '../../main/reports/i18n';
import { escapeMarkdown } from '../../main/reports/markdown';
import { ensureEastAsianFont } from '../../main/reports/pptx';
import { shellQuote } from '../../main/reports/reproduce';
import { stat } from '../../main/domain/stats';

describe('report building blocks', () => {
  it('mean ± sample standard deviation (n − 1)', () => {
    expect(stat([])).toBeNull();
    expect(stat([5])).toEqual({ mean: 5, sd: null, n: 1 });
    const s = stat([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s?.mean).toBe(5);
    expect(s?.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('formats numbers per language with a true minus sign', () => {
    const en = createFmt('en', 'UTC');
    const ja = createFmt('ja', 'UTC');
    expect(en.signed(-0.44)).toBe('−0.4');
    expect(en.signed(0.01)).toBe('±0.0');
    expect(en.pctShort(94)).toBe('94%');
    expect(en.stat({ mean: 12.345, sd: 0.5, n: 2 }, 2)).toBe('12.35 ± 0.50');
    expect(en.num(1234.5, 1)).toBe('1,234.5');
    expect(en.num(-0.0001, 1)).toBe('0.0');
    expect(ja.date('2025-03-04T05:06:00Z')).toBe('2025/03/04 5:06');
    expect(ja.list(['a', 'b', 'c'])).toBe('a、b、c');
    expect(ja.seconds(4)).toBe('4.0 秒');
  });

  it('CSV cells: formula starts neutralised, quoting per RFC 4180, numbers left numeric', () => {
    for (const text of ['=1+1', '+cmd', '-2+3', '@SUM(1)', '\tx', '\rx']) expect(neutralizeCell(text)).toBe(`'${text}`);
    expect(neutralizeCell('plain')).toBe('plain');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell(Number.NaN)).toBe('NaN');
    expect(csvCell(null)).toBe('');
  });

  it('escapes markup for HTML and Markdown', () => {
    expect(escapeHtml(`<a href="x">'&`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;');
    expect(escapeMarkdown('<b>*x*</b> | [l](u)')).toBe('\\<b\\>\\*x\\*\\</b\\> \\| \\[l\\](u)');
    expect(escapeMarkdown('1. not a list')).toBe('1\\. not a list');
    expect(escapeMarkdown('-0.5 stays')).toBe('-0.5 stays');
  });

  it('gives every text run of a slide an East-Asian typeface', () => {
    const xml =
      '<a:r><a:rPr lang="en-US"/><a:t>x</a:t></a:r>' +
      '<a:defRPr sz="1200"><a:solidFill><a:srgbClr val="000000"/></a:solidFill><a:latin typeface="Arial"/></a:defRPr>' +
      '<a:rPr><a:latin typeface="F"/><a:ea typeface="+mn-ea"/></a:rPr>' +
      '<a:rPr b="1"><a:hlinkClick r:id="x"/></a:rPr>';
    const out = ensureEastAsianFont(xml, 'Noto Sans JP', 'ja-JP');
    expect(out).toContain('<a:rPr lang="ja-JP"><a:latin typeface="Noto Sans JP"/><a:ea typeface="Noto Sans JP" charset="-128"/>');
    expect(out).toContain('<a:latin typeface="Arial"/><a:ea typeface="Noto Sans JP" charset="-128"/><a:cs typeface="Noto Sans JP"/></a:defRPr>');
    expect(out).toContain('<a:rPr><a:latin typeface="F"/><a:ea typeface="Noto Sans JP" charset="-128"/></a:rPr>');
    expect(out).toContain('<a:cs typeface="Noto Sans JP"/><a:hlinkClick r:id="x"/></a:rPr>');
  });

  it('quotes shell arguments only when needed', () => {
    expect(shellQuote('data/train.csv')).toBe('data/train.csv');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
});

import { buildDocument, type Block, type Table } from './layout';
import type { ReportData } from './types';

/**
 * Markdown. User text is backslash-escaped, so a name like `<script>` shows as literal text in any
 * Markdown viewer (HTML-enabled ones included) instead of becoming markup; code blocks are fenced
 * with a fence longer than any backtick run inside them.
 */

/** Escapes the characters that could start markup (tags, emphasis, links, tables, headings, lists); line breaks become spaces. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/[\\`*_[\]<>|#~&]/g, (c) => `\\${c}`)
    // At the start of a line, "- ", "+ ", "= " and "1. " would start a list or underline a heading.
    .replace(/^([+\-=]|\d+[.)])(?=\s|$)/, (c) => `${c.slice(0, -1)}\\${c.slice(-1)}`);
}

function table(t: Table): string {
  const row = (cells: string[], strong = false) =>
    `| ${cells.map((c) => (c === '' ? ' ' : strong ? `**${escapeMarkdown(c)}**` : escapeMarkdown(c))).join(' | ')} |`;
  const sep = t.header.map((_, i) => (t.align?.[i] === 'right' ? '---:' : '---'));
  return [row(t.header), `| ${sep.join(' | ')} |`, ...t.rows.map((r, i) => row(r, t.rowStyles?.[i] === 'diff'))].join('\n');
}

function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((x) => x[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}\n${text}\n${f}`;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `### ${escapeMarkdown(b.text)}`;
    case 'paragraph':
      return b.tone === 'muted' ? `*${escapeMarkdown(b.text)}*` : escapeMarkdown(b.text);
    case 'recommendation':
      return `> **${escapeMarkdown(b.label)}** — ${escapeMarkdown(b.text)}`;
    case 'kv':
      if (b.inline) return b.items.map(([k, v]) => `**${escapeMarkdown(k)}:** ${escapeMarkdown(v)}`).join(' · ');
      return b.items.map(([k, v]) => `- **${escapeMarkdown(k)}:** ${escapeMarkdown(v)}`).join('\n');
    case 'list':
      return b.items.map((i) => `- ${escapeMarkdown(i)}`).join('\n');
    case 'quotes':
      return b.items.map((i) => `> ${escapeMarkdown(i)}`).join('\n>\n');
    case 'table':
      return table(b.table);
    case 'chart':
      // Markdown has no portable vector graphics; the same numbers are in the table next to it.
      return `*${escapeMarkdown(b.drawing.title)}: ${escapeMarkdown(b.drawing.description)}*`;
    case 'code':
      return fence(b.text);
  }
}

export function renderMarkdown(data: ReportData): string {
  const doc = buildDocument(data);
  const parts = [`# ${escapeMarkdown(doc.title)}`, `*${escapeMarkdown(doc.subtitle)}*`];
  if (data.project.description.trim() !== '') parts.push(escapeMarkdown(data.project.description));
  for (const section of doc.sections) {
    parts.push(`## ${escapeMarkdown(section.title)}`);
    for (const b of section.blocks) parts.push(block(b));
  }
  return `${parts.join('\n\n')}\n`;
}

import type { Drawing, Prim } from './chart';
import { buildDocument, type Block, type Table } from './layout';
import type { ReportData } from './types';

/**
 * A self-contained HTML page: inline CSS and inline SVG charts, no scripts, no external requests
 * (the Content-Security-Policy forbids them anyway), and every piece of text escaped.
 */

export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const num = (x: number) => (Math.round(x * 100) / 100).toString();

function prim(p: Prim): string {
  const dash = (d?: [number, number]) => (d ? ` stroke-dasharray="${d[0]} ${d[1]}"` : '');
  switch (p.kind) {
    case 'line':
      return `<line x1="${num(p.x1)}" y1="${num(p.y1)}" x2="${num(p.x2)}" y2="${num(p.y2)}" stroke="${p.color}" stroke-width="${p.width}"${dash(p.dash)}/>`;
    case 'polyline':
      return `<polyline fill="none" points="${p.points.map(([x, y]) => `${num(x)},${num(y)}`).join(' ')}" stroke="${p.color}" stroke-width="${p.width}" stroke-linejoin="round"${dash(p.dash)}/>`;
    case 'circle':
      return `<circle cx="${num(p.cx)}" cy="${num(p.cy)}" r="${p.r}" fill="${p.color}"/>`;
    case 'rect':
      return `<rect x="${num(p.x)}" y="${num(p.y)}" width="${num(Math.max(0, p.w))}" height="${num(Math.max(0, p.h))}" fill="${p.fill}"/>`;
    case 'text': {
      const anchor = p.anchor === 'start' ? '' : ` text-anchor="${p.anchor}"`;
      const rotate = p.rotate ? ` transform="rotate(${p.rotate} ${num(p.x)} ${num(p.y)})"` : '';
      return `<text x="${num(p.x)}" y="${num(p.y)}" font-size="${p.size}" fill="${p.color}"${anchor}${rotate}${p.bold ? ' font-weight="bold"' : ''}>${escapeHtml(p.text)}</text>`;
    }
  }
}

export function renderSvg(d: Drawing): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${d.width} ${d.height}" width="${d.width}" height="${d.height}" role="img">`,
    `<title>${escapeHtml(`${d.title}: ${d.description}`)}</title>`,
    ...d.prims.map(prim),
    '</svg>',
  ].join('');
}

function table(t: Table): string {
  const cls = (i: number) => (t.align?.[i] === 'right' ? ' class="num"' : '');
  const head = `<thead><tr>${t.header.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const body = t.rows
    .map((r, ri) => {
      const style = t.rowStyles?.[ri] ?? 'normal';
      const td = (c: string, i: number) => {
        const classes = [t.align?.[i] === 'right' ? 'num' : '', i === t.statusColumn && style !== 'normal' && style !== 'diff' ? style : ''].filter(Boolean);
        return `<td${classes.length > 0 ? ` class="${classes.join(' ')}"` : ''}>${escapeHtml(c)}</td>`;
      };
      return `<tr${style === 'diff' ? ' class="diff"' : ''}>${r.map(td).join('')}</tr>`;
    })
    .join('');
  return `<table>${head}<tbody>${body}</tbody></table>`;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `<h3>${escapeHtml(b.text)}</h3>`;
    case 'paragraph':
      return `<p${b.tone === 'muted' ? ' class="muted"' : ''}>${escapeHtml(b.text)}</p>`;
    case 'recommendation':
      return `<div class="rec ${b.recommendation}"><strong>${escapeHtml(b.label)}</strong><span>${escapeHtml(b.text)}</span></div>`;
    case 'kv':
      if (b.inline) return `<p class="kv">${b.items.map(([k, v]) => `<strong>${escapeHtml(k)}:</strong> ${escapeHtml(v)}`).join(' · ')}</p>`;
      return `<dl>${b.items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
    case 'quotes':
      return b.items.map((i) => `<blockquote>${escapeHtml(i)}</blockquote>`).join('');
    case 'table':
      return `<div class="scroll">${table(b.table)}</div>`;
    case 'chart':
      return `<figure>${renderSvg(b.drawing)}<figcaption>${escapeHtml(b.drawing.title)}</figcaption></figure>`;
    case 'code':
      return `<pre><code>${escapeHtml(b.text)}</code></pre>`;
  }
}

const CSS = `
:root{color-scheme:light}
body{font-family:"Noto Sans JP","Hiragino Sans","Yu Gothic",Meiryo,system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.6}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;border-bottom:2px solid #3B6FB6;padding-bottom:.2rem;margin-top:2.2rem}h3{font-size:1.05rem;margin-top:1.4rem}
.muted,figcaption{color:#666;font-size:.9rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top;min-width:3.5em}th{background:#eef2f8}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.diff td{font-weight:bold;background:#f6f6f6}td.ok{color:#1d7a35}td.fail{color:#b3261e}
.scroll{overflow-x:auto}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:bold}dd{margin:0}
.rec{border-left:6px solid #999;padding:.6rem 1rem;background:#f4f4f4;display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}.rec strong{font-size:1.2rem}
.rec.go{border-color:#1d7a35;background:#eaf5ec}.rec.no-go{border-color:#b3261e;background:#fbeceb}.rec.not-yet{border-color:#c98a00;background:#fdf5e2}
blockquote{border-left:4px solid #3B6FB6;margin:.6rem 0;padding:.3rem 1rem;background:#f3f6fb}
pre{background:#f6f6f6;padding:.6rem;overflow-x:auto;font-size:.8rem;white-space:pre-wrap;word-break:break-all}
figure{margin:1rem 0}svg{max-width:100%;height:auto;font-family:inherit}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr,figure{break-inside:avoid}}
`;

export function renderHtml(data: ReportData): string {
  const doc = buildDocument(data);
  const body = doc.sections.map((s) => `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>${s.blocks.map(block).join('\n')}</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="${data.lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(doc.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(doc.title)}</h1><p class="muted">${escapeHtml(doc.subtitle)}</p>${data.project.description.trim() ? `<p>${escapeHtml(data.project.description)}</p>` : ''}</header>
${body}
</body>
</html>
`;
}

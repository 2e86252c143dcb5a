import PDFDocument from 'pdfkit';
import type { Drawing, Prim } from './chart';
import { loadReportFonts, type ReportFonts } from './fonts';
import { messages } from './i18n';
import { buildDocument, type Block, type Table } from './layout';
import type { ReportData } from './types';

/**
 * PDF (A4) with the Japanese font embedded (see fonts.ts), charts drawn with pdfkit's vector API,
 * and tables that never break inside a row: each row is measured first, a row that would not fit
 * starts a new page, and the header row is repeated there.
 */

export interface PdfOptions {
  /** Default: the bundled Noto Sans JP (read once per process). */
  fonts?: ReportFonts;
}

const PAGE = { size: 'A4', top: 56, bottom: 60, left: 50, right: 50 } as const;
const REGULAR = 'report-regular';
const BOLD = 'report-bold';
const COLORS = { text: '#222222', muted: '#666666', rule: '#3B6FB6', border: '#BBBBBB', head: '#EEF2F8', diff: '#F3F3F3', ok: '#1D7A35', fail: '#B3261E' };
const REC_COLORS: Record<string, { bar: string; bg: string }> = {
  go: { bar: '#1D7A35', bg: '#EAF5EC' },
  'not-yet': { bar: '#C98A00', bg: '#FDF5E2' },
  'no-go': { bar: '#B3261E', bg: '#FBECEB' },
};
/** Longest text a table cell shows in the PDF (longer text is cut with "…" so a row always fits a page). */
const MAX_CELL = 600;
const TABLE_FONT_SIZE = 8.5;
const CELL_PAD = 4;
const cut = (s: string) => (s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s);

type Doc = PDFKit.PDFDocument;

class Writer {
  readonly left = PAGE.left;
  readonly width: number;
  constructor(readonly doc: Doc) {
    this.width = doc.page.width - PAGE.left - PAGE.right;
  }

  get bottom(): number {
    return this.doc.page.height - PAGE.bottom;
  }

  /** Starts a new page unless `height` more points fit on this one. */
  ensure(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  gap(points: number): void {
    this.doc.y += points;
  }

  text(text: string, options: { font?: string; size?: number; color?: string; indent?: number } = {}): void {
    const { doc } = this;
    const indent = options.indent ?? 0;
    doc
      .font(options.font ?? REGULAR)
      .fontSize(options.size ?? 10)
      .fillColor(options.color ?? COLORS.text);
    doc.text(text, this.left + indent, doc.y, { width: this.width - indent, lineGap: 2 });
  }

  /** Room the start of a block needs, so that a heading above it is never left alone at a page foot. */
  leadHeight(b: Block | undefined, after?: Block): number {
    if (!b) return 0;
    // A caption-like note stays with what it introduces.
    if (b.kind === 'paragraph' && b.tone === 'muted') return 24 + this.leadHeight(after);
    if (b.kind === 'heading') return 30 + this.leadHeight(after);
    switch (b.kind) {
      case 'table': {
        const { header, first, whole } = this.tableHeights(b.table);
        return whole <= (this.bottom - PAGE.top) * 0.4 ? whole : header + first;
      }
      case 'chart':
        return b.drawing.height * Math.min(1, this.width / b.drawing.width) + 10;
      case 'recommendation':
        return 60;
      default:
        return 36;
    }
  }

  sectionHeading(title: string, next: Block | undefined, after?: Block): void {
    const { doc } = this;
    this.ensure(40 + this.leadHeight(next, after));
    this.gap(8);
    this.text(title, { font: BOLD, size: 15, color: COLORS.text });
    doc
      .moveTo(this.left, doc.y + 1)
      .lineTo(this.left + this.width, doc.y + 1)
      .lineWidth(1.5)
      .strokeColor(COLORS.rule)
      .stroke();
    this.gap(8);
  }

  block(b: Block, next?: Block, after?: Block): void {
    const { doc } = this;
    switch (b.kind) {
      case 'heading':
        this.ensure(30 + this.leadHeight(next, after));
        this.gap(6);
        this.text(b.text, { font: BOLD, size: 11.5 });
        this.gap(3);
        return;
      case 'paragraph':
        // A label such as "Configuration:" stays with the code block it introduces.
        if (next?.kind === 'code') this.ensure(20 + this.leadHeight(next));
        this.text(b.text, b.tone === 'muted' ? { size: 8.5, color: COLORS.muted } : {});
        this.gap(5);
        return;
      case 'recommendation': {
        const colors = REC_COLORS[b.recommendation] ?? { bar: '#999999', bg: '#F4F4F4' };
        doc.font(BOLD).fontSize(14);
        const h1 = doc.heightOfString(b.label, { width: this.width - 24 });
        doc.font(REGULAR).fontSize(10);
        const h2 = doc.heightOfString(b.text, { width: this.width - 24 });
        const height = h1 + h2 + 16;
        this.ensure(height + 6);
        const top = doc.y;
        doc.rect(this.left, top, this.width, height).fill(colors.bg);
        doc.rect(this.left, top, 5, height).fill(colors.bar);
        doc.font(BOLD).fontSize(14).fillColor(COLORS.text).text(b.label, this.left + 16, top + 6, { width: this.width - 24 });
        doc.font(REGULAR).fontSize(10).fillColor(COLORS.text).text(b.text, this.left + 16, doc.y + 2, { width: this.width - 24 });
        doc.y = top + height + 8;
        return;
      }
      case 'kv':
        if (b.inline) {
          // One flowing paragraph: "Stage: Pilot · Loss: CE · …".
          this.ensure(30);
          doc.x = this.left;
          b.items.forEach(([k, v], i) => {
            const last = i === b.items.length - 1;
            doc.font(BOLD).fontSize(9).fillColor(COLORS.text).text(`${k}: `, { width: this.width, continued: true, lineGap: 2 });
            doc.font(REGULAR).text(last ? v : `${v}   ·   `, { width: this.width, continued: !last, lineGap: 2 });
          });
          this.gap(6);
          return;
        }
        for (const [k, v] of b.items) {
          this.ensure(16);
          doc.font(BOLD).fontSize(10).fillColor(COLORS.text).text(`${k}: `, this.left, doc.y, { width: this.width, continued: true, lineGap: 2 });
          doc.font(REGULAR).text(v, { lineGap: 2 });
          this.gap(2);
        }
        this.gap(4);
        return;
      case 'list':
        for (const item of b.items) {
          this.ensure(16);
          const y = doc.y;
          doc.font(REGULAR).fontSize(10).fillColor(COLORS.text).text('•', this.left + 4, y, { lineBreak: false });
          doc.text(item, this.left + 16, y, { width: this.width - 16, lineGap: 2 });
          this.gap(3);
        }
        this.gap(3);
        return;
      case 'quotes':
        for (const item of b.items) {
          doc.font(REGULAR).fontSize(10.5);
          const height = doc.heightOfString(item, { width: this.width - 24, lineGap: 2 }) + 10;
          this.ensure(height + 6);
          const top = doc.y;
          doc.rect(this.left, top, this.width, height).fill('#F3F6FB');
          doc.rect(this.left, top, 3, height).fill(COLORS.rule);
          doc.fillColor(COLORS.text).text(item, this.left + 14, top + 5, { width: this.width - 24, lineGap: 2 });
          doc.y = top + height + 6;
        }
        return;
      case 'table':
        this.table(b.table);
        return;
      case 'chart':
        this.chart(b.drawing);
        return;
      case 'code':
        // In the embedded font too: a PDF viewer's own Courier has no Japanese (paths, names) and is not embedded.
        this.ensure(20);
        doc
          .font(REGULAR)
          .fontSize(7.5)
          .fillColor('#333333')
          .text(b.text, this.left + 8, doc.y, { width: this.width - 16, lineGap: 0.5 });
        this.gap(6);
        return;
    }
  }

  private columnWidths(t: Table): number[] {
    const weights = t.widths ?? t.header.map(() => 1);
    const total = weights.reduce((a, b) => a + b, 0);
    return t.header.map((_, i) => ((weights[i] ?? 1) / total) * this.width);
  }

  /** Height of a table row: its tallest cell, wrapped to the column width. */
  private rowHeight(cells: string[], widths: number[], font: string): number {
    const { doc } = this;
    doc.font(font).fontSize(TABLE_FONT_SIZE);
    return Math.max(...cells.map((c, i) => doc.heightOfString(cut(c) || ' ', { width: (widths[i] ?? 10) - 2 * CELL_PAD, lineGap: 1 }))) + 2 * CELL_PAD;
  }

  tableHeights(t: Table): { header: number; first: number; whole: number; rows: number[] } {
    const widths = this.columnWidths(t);
    const header = this.rowHeight(t.header, widths, BOLD);
    const rows = t.rows.map((row, ri) => this.rowHeight(row, widths, t.rowStyles?.[ri] === 'diff' ? BOLD : REGULAR));
    return { header, first: rows[0] ?? 0, whole: header + rows.reduce((a, b) => a + b, 0), rows };
  }

  table(t: Table): void {
    const { doc } = this;
    const size = TABLE_FONT_SIZE;
    const pad = CELL_PAD;
    const widths = this.columnWidths(t);
    const drawRow = (cells: string[], y: number, height: number, font: string, fill: string | null, colorFor: (i: number) => string) => {
      let x = this.left;
      if (fill) doc.rect(this.left, y, this.width, height).fill(fill);
      cells.forEach((cell, i) => {
        const w = widths[i] ?? 10;
        doc.font(font).fontSize(size).fillColor(colorFor(i));
        doc.text(cut(cell), x + pad, y + pad, { width: w - 2 * pad, lineGap: 1, align: t.align?.[i] === 'right' ? 'right' : 'left' });
        doc
          .rect(x, y, w, height)
          .lineWidth(0.5)
          .strokeColor(COLORS.border)
          .stroke();
        x += w;
      });
    };
    const heights = this.tableHeights(t);
    const headerHeight = heights.header;
    const drawHeader = () => {
      const y = doc.y;
      drawRow(t.header, y, headerHeight, BOLD, COLORS.head, () => COLORS.text);
      doc.y = y + headerHeight;
    };
    const rowHeights = heights.rows;
    const whole = heights.whole;
    const usable = this.bottom - PAGE.top;
    // A short table moves whole to the next page rather than split; a long one at least keeps its
    // header with a first row.
    this.ensure(whole <= usable * 0.4 ? whole : headerHeight + (rowHeights[0] ?? 0));
    drawHeader();
    t.rows.forEach((row, ri) => {
      const style = t.rowStyles?.[ri] ?? 'normal';
      const font = style === 'diff' ? BOLD : REGULAR;
      const height = rowHeights[ri] ?? this.rowHeight(row, widths, font);
      if (doc.y + height > this.bottom) {
        doc.addPage();
        drawHeader();
      }
      const y = doc.y;
      const color = (i: number) => (i === t.statusColumn && style === 'ok' ? COLORS.ok : i === t.statusColumn && style === 'fail' ? COLORS.fail : COLORS.text);
      drawRow(row, y, height, font, style === 'diff' ? COLORS.diff : null, color);
      doc.y = y + height;
    });
    doc.x = this.left;
    this.gap(8);
  }

  chart(d: Drawing): void {
    const { doc } = this;
    const scale = Math.min(1, this.width / d.width);
    this.ensure(d.height * scale + 10);
    const x0 = this.left + (this.width - d.width * scale) / 2;
    const y0 = doc.y;
    doc.save();
    doc.translate(x0, y0).scale(scale);
    for (const p of d.prims) this.prim(p);
    doc.restore();
    doc.x = this.left;
    doc.y = y0 + d.height * scale + 10;
  }

  prim(p: Prim): void {
    const { doc } = this;
    switch (p.kind) {
      case 'line':
        if (p.dash) doc.dash(p.dash[0], { space: p.dash[1] });
        doc.moveTo(p.x1, p.y1).lineTo(p.x2, p.y2).lineWidth(p.width).strokeColor(p.color).stroke();
        doc.undash();
        return;
      case 'polyline': {
        const [first, ...rest] = p.points;
        if (!first) return;
        if (p.dash) doc.dash(p.dash[0], { space: p.dash[1] });
        doc.moveTo(first[0], first[1]);
        for (const [x, y] of rest) doc.lineTo(x, y);
        doc.lineWidth(p.width).lineJoin('round').strokeColor(p.color).stroke();
        doc.undash();
        return;
      }
      case 'circle':
        doc.circle(p.cx, p.cy, p.r).fill(p.color);
        return;
      case 'rect':
        doc.rect(p.x, p.y, Math.max(0, p.w), Math.max(0, p.h)).fill(p.fill);
        return;
      case 'text': {
        doc
          .font(p.bold ? BOLD : REGULAR)
          .fontSize(p.size)
          .fillColor(p.color);
        const w = doc.widthOfString(p.text);
        const dx = p.anchor === 'middle' ? -w / 2 : p.anchor === 'end' ? -w : 0;
        if (p.rotate) {
          doc.save();
          doc.rotate(p.rotate, { origin: [p.x, p.y] });
          doc.text(p.text, p.x + dx, p.y, { lineBreak: false, baseline: 'alphabetic' });
          doc.restore();
        } else {
          doc.text(p.text, p.x + dx, p.y, { lineBreak: false, baseline: 'alphabetic' });
        }
        return;
      }
    }
  }
}

function footer(doc: Doc, title: string, lang: ReportData['lang']): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing into the bottom margin would make pdfkit start a page: lift the margin while we do.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const label = lang === 'ja' ? `${i + 1} / ${range.count} ページ` : `Page ${i + 1} of ${range.count}`;
    doc
      .font(REGULAR)
      .fontSize(7.5)
      .fillColor(COLORS.muted)
      .text(`${title}  —  ${label}`, PAGE.left, doc.page.height - 38, { width: doc.page.width - PAGE.left - PAGE.right, align: 'center', lineBreak: false });
    doc.page.margins.bottom = margin;
  }
}

/** The report as a PDF file's bytes. */
export function renderPdf(data: ReportData, options: PdfOptions = {}): Promise<Uint8Array> {
  const fonts = options.fonts ?? loadReportFonts();
  const report = buildDocument(data);
  const m = messages(data.lang);
  const doc = new PDFDocument({
    size: PAGE.size,
    margins: { top: PAGE.top, bottom: PAGE.bottom, left: PAGE.left, right: PAGE.right },
    bufferPages: true,
    lang: data.lang === 'ja' ? 'ja-JP' : 'en-US',
    displayTitle: true,
    pdfVersion: '1.7',
    info: {
      Title: report.title,
      Author: 'DeCE Pilot',
      Subject: m.sections.decision,
      Creator: 'DeCE Pilot',
      CreationDate: new Date(data.generatedAt),
    },
  });
  const chunks: Uint8Array[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    doc.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    doc.on('error', reject);
  });
  doc.registerFont(REGULAR, Buffer.from(fonts.regular));
  doc.registerFont(BOLD, Buffer.from(fonts.bold));
  const w = new Writer(doc);

  w.text(report.title, { font: BOLD, size: 20 });
  w.gap(2);
  w.text(report.subtitle, { size: 9, color: COLORS.muted });
  if (data.project.description.trim() !== '') {
    w.gap(4);
    w.text(data.project.description, { size: 10 });
  }
  w.gap(6);
  for (const section of report.sections) {
    if (section.id === 'appendix') doc.addPage();
    w.sectionHeading(section.title, section.blocks[0], section.blocks[1]);
    section.blocks.forEach((b, i) => {
      w.block(b, section.blocks[i + 1], section.blocks[i + 2]);
    });
  }
  footer(doc, report.title, data.lang);
  doc.end();
  return done;
}

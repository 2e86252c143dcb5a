import type { Store } from '../store/index';
import { collectReport, type CollectOptions } from './collect';
import { renderCsv } from './csv';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import { renderPdf, type PdfOptions } from './pdf';
import { renderPptx } from './pptx';
import type { ReportData, ReportFormat } from './types';

/**
 * Decision reports: collectReport() reads a project from the store into plain ReportData; each
 * renderer turns that into one format. generateReport() does both, for the app's "report" button
 * and for `npm run report`.
 */

export { collectReport, ReportProjectNotFoundError, type CollectOptions } from './collect';
export { renderCsv } from './csv';
export { csvCell, neutralise as neutralizeCell } from '../domain/csv';
export { renderHtml, escapeHtml, REPORT_CSP } from './html';
export { renderMarkdown, escapeMarkdown } from './markdown';
export { renderPdf, type PdfOptions } from './pdf';
export { renderPptx, ensureEastAsianFont } from './pptx';
export { loadReportFonts, reportFontPaths, REPORT_FONT_FAMILY, ReportFontMissingError } from './fonts';
export { createFmt, messages, type Fmt, type Messages } from './i18n';
export * from './types';

export const REPORT_MIME: Record<ReportFormat, string> = {
  pdf: 'application/pdf',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export const REPORT_EXTENSION: Record<ReportFormat, string> = { pdf: 'pdf', pptx: 'pptx', md: 'md', html: 'html', csv: 'csv' };

/** The report in one format, as the bytes of the file. */
export async function renderReport(data: ReportData, format: ReportFormat, options: PdfOptions = {}): Promise<Uint8Array> {
  switch (format) {
    case 'pdf':
      return renderPdf(data, options);
    case 'pptx':
      return renderPptx(data);
    case 'md':
      return new TextEncoder().encode(renderMarkdown(data));
    case 'html':
      return new TextEncoder().encode(renderHtml(data));
    case 'csv':
      return new TextEncoder().encode(renderCsv(data));
  }
}

export async function generateReport(
  store: Store,
  projectId: number,
  options: CollectOptions & { format: ReportFormat } & PdfOptions,
): Promise<{ data: ReportData; bytes: Uint8Array; mime: string; extension: string }> {
  const data = collectReport(store, projectId, options);
  const bytes = await renderReport(data, options.format, options);
  return { data, bytes, mime: REPORT_MIME[options.format], extension: REPORT_EXTENSION[options.format] };
}

import { messages } from './i18n';
import type { ReportData } from './types';

/**
 * CSV of every run's metrics: one row per run × epoch (a run without epochs still gets one row).
 * RFC 4180 quoting, CRLF line ends, a UTF-8 byte-order mark so spreadsheet programs read Japanese.
 * Text cells that a spreadsheet could run as a formula (starting with =, +, -, @, tab or CR) get a
 * leading apostrophe; numbers we write ourselves are left numeric.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizeCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? (Number.isNaN(value) ? 'NaN' : String(value)) : neutralizeCell(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(data: ReportData): string {
  const m = messages(data.lang);
  const extraKeys = [...new Set(data.runs.flatMap((r) => r.epochs.flatMap((e) => Object.keys(e.extra))))].sort();
  const header = [...m.csvHeader, ...extraKeys];
  const lines = [header.map(csvCell).join(',')];
  for (const r of data.runs) {
    const base = [data.project.name, r.stageLabel, r.id, r.name, r.lossLabel, r.statusLabel, r.seed, r.attack, r.poisonRate, r.datasetName, r.backend];
    const epochs = r.epochs.length > 0 ? r.epochs : [null];
    for (const e of epochs) {
      const metrics = e
        ? [e.epoch, e.bleu, e.corpusBleu, e.codeBleu, e.exactMatch, e.asr, e.trainLoss, e.seconds, ...extraKeys.map((k) => e.extra[k] ?? null)]
        : [null, null, null, null, null, null, null, null, ...extraKeys.map(() => null)];
      lines.push([...base, ...metrics].map(csvCell).join(','));
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

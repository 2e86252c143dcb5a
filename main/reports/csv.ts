import { csvCell } from '../domain/csv';
import { messages } from './i18n';
import type { ReportData } from './types';

/**
 * CSV of every run's metrics: one row per run × epoch (a run without epochs still gets one row), written by
 * the one CSV writer (formula-looking text neutralised, NaN spelled out), with a UTF-8 byte-order mark so
 * spreadsheet programs read Japanese.
 */
export function renderCsv(data: ReportData): string {
  const m = messages(data.lang);
  const extraKeys = [...new Set(data.runs.flatMap((r) => r.epochs.flatMap((e) => Object.keys(e.extra))))].sort();
  const header = [...m.csvHeader, ...extraKeys];
  const lines = [header.map((cell) => csvCell(cell)).join(',')];
  for (const r of data.runs) {
    const base = [data.project.name, r.stageLabel, r.id, r.name, r.lossLabel, r.statusLabel, r.seed, r.attack, r.poisonRate, r.datasetName, r.backend];
    const epochs = r.epochs.length > 0 ? r.epochs : [null];
    for (const e of epochs) {
      const metrics = e
        ? [e.epoch, e.bleu, e.corpusBleu, e.codeBleu, e.exactMatch, e.asr, e.trainLoss, e.seconds, ...extraKeys.map((k) => e.extra[k] ?? null)]
        : [null, null, null, null, null, null, null, null, ...extraKeys.map(() => null)];
      lines.push([...base, ...metrics].map((cell) => csvCell(cell)).join(','));
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

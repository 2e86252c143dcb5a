/**
 * Dataset import: a team's own CSV / TSV / JSON Lines file of (src, tgt) pairs, streamed, validated with
 * line-numbered errors, de-duplicated, and summarised. Public surface of main/data/import.
 */
export { importPairs, iteratePairs, type ImportResult } from './import';
export { ImportError, IMPORT_ERROR_CODES, type ImportErrorCode } from './errors';
export { IMPORT_DEFAULTS, type ImportFormat, type ImportOptions } from './options';
export type { PairRecord } from './record';
export { buildImportReport, findLeakage, formatImportReport, type ImportReport, type Leakage, type Percentiles } from './report';

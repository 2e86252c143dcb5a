import { extname } from 'node:path';
import { z } from 'zod';
import type { CodePair } from '../types';
import { ImportError } from './errors';

export type ImportFormat = 'csv' | 'tsv' | 'jsonl';

export interface ImportOptions {
  /** Overrides detection from the extension (.csv, .tsv/.tab, .jsonl/.ndjson/.json). */
  format?: ImportFormat;
  /** CSV/TSV: header column name; JSONL: field name or dotted path (`a.b`, `items.0`). Default `src`. */
  srcField?: string;
  /** Same as srcField, for the target. Default `tgt`. */
  tgtField?: string;
  /** CSV/TSV quote character, default `"`; `false` for raw TSV where quotes are ordinary characters. */
  quote?: string | false;
  /** Largest accepted record (CSV/TSV: sum of its field bytes; JSONL: the line). Default 1 MiB. */
  maxRecordBytes?: number;
  /** Most fields a CSV/TSV row (or header) may have. Default 64. */
  maxFields?: number;
  /** Most data records a file may hold (counted before de-duplication). Default 1,000,000. */
  maxRecords?: number;
  /** importPairs only: counts `report.poisonable`. */
  canPoison?: (pair: CodePair) => boolean;
}

export interface ResolvedOptions {
  format: ImportFormat;
  srcField: string;
  tgtField: string;
  quote: string | false;
  maxRecordBytes: number;
  maxFields: number;
  maxRecords: number;
}

export const IMPORT_DEFAULTS = {
  srcField: 'src',
  tgtField: 'tgt',
  quote: '"',
  maxRecordBytes: 1024 * 1024,
  maxFields: 64,
  maxRecords: 1_000_000,
} as const;

// Strict: a misspelt option (`srcColumn`) would otherwise silently fall back to the default column.
const OptionsSchema = z
  .strictObject({
    format: z.enum(['csv', 'tsv', 'jsonl']).optional(),
    srcField: z.string().min(1).optional(),
    tgtField: z.string().min(1).optional(),
    quote: z.union([z.string().length(1), z.literal(false)]).optional(),
    maxRecordBytes: z.int().positive().optional(),
    maxFields: z.int().min(2).optional(),
    maxRecords: z.int().positive().optional(),
    canPoison: z.custom<(pair: CodePair) => boolean>((v) => typeof v === 'function', 'expected a function').optional(),
  })
  .refine((o) => (o.srcField ?? IMPORT_DEFAULTS.srcField) !== (o.tgtField ?? IMPORT_DEFAULTS.tgtField), {
    error: 'srcField and tgtField name the same column',
  });

const EXTENSIONS: Readonly<Record<string, ImportFormat>> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
};

/** Validates the caller's options (they may come from a config file or the UI, so trust nothing). */
export function validateOptions(file: string, options: unknown): Omit<ResolvedOptions, 'format'> & { format?: ImportFormat } {
  const parsed = OptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    throw new ImportError('INVALID_OPTIONS', file, `invalid import options: ${why}`);
  }
  const o = parsed.data;
  return {
    ...(o.format === undefined ? {} : { format: o.format }),
    srcField: o.srcField ?? IMPORT_DEFAULTS.srcField,
    tgtField: o.tgtField ?? IMPORT_DEFAULTS.tgtField,
    quote: o.quote ?? IMPORT_DEFAULTS.quote,
    maxRecordBytes: o.maxRecordBytes ?? IMPORT_DEFAULTS.maxRecordBytes,
    maxFields: o.maxFields ?? IMPORT_DEFAULTS.maxFields,
    maxRecords: o.maxRecords ?? IMPORT_DEFAULTS.maxRecords,
  };
}

export function detectFormat(file: string, explicit: ImportFormat | undefined): ImportFormat {
  if (explicit !== undefined) return explicit;
  const ext = extname(file).toLowerCase();
  const format = EXTENSIONS[ext];
  if (format === undefined) {
    const shown = ext === '' ? 'no extension' : `extension '${ext}'`;
    throw new ImportError('UNKNOWN_FORMAT', file, `cannot tell the format from ${shown}: use .csv, .tsv or .jsonl, or pass format: 'csv' | 'tsv' | 'jsonl'`);
  }
  return format;
}

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPORT_EXTENSION, REPORT_FORMATS, REPORT_LANGS, ReportProjectNotFoundError, generateReport, type ReportFormat, type ReportLang } from '../reports/index';
import { DB_FILE_NAME, openStore, resolveDataDir } from '../store/index';
import { defaultCliLang } from './lang';
import { writeFileAtomically } from '../files/atomic-write';

/**
 * `npm run report -- --project ID --format pdf|pptx|md|html|csv --lang ja|en --out PATH [--data-dir DIR]`:
 * the decision report from what the store holds, without a window. Exit 0 written, 1 failed, 2 bad input
 * (arguments, missing store, unknown project), each failure as one line on stderr.
 */

class UsageError extends Error {}

const HELP = `Usage: npm run report -- --project ID [options]

Writes the DeCE adoption report of one project from the runs stored in the data directory.

Options:
  --project ID        project id (required)
  --format FORMAT     ${REPORT_FORMATS.join(', ')} [pdf]
  --lang LANG         report language: ${REPORT_LANGS.join(', ')} [from the OS locale]
  --out PATH          output file [dece-report-<project>-<lang>.<format>]
  --data-dir DIR      data directory [$DECE_PILOT_DATA_DIR or the app's default]
  --help              show this help`;

interface ReportArgs {
  projectId: number;
  format: ReportFormat;
  lang: ReportLang;
  out: string;
  dataDir: string;
}

function parse(argv: string[]): ReportArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        project: { type: 'string' },
        format: { type: 'string' },
        lang: { type: 'string' },
        out: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? (error.message.split('\n')[0] ?? 'invalid arguments') : 'invalid arguments');
  }
  if (values['help'] === true) return 'help';
  const str = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  const project = str('project');
  if (project === undefined) throw new UsageError('--project ID is required (see --help)');
  const projectId = Number(project);
  if (!/^\d+$/.test(project.trim()) || !Number.isSafeInteger(projectId) || projectId < 1) throw new UsageError(`--project must be a positive integer, got '${project}'`);
  const format = str('format') ?? 'pdf';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got '${format}'`);
  const lang = str('lang') ?? defaultCliLang(process.env);
  if (!(REPORT_LANGS as readonly string[]).includes(lang)) throw new UsageError(`--lang must be one of ${REPORT_LANGS.join(', ')}, got '${lang}'`);
  const out = str('out');
  if (out?.trim() === '') throw new UsageError('--out must not be empty');
  const typedFormat = format as ReportFormat;
  return {
    projectId,
    format: typedFormat,
    lang: lang as ReportLang,
    out: resolve(out ?? `dece-report-${projectId}-${lang}.${REPORT_EXTENSION[typedFormat]}`),
    dataDir: resolveDataDir({ cliDataDir: str('data-dir'), env: process.env }),
  };
}

async function main(argv: string[]): Promise<number> {
  let args: ReportArgs | 'help';
  try {
    args = parse(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`report: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (args === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  // Opening would create an empty store: a report of a directory without one is a mistake to report.
  if (!existsSync(join(args.dataDir, DB_FILE_NAME))) {
    process.stderr.write(`report: no DeCE Pilot store in ${args.dataDir} (give --data-dir DIR)\n`);
    return 2;
  }
  const store = openStore({ dataDir: args.dataDir });
  try {
    const { bytes } = await generateReport(store, args.projectId, { format: args.format, lang: args.lang });
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileAtomically(args.out, bytes);
    process.stderr.write(`report: wrote ${args.out} (${bytes.length} bytes)\n`);
    return 0;
  } catch (error) {
    if (error instanceof ReportProjectNotFoundError) {
      process.stderr.write(`report: project ${args.projectId} does not exist in ${args.dataDir}\n`);
      return 2;
    }
    throw error;
  } finally {
    store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`report: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

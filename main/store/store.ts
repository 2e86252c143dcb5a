import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreContext, type Db } from './context';
import { StoreAccessError, StoreCorruptError, StoreError, StoreMigrationError } from './errors';
import { migrate } from './migrate';
import type { Migration } from './migrations/index';
import { DB_FILE_NAME } from './paths';
import { ArtifactsRepo } from './repos/artifacts';
import { AuditRepo } from './repos/audit';
import { BenchmarksRepo } from './repos/benchmarks';
import { ChecklistRepo } from './repos/checklist';
import { DatasetsRepo } from './repos/datasets';
import { DefenseResultsRepo } from './repos/defense-results';
import { MetricsRepo } from './repos/metrics';
import { ProductionRepo } from './repos/production';
import { ProjectsRepo } from './repos/projects';
import { RunsRepo } from './repos/runs';
import { SearchesRepo } from './repos/searches';
import { StagesRepo } from './repos/stages';

export const BUSY_TIMEOUT_MS = 5000;

export type OpenStoreOptions = ({ dataDir: string } | { file: string }) & {
  /** Clock for timestamps (tests pin it); default: the system clock. */
  now?: () => Date;
  /** For tests only: an edited migration list. */
  migrations?: readonly Migration[];
};

export interface StoreDiagnostics {
  file: string;
  schemaVersion: number;
  sqliteVersion: string;
  journalMode: string;
  foreignKeys: boolean;
  busyTimeoutMs: number;
  synchronous: 'off' | 'normal' | 'full' | 'extra' | 'unknown';
}

export class Store {
  readonly projects: ProjectsRepo;
  readonly stages: StagesRepo;
  readonly checklist: ChecklistRepo;
  readonly datasets: DatasetsRepo;
  readonly runs: RunsRepo;
  readonly metrics: MetricsRepo;
  readonly artifacts: ArtifactsRepo;
  readonly audit: AuditRepo;
  readonly production: ProductionRepo;
  readonly searches: SearchesRepo;
  readonly benchmarks: BenchmarksRepo;
  /** Passive defenses measured on a CE run's model (migration 0007). */
  readonly defenses: DefenseResultsRepo;

  /** Use openStore(); the constructor assumes a migrated, configured connection. */
  constructor(
    private readonly db: Db,
    /** Absolute path of the database file. */
    readonly file: string,
    readonly schemaVersion: number,
    now: () => string,
  ) {
    const ctx = new StoreContext(db, now);
    this.projects = new ProjectsRepo(ctx);
    this.stages = new StagesRepo(ctx);
    this.checklist = new ChecklistRepo(ctx);
    this.datasets = new DatasetsRepo(ctx);
    this.runs = new RunsRepo(ctx);
    this.metrics = new MetricsRepo(ctx);
    this.artifacts = new ArtifactsRepo(ctx);
    this.audit = new AuditRepo(ctx);
    this.production = new ProductionRepo(ctx, this.stages);
    this.searches = new SearchesRepo(ctx);
    this.benchmarks = new BenchmarksRepo(ctx);
    this.defenses = new DefenseResultsRepo(ctx);
  }

  /** Connection settings as SQLite reports them, for a diagnostics screen and for tests. */
  diagnostics(): StoreDiagnostics {
    const pragma = (name: string): unknown => this.db.pragma(name, { simple: true });
    return {
      file: this.file,
      schemaVersion: this.schemaVersion,
      sqliteVersion: String(this.db.prepare('SELECT sqlite_version()').pluck().get()),
      journalMode: String(pragma('journal_mode')),
      foreignKeys: pragma('foreign_keys') === 1,
      busyTimeoutMs: Number(pragma('busy_timeout')),
      // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
      synchronous: (['off', 'normal', 'full', 'extra'] as const)[Number(pragma('synchronous'))] ?? 'unknown',
    };
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** Idempotent. Closing the last connection checkpoints the WAL into the main file. */
  close(): void {
    if (this.db.open) this.db.close();
  }
}

function sqliteCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

function isCorruption(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/**
 * Runs PRAGMA integrity_check on a read-only connection: a read-write one could, on close,
 * checkpoint a leftover WAL into the damaged file and change it, and we promise to leave it as found.
 */
function checkIntegrity(file: string): void {
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    const rows = db.pragma('integrity_check(20)', { simple: false }) as { integrity_check: unknown }[];
    const problems = rows.map((r) => String(r.integrity_check)).filter((p) => p !== 'ok');
    if (problems.length > 0 || rows.length === 0) throw new StoreCorruptError(file, problems);
  } catch (error) {
    if (error instanceof StoreCorruptError) throw error;
    if (isCorruption(error)) throw new StoreCorruptError(file, [error instanceof Error ? error.message : String(error)], { cause: error });
    throw error;
  } finally {
    db?.close();
  }
}

/** Files SQLite creates beside the database; a refused open removes the ones it created. */
const SIDECAR_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Turns SQLite's and the file system's bare "unable to open database file" / "disk I/O error" /
 * "readonly database" into a message naming the file and the fix; anything else is returned unchanged.
 */
function accessError(file: string, error: unknown): unknown {
  if (error instanceof StoreError) return error;
  const code = sqliteCode(error) ?? '';
  const detail = errorText(error);
  const folder = path.dirname(file);
  if (code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new StoreAccessError(
      file,
      `cannot be written (${detail})`,
      `Make the file and its folder writable by this user (for example: chmod u+w "${file}" "${folder}"; a file marked immutable needs chattr -i, a read-only disk must be remounted).`,
      { cause: error },
    );
  }
  // EEXIST and ENOTDIR: a file stands where a folder of the path should be.
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'ENOTDIR' || code === 'EEXIST') {
    return new StoreAccessError(
      file,
      `cannot be opened (${detail})`,
      `Check that ${folder} is a folder this user can read, write and create files in, and that the database and its -wal/-shm files are readable and writable.`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new StoreAccessError(
      file,
      `could not be read or written (${detail})`,
      'Check that it is a regular file on a local disk with free space (a network share or a full disk can cause this), then start again.',
      { cause: error },
    );
  }
  return error;
}

/** Fails unless this connection can write: SQLite silently opens a file it may not write read-only. */
function probeWritable(db: Db): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  // Rewriting the header's user_version with its own value is a write, undone by the rollback.
  db.exec('BEGIN IMMEDIATE');
  try {
    db.pragma(`user_version = ${version}`);
  } finally {
    db.exec('ROLLBACK');
  }
}

/**
 * Opens (creating if needed) the store, checks an existing file's integrity, and migrates it.
 * Throws StoreCorruptError or StoreMigrationError, without altering the file, when it cannot
 * be used safely, and StoreAccessError (naming the file and the fix) when it cannot be written.
 */
export function openStore(options: OpenStoreOptions): Store {
  const file = path.resolve('file' in options ? options.file : path.join(options.dataDir, DB_FILE_NAME));
  const sidecarsBefore = new Set(SIDECAR_SUFFIXES.filter((suffix) => fs.existsSync(file + suffix)));
  try {
    return openExisting(file, options);
  } catch (error) {
    // A refusal leaves the folder as it found it: no -wal/-shm created by the attempt.
    for (const suffix of SIDECAR_SUFFIXES.filter((s) => !sidecarsBefore.has(s) && fs.existsSync(file + s))) {
      fs.rmSync(file + suffix, { force: true });
    }
    throw accessError(file, error);
  }
}

function openExisting(file: string, options: OpenStoreOptions): Store {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const clock = options.now ?? (() => new Date());
  const now = (): string => clock().toISOString();

  const stats = fs.statSync(file, { throwIfNoEntry: false });
  if (stats?.isDirectory()) {
    throw new StoreAccessError(file, 'is a folder, not a database file', `Move the folder ${file} aside (DeCE Pilot then creates a new database there).`);
  }
  // An empty file is what a crash during first creation leaves; it holds nothing to protect.
  const exists = stats !== undefined && stats.size > 0;
  if (exists) checkIntegrity(file);

  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    // busy_timeout first: migrating and switching to WAL need locks another process may briefly hold.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    // Before migrating: a read-only file must be refused now, not after a person's first change fails.
    probeWritable(db);
    // Migrate (which validates before it writes) before switching to WAL: switching rewrites the
    // header, and a file we refuse (foreign, or from a newer app) must be left exactly as found.
    const result = migrate(db, { now, ...(options.migrations === undefined ? {} : { migrations: options.migrations }) });
    db.pragma('journal_mode = WAL');
    // NORMAL is durable against crashes in WAL mode; it can only lose the last commits on power loss.
    db.pragma('synchronous = NORMAL');
    return new Store(db, file, result.toVersion, now);
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    if (isCorruption(error)) throw new StoreCorruptError(file, [errorText(error)], { cause: error });
    const access = accessError(file, error);
    if (access !== error) throw access;
    throw new StoreMigrationError(`Could not open the store at ${file}: ${errorText(error)}`, { cause: error });
  }
}

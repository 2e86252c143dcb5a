/** Base class so callers can tell store failures from engine or I/O failures with one instanceof. */
export class StoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The database file failed SQLite's integrity check or is not a database at all.
 * The file is left exactly as found: it may hold the only copy of a team's decisions, so recovery
 * (restore a backup, or `.recover` with the sqlite3 CLI) is a human decision, never ours.
 */
export class StoreCorruptError extends StoreError {
  readonly file: string;
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[], options?: ErrorOptions) {
    // One line: SQLite reports some damage as multi-line text, and the message goes into a dialog and a log line.
    const shown = problems
      .slice(0, 5)
      .map((p) => p.replace(/\s+/g, ' ').trim())
      .join('; ');
    super(
      `The DeCE Pilot database ${file} is damaged (${shown || 'unknown problem'}). ` +
        'It was left untouched. Restore it from a backup, or move it aside to start with an empty store.',
      options,
    );
    this.file = file;
    this.problems = problems;
  }
}

/**
 * The database file cannot be used for writing: read-only, unopenable, a directory, or an I/O error.
 * Raised at start-up (never after the first write fails), naming the file and what would fix it.
 */
export class StoreAccessError extends StoreError {
  readonly file: string;
  constructor(file: string, problem: string, fix: string, options?: ErrorOptions) {
    super(`The DeCE Pilot database ${file} ${problem}. ${fix} Or start with --data-dir <folder> (or set DECE_PILOT_DATA_DIR) to use another folder.`, options);
    this.file = file;
  }
}

/** The schema on disk and the migrations in this build disagree; start-up must stop rather than guess. */
export class StoreMigrationError extends StoreError {}

export class StoreNotFoundError extends StoreError {
  readonly entity: string;
  readonly id: string | number;
  constructor(entity: string, id: string | number) {
    super(`${entity} ${String(id)} does not exist`);
    this.entity = entity;
    this.id = id;
  }
}

/** The request is well-formed but not allowed in the record's current state (e.g. finishing a queued run). */
export class StoreStateError extends StoreError {}

/** The caller passed something the store refuses to record (empty name, override without a reason, …). */
export class StoreValidationError extends StoreError {}

/** A row read back does not have the shape the code expects (edited by hand, or written by buggy code). */
export class StoreDataError extends StoreError {}

import type BetterSqlite3 from 'better-sqlite3';
import { StoreValidationError } from './errors';

export type Db = BetterSqlite3.Database;

export type Statement = BetterSqlite3.Statement;

export class StoreContext {
  private readonly statements = new Map<string, Statement>();

  constructor(
    readonly db: Db,
    /** ISO-8601 UTC timestamp; injectable so tests can pin time. */
    readonly now: () => string,
  ) {}

  /** Prepared once per connection: SQL text is static, values are always bound. */
  stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * Runs `fn` under BEGIN IMMEDIATE. Read-then-write code needs the write lock up front: a deferred
 * transaction that reads and then tries to write gets SQLITE_BUSY immediately when another
 * connection wrote in between, without ever waiting on busy_timeout.
 */
export function immediate<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

export function rowId(result: BetterSqlite3.RunResult): number {
  return Number(result.lastInsertRowid);
}

export function requireText(value: string, field: string, maxLength = 10_000): string {
  if (value.trim() === '') throw new StoreValidationError(`${field} must not be empty`);
  if (value.length > maxLength) throw new StoreValidationError(`${field} is longer than ${maxLength} characters`);
  return value;
}

export function requireId(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new StoreValidationError(`${field} must be a positive integer`);
  return value;
}

/** better-sqlite3 cannot bind undefined or booleans. */
export function nullable<T>(value: T | undefined): T | null {
  return value ?? null;
}

import { z } from 'zod';
import { StoreDataError, StoreValidationError } from './errors';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const JsonObjectSchema: z.ZodType<JsonObject> = z.record(z.string(), z.json());

/** A TEXT column holding JSON, parsed and then validated against `schema`. */
export function jsonColumn<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        const value: unknown = JSON.parse(text);
        return value;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'column does not hold valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** Serialises a caller's object for a JSON column; refuses what JSON would silently drop or mangle. */
export function toJsonObjectText(value: unknown, field: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StoreValidationError(`${field} must be a JSON object`);
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new StoreValidationError(`${field} cannot be stored as JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return text;
}

/** Validates a row read from SQLite; a mismatch means the file was edited outside the app or by a bug. */
export function parseRow<T extends z.ZodType>(schema: T, row: unknown, where: string): z.output<T> {
  const result = schema.safeParse(row);
  if (!result.success) {
    throw new StoreDataError(`Unexpected data in ${where}: ${z.prettifyError(result.error)}`, { cause: result.error });
  }
  return result.data;
}

export function parseRows<T extends z.ZodType>(schema: T, rows: readonly unknown[], where: string): z.output<T>[] {
  return rows.map((row) => parseRow(schema, row, where));
}

/**
 * One schema step. Once released a migration is immutable: its SQL is checksummed into
 * schema_migrations, and a database whose recorded checksum differs refuses to open.
 * Change the schema by adding the next numbered file, never by editing an old one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

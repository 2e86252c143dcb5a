import { migration0001 } from './0001_initial';
import { migration0002 } from './0002_run_tags';
import type { Migration } from './types';

export type { Migration } from './types';

/** Every migration this build knows, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

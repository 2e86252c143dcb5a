import { migration0001 } from './0001_initial';
import { migration0002 } from './0002_run_tags';
import { migration0003 } from './0003_benchmarks';
import { migration0004 } from './0004_searches';
import { migration0005 } from './0005_production';
import { migration0006 } from './0006_run_versions';
import { migration0007 } from './0007_defense_results';
import { migration0008 } from './0008_run_leaders';
import type { Migration } from './types';

export type { Migration } from './types';

/** Every migration this build knows, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

import type { Migration } from './types';

// Frozen: see types.ts. What software produced a run's numbers, recorded when it starts (a resumed run
// records again: the row says what ran last). Its own table, so the runs table and its readers stay as they are.
export const migration0006: Migration = {
  version: 6,
  name: 'run_versions',
  sql: `
CREATE TABLE run_versions (
  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  app_version TEXT NOT NULL CHECK (length(app_version) BETWEEN 1 AND 64),
  engine_version TEXT NOT NULL CHECK (length(engine_version) BETWEEN 1 AND 64),
  tfjs_version TEXT NOT NULL CHECK (length(tfjs_version) BETWEEN 1 AND 64),
  backend TEXT NOT NULL CHECK (length(backend) BETWEEN 1 AND 64),
  recorded_at TEXT NOT NULL
) STRICT;
`,
};

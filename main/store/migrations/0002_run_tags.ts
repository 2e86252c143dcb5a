import type { Migration } from './types';

// Frozen: see types.ts. A table rather than a JSON column so "all runs tagged X" is an indexed lookup.
export const migration0002: Migration = {
  version: 2,
  name: 'run_tags',
  sql: `
CREATE TABLE run_tags (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  tag TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 64 AND tag = trim(tag)),
  PRIMARY KEY (run_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX run_tags_by_tag ON run_tags (tag, run_id);
`,
};

import type { Migration } from './types';

// Frozen: see types.ts. A run that follows another (the Pilot's DeCE run following its cross-entropy run) stops
// at the epoch where its leader stopped, so the pair is compared after the same training. Its own table, so the
// runs table and its readers stay as they are; the job service reads it again after a restart.
export const migration0008: Migration = {
  version: 8,
  name: 'run_leaders',
  sql: `
CREATE TABLE run_leaders (
  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  leader_run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  CHECK (leader_run_id <> run_id)
) STRICT;
CREATE INDEX run_leaders_by_leader ON run_leaders (leader_run_id);
`,
};

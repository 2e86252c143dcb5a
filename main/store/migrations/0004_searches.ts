import type { Migration } from './types';

// Frozen once committed: see types.ts.
// A search's trials are ordinary runs (tagged search:<id>); these tables keep what the runs do not: which
// hyperparameters and rung each run stands for, the metrics the search decided on, and the choice it made.
export const migration0004: Migration = {
  version: 4,
  name: 'searches',
  sql: `
CREATE TABLE searches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(trim(name)) > 0),
  spec TEXT NOT NULL CHECK (json_valid(spec) AND json_type(spec) = 'object'),
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'failed', 'cancelled')),
  -- The CE run on the same data whose validation BLEU the objective compares with.
  reference_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  -- The chosen {labelSmoothing, alphaBase}; NULL while running, or when no point kept the BLEU constraint.
  chosen TEXT CHECK (chosen IS NULL OR (json_valid(chosen) AND json_type(chosen) = 'object')),
  -- Why a search failed, in words.
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT,
  CHECK ((status = 'running') = (finished_at IS NULL)),
  CHECK (chosen IS NULL OR status = 'finished'),
  CHECK ((status = 'failed') = (error IS NOT NULL))
) STRICT;
CREATE INDEX searches_by_project ON searches (project_id, id);
-- Start-up looks for searches to continue.
CREATE INDEX searches_running ON searches (id) WHERE status = 'running';

CREATE TABLE search_trials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  search_id INTEGER NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
  label_smoothing REAL NOT NULL CHECK (label_smoothing >= 0 AND label_smoothing < 1),
  alpha_base REAL NOT NULL CHECK (alpha_base > 0 AND alpha_base <= 1),
  -- Successive-halving rung (0 for a grid); each rung retrains its points for more epochs.
  rung INTEGER NOT NULL CHECK (rung >= 0),
  epochs INTEGER NOT NULL CHECK (epochs >= 1),
  run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'queued', 'running', 'finished', 'failed', 'cancelled')),
  -- Validation BLEU and ASR (%) after the last epoch, copied when the run finished (NULL also stands for NaN).
  bleu REAL,
  asr REAL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (search_id, rung, label_smoothing, alpha_base),
  -- Only a trial that has not been launched yet has no run (a run is never deleted on its own).
  CHECK (status <> 'pending' OR run_id IS NULL),
  CHECK (status = 'finished' OR (bleu IS NULL AND asr IS NULL))
) STRICT;
CREATE INDEX search_trials_by_run ON search_trials (run_id);
`,
};

import type { Migration } from './types';

// Frozen once committed: see types.ts.
// A benchmark's training arms are ordinary runs (tagged benchmark:<id>); these tables keep what the runs do
// not: the matrix a run stands in (dataset, attack, rate, arm, seed), whether it was reused from earlier
// work, and the outcome of passive defenses, which are evaluated on a CE run's model without a run of
// their own. The arm is checked by the repository (the contract's list) rather than here, so that a new
// arm does not need a table rebuild.
export const migration0003: Migration = {
  version: 3,
  name: 'benchmarks',
  sql: `
CREATE TABLE benchmarks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(trim(name)) > 0),
  spec TEXT NOT NULL CHECK (json_valid(spec) AND json_type(spec) = 'object'),
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'paused', 'finished')),
  -- The engine version (main/engine/version.ts) the matrix was started with.
  code_version TEXT NOT NULL CHECK (length(trim(code_version)) > 0),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT,
  CHECK ((status = 'finished') = (finished_at IS NOT NULL))
) STRICT;
CREATE INDEX benchmarks_by_project ON benchmarks (project_id, id);
-- Start-up looks for matrices to continue.
CREATE INDEX benchmarks_running ON benchmarks (id) WHERE status = 'running';

CREATE TABLE benchmark_cells (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  benchmark_id INTEGER NOT NULL REFERENCES benchmarks (id) ON DELETE CASCADE,
  cell_key TEXT NOT NULL CHECK (length(cell_key) > 0),
  -- 'builtin-sql', 'builtin-java' or 'import:<datasetId>'.
  dataset TEXT NOT NULL CHECK (length(dataset) > 0),
  attack TEXT NOT NULL CHECK (length(attack) > 0),
  rate REAL NOT NULL CHECK (rate >= 0 AND rate <= 1),
  arm TEXT NOT NULL CHECK (length(arm) BETWEEN 1 AND 32),
  seed INTEGER NOT NULL CHECK (seed >= 0),
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'queued', 'running', 'finished', 'failed', 'cancelled')),
  -- The training run; for a passive defense, the CE run whose model it defends.
  run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  -- 1: the run (or defense outcome) existed before this benchmark and was reused.
  reused INTEGER NOT NULL DEFAULT 0 CHECK (reused IN (0, 1)),
  -- A passive defense's outcome (metrics, detail, extra seconds); training cells read their run's epochs.
  result TEXT CHECK (result IS NULL OR (json_valid(result) AND json_type(result) = 'object')),
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (benchmark_id, cell_key),
  -- The clean reference is the only arm without poisoning.
  CHECK ((arm = 'ce-clean') = (rate = 0)),
  CHECK (status <> 'failed' OR error IS NOT NULL),
  CHECK (result IS NULL OR status = 'finished')
) STRICT;
-- A run's status change looks up the cells that follow it.
CREATE INDEX benchmark_cells_by_run ON benchmark_cells (run_id);
`,
};

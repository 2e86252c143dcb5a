import type { Migration } from './types';

// Frozen: see types.ts. (Template literals turn CRLF into LF, so a Windows checkout keeps the checksum.)
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE projects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL CHECK (length(trim(name)) > 0),
  description TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE stages (
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  stage TEXT NOT NULL CHECK (stage IN ('pilot', 'benchmark', 'production')),
  status TEXT NOT NULL CHECK (status IN ('locked', 'active', 'passed')),
  thresholds TEXT NOT NULL CHECK (json_valid(thresholds) AND json_type(thresholds) = 'object'),
  decision TEXT CHECK (decision IN ('pass', 'override')),
  decided_by TEXT,
  decided_at TEXT,
  decision_reason TEXT,
  PRIMARY KEY (project_id, stage),
  -- A passed stage always says how and by whom; a stage that is not passed carries no stale decision.
  CHECK ((status = 'passed') = (decision IS NOT NULL AND decided_by IS NOT NULL AND decided_at IS NOT NULL)),
  -- Overriding a gate is only acceptable with a written justification.
  CHECK (decision IS NOT 'override' OR length(trim(coalesce(decision_reason, ''))) > 0)
) STRICT;

CREATE TABLE checklist_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL,
  stage TEXT NOT NULL,
  position INTEGER NOT NULL CHECK (position >= 0),
  text TEXT NOT NULL CHECK (length(trim(text)) > 0),
  done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
  done_by TEXT,
  done_at TEXT,
  note TEXT,
  FOREIGN KEY (project_id, stage) REFERENCES stages (project_id, stage) ON DELETE CASCADE
) STRICT;
CREATE INDEX checklist_items_by_stage ON checklist_items (project_id, stage, position);

CREATE TABLE datasets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  -- NULL: shared by every project (the built-in corpora).
  project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(trim(name)) > 0),
  source TEXT NOT NULL CHECK (source IN ('builtin', 'import')),
  source_path TEXT,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  counts TEXT NOT NULL CHECK (json_valid(counts) AND json_type(counts) = 'object'),
  created_at TEXT NOT NULL,
  CHECK (source <> 'import' OR source_path IS NOT NULL)
) STRICT;
CREATE INDEX datasets_by_project ON datasets (project_id);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL,
  stage TEXT NOT NULL,
  name TEXT NOT NULL CHECK (length(trim(name)) > 0),
  config TEXT NOT NULL CHECK (json_valid(config) AND json_type(config) = 'object'),
  loss_kind TEXT NOT NULL CHECK (length(loss_kind) > 0),
  backend TEXT NOT NULL CHECK (length(backend) > 0),
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'finished', 'failed', 'cancelled')),
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  error TEXT CHECK (error IS NULL OR (json_valid(error) AND json_type(error) = 'object')),
  dataset_id INTEGER REFERENCES datasets (id) ON DELETE SET NULL,
  last_completed_epoch INTEGER NOT NULL DEFAULT 0 CHECK (last_completed_epoch >= 0),
  FOREIGN KEY (project_id, stage) REFERENCES stages (project_id, stage) ON DELETE CASCADE
) STRICT;
CREATE INDEX runs_by_stage ON runs (project_id, stage, id);
-- Start-up scans for runs to resume; keep that scan proportional to the few unfinished runs.
CREATE INDEX runs_unfinished ON runs (id) WHERE status IN ('queued', 'running');

-- The primary key is what makes a resumed run unable to record an epoch twice.
CREATE TABLE epoch_metrics (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL CHECK (epoch >= 1),
  -- NULL stands for NaN (SQLite stores NaN as NULL): a diverged epoch is still an epoch.
  train_loss REAL,
  bleu REAL,
  corpus_bleu REAL,
  exact_match REAL,
  asr REAL,
  seconds REAL NOT NULL CHECK (seconds >= 0),
  extra TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(extra) AND json_type(extra) = 'object'),
  PRIMARY KEY (run_id, epoch)
) STRICT, WITHOUT ROWID;

CREATE TABLE step_metrics (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL CHECK (epoch >= 1),
  step INTEGER NOT NULL CHECK (step >= 0),
  loss REAL,
  PRIMARY KEY (run_id, epoch, step)
) STRICT, WITHOUT ROWID;

CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER REFERENCES runs (id) ON DELETE CASCADE,
  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('checkpoint', 'report', 'export', 'log')),
  path TEXT NOT NULL CHECK (length(path) > 0),
  -- Nullable: a checkpoint can be a directory, which has no single digest.
  sha256 TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')),
  bytes INTEGER CHECK (bytes IS NULL OR bytes >= 0),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX artifacts_by_project ON artifacts (project_id, run_id);
CREATE INDEX artifacts_by_run ON artifacts (run_id);

-- project_id has no foreign key on purpose: the log must outlive whatever it talks about.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL CHECK (length(trim(actor)) > 0),
  action TEXT NOT NULL CHECK (length(action) > 0),
  subject TEXT NOT NULL,
  project_id INTEGER,
  detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail) AND json_type(detail) = 'object')
) STRICT;
CREATE INDEX audit_log_by_project ON audit_log (project_id, id);
CREATE INDEX audit_log_by_subject ON audit_log (subject, id);

-- Append-only in the database itself, so no code path (ours or a future one) can rewrite history.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed');
END;
`,
};

import type { Migration } from './types';

// Frozen once committed: see types.ts.
// The Production stage. production_settings holds what is current (the fixed DeCE hyperparameters, the
// rollback plan); its history is in the audit log. Switch steps, sign-offs and monitoring probes are records
// of what happened: append-only in the database itself, like audit_log, and with a plain foreign key (no
// cascade) so a project with a release record cannot silently lose it. audit_id links each record to its
// audit entry: audit ids are the one total order of events, which is how a sign-off is compared with the
// last reopen of a stage.
export const migration0005: Migration = {
  version: 5,
  name: 'production',
  sql: `
CREATE TABLE production_settings (
  project_id INTEGER PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
  label_smoothing REAL CHECK (label_smoothing IS NULL OR (label_smoothing >= 0 AND label_smoothing < 1)),
  alpha_base REAL CHECK (alpha_base IS NULL OR (alpha_base > 0 AND alpha_base <= 1)),
  -- NULL with fixed hyperparameters: no target id is ignored.
  ignore_index INTEGER,
  hyperparameters_source TEXT CHECK (hyperparameters_source IS NULL OR length(trim(hyperparameters_source)) > 0),
  hyperparameters_by TEXT,
  hyperparameters_at TEXT,
  rollback_plan TEXT CHECK (rollback_plan IS NULL OR length(trim(rollback_plan)) > 0),
  rollback_by TEXT,
  rollback_at TEXT,
  -- Hyperparameters are fixed as a whole, by someone, at some time; never half of them.
  CHECK ((label_smoothing IS NULL) = (alpha_base IS NULL)
     AND (alpha_base IS NULL) = (hyperparameters_source IS NULL)
     AND (alpha_base IS NULL) = (hyperparameters_by IS NULL)
     AND (alpha_base IS NULL) = (hyperparameters_at IS NULL)),
  CHECK (alpha_base IS NOT NULL OR ignore_index IS NULL),
  CHECK ((rollback_plan IS NULL) = (rollback_by IS NULL) AND (rollback_plan IS NULL) = (rollback_at IS NULL))
) STRICT;

CREATE TABLE production_switch_steps (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects (id),
  -- Share of production training jobs that use DeCE from this step on.
  percent INTEGER NOT NULL CHECK (percent BETWEEN 1 AND 100),
  check_text TEXT NOT NULL CHECK (length(trim(check_text)) > 0),
  outcome TEXT NOT NULL CHECK (outcome IN ('passed', 'failed')),
  actor TEXT NOT NULL CHECK (length(trim(actor)) > 0),
  at TEXT NOT NULL,
  audit_id INTEGER NOT NULL UNIQUE
) STRICT;
CREATE INDEX production_switch_steps_by_project ON production_switch_steps (project_id, id);

-- A switch plan only moves forward: a step below the previous share is refused, and the share only grows
-- after a step whose check passed (a failed step may be repeated at the same share).
CREATE TRIGGER production_switch_steps_ascend BEFORE INSERT ON production_switch_steps
WHEN EXISTS (
  SELECT 1 FROM production_switch_steps p
  WHERE p.project_id = NEW.project_id
    AND p.id = (SELECT max(id) FROM production_switch_steps WHERE project_id = NEW.project_id)
    AND (NEW.percent < p.percent OR (NEW.percent > p.percent AND p.outcome <> 'passed'))
)
BEGIN
  SELECT RAISE(ABORT, 'production_switch_steps: a step must not go below the previous share, nor above a failed one');
END;

CREATE TABLE production_sign_offs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects (id),
  name TEXT NOT NULL CHECK (length(trim(name)) > 0),
  role TEXT NOT NULL CHECK (length(trim(role)) > 0),
  decision TEXT NOT NULL CHECK (decision IN ('go', 'no-go')),
  comment TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL CHECK (length(trim(actor)) > 0),
  at TEXT NOT NULL,
  audit_id INTEGER NOT NULL UNIQUE,
  -- Stopping a release must say why.
  CHECK (decision = 'go' OR length(trim(comment)) > 0)
) STRICT;
CREATE INDEX production_sign_offs_by_project ON production_sign_offs (project_id, id);

CREATE TABLE production_probes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects (id),
  attack TEXT NOT NULL CHECK (length(attack) > 0),
  source_kind TEXT NOT NULL CHECK (source_kind IN ('model', 'csv')),
  source_name TEXT NOT NULL CHECK (length(source_name) > 0),
  triggered_count INTEGER NOT NULL CHECK (triggered_count >= 1),
  asr REAL NOT NULL CHECK (asr BETWEEN 0 AND 100),
  clean_count INTEGER NOT NULL CHECK (clean_count >= 0),
  clean_bleu REAL CHECK (clean_bleu IS NULL OR clean_bleu BETWEEN 0 AND 100),
  max_asr REAL NOT NULL CHECK (max_asr BETWEEN 0 AND 100),
  passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
  -- Whether this probe reopened a passed Production stage.
  reopened INTEGER NOT NULL CHECK (reopened IN (0, 1)),
  detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail) AND json_type(detail) = 'object'),
  actor TEXT NOT NULL CHECK (length(trim(actor)) > 0),
  at TEXT NOT NULL,
  audit_id INTEGER NOT NULL UNIQUE,
  CHECK (passed = (asr <= max_asr)),
  CHECK (reopened = 0 OR passed = 0),
  CHECK (clean_count > 0 OR clean_bleu IS NULL)
) STRICT;
CREATE INDEX production_probes_by_project ON production_probes (project_id, id);

CREATE TRIGGER production_switch_steps_no_update BEFORE UPDATE ON production_switch_steps
BEGIN
  SELECT RAISE(ABORT, 'production_switch_steps is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER production_switch_steps_no_delete BEFORE DELETE ON production_switch_steps
BEGIN
  SELECT RAISE(ABORT, 'production_switch_steps is append-only: DELETE is not allowed');
END;
CREATE TRIGGER production_sign_offs_no_update BEFORE UPDATE ON production_sign_offs
BEGIN
  SELECT RAISE(ABORT, 'production_sign_offs is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER production_sign_offs_no_delete BEFORE DELETE ON production_sign_offs
BEGIN
  SELECT RAISE(ABORT, 'production_sign_offs is append-only: DELETE is not allowed');
END;
CREATE TRIGGER production_probes_no_update BEFORE UPDATE ON production_probes
BEGIN
  SELECT RAISE(ABORT, 'production_probes is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER production_probes_no_delete BEFORE DELETE ON production_probes
BEGIN
  SELECT RAISE(ABORT, 'production_probes is append-only: DELETE is not allowed');
END;
`,
};

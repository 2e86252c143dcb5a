import type { Migration } from './types';

// Frozen once committed: see types.ts.
// Passive defenses measured on a finished cross-entropy run's model (`npm run pilot -- --defenses … --data-dir`):
// ONION filters the prompts at inference, spectral signatures retrain without the flagged rows. They are not
// runs of their own, so they hang off the CE run they defend; the report's cost section reads them.
export const migration0007: Migration = {
  version: 7,
  name: 'defense_results',
  sql: `
CREATE TABLE defense_results (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  defense TEXT NOT NULL CHECK (length(defense) BETWEEN 1 AND 32),
  asr REAL NOT NULL CHECK (asr >= 0 AND asr <= 100),
  bleu REAL NOT NULL CHECK (bleu >= 0 AND bleu <= 100),
  exact_match REAL NOT NULL CHECK (exact_match >= 0 AND exact_match <= 100),
  -- What the defense adds to the CE run's time.
  extra_seconds REAL NOT NULL CHECK (extra_seconds >= 0),
  detail TEXT NOT NULL CHECK (length(detail) <= 2000),
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX defense_results_by_run ON defense_results (run_id, id);
`,
};

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type ElectronProblem, findElectronProblem } from './start';

/**
 * The downloads `npm ci` may attempt besides packages (README: "Behind a proxy or offline"), as `npm run doctor`
 * reports them: the Electron binary and better-sqlite3's native module. (Native TensorFlow is in the backend
 * report.) Each says whether it is usable and, when not, what still works.
 */

export interface InstallCheck {
  name: string;
  ok: boolean;
  detail: string;
}

function electronCheck(problem: ElectronProblem | null): InstallCheck {
  if (!problem) return { name: 'Electron binary', ok: true, detail: 'runs: npm start opens the desktop app' };
  const why = problem.kind === 'not-installed' ? 'not installed (its download failed during npm ci)' : problem.kind === 'binary-missing' ? `binary missing (${problem.detail})` : `does not run (${problem.detail})`;
  return { name: 'Electron binary', ok: false, detail: `${why}; npm run web -- --open serves the same app in a browser (ELECTRON_MIRROR or a proxy fixes the download)` };
}

function sqliteCheck(requireFrom: string): InstallCheck {
  try {
    const require = createRequire(requireFrom);
    const Database = require('better-sqlite3') as new (path: string) => { prepare(sql: string): { get(): unknown }; close(): void };
    const db = new Database(':memory:');
    const row = db.prepare('select sqlite_version() as version').get() as { version: string };
    db.close();
    return { name: 'better-sqlite3', ok: true, detail: `native module loads (SQLite ${row.version})` };
  } catch (error) {
    return {
      name: 'better-sqlite3',
      ok: false,
      detail: `native module does not load (${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)}); without its prebuilt download npm compiles it, which needs Python 3, make and a C++ compiler`,
    };
  }
}

export function installChecks(repoRoot: string): InstallCheck[] {
  const requireFrom = join(repoRoot, 'package.json');
  return [electronCheck(findElectronProblem(requireFrom)), sqliteCheck(requireFrom)];
}

export function formatInstallChecks(checks: readonly InstallCheck[]): string {
  return ['Installation', ...checks.map((c) => `  ${c.name}: ${c.ok ? 'ok' : 'NOT AVAILABLE'} — ${c.detail}`), ''].join('\n');
}

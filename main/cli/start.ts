import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm start`: checks that the Electron binary is there and runs before handing over to `electron-forge start`.
 * Electron is an optional dependency (its binary is a separate download that proxies and offline machines
 * block), and Forge reports "Launched Electron app" and exits 0 even when there is nothing to launch — so a
 * missing or broken binary is caught here, with one message that says what is missing, how to get it, and
 * that `npm run web` serves the same app in a browser right now. Exit 1 then.
 */

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export type ElectronProblem =
  | { kind: 'not-installed' }
  | { kind: 'binary-missing'; detail: string }
  | { kind: 'does-not-run'; binary: string; detail: string };

/** What is wrong with the Electron install, or null when the binary runs (`electron --version`). */
export function findElectronProblem(requireFrom: string = join(REPO_ROOT, 'package.json')): ElectronProblem | null {
  const require = createRequire(requireFrom);
  try {
    require.resolve('electron');
  } catch {
    return { kind: 'not-installed' };
  }
  let binary: unknown;
  try {
    // The package's main module is the path of the downloaded binary; it throws when the download failed.
    binary = require('electron');
  } catch (error) {
    return { kind: 'binary-missing', detail: error instanceof Error ? error.message : String(error) };
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return { kind: 'binary-missing', detail: `no binary at ${String(binary)}` };
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status === 0) return null;
  const detail = (probe.stderr || probe.error?.message || `exit code ${String(probe.status)}`).trim().split('\n').slice(0, 3).join(' ');
  return { kind: 'does-not-run', binary, detail };
}

export function electronProblemMessage(problem: ElectronProblem): string {
  const what =
    problem.kind === 'not-installed'
      ? 'the Electron package is not installed: npm skipped it because its binary download failed (it is an optional dependency).'
      : problem.kind === 'binary-missing'
        ? `the Electron package is installed but its binary is missing (${problem.detail}).`
        : `the Electron binary ${problem.binary} does not run: ${problem.detail}. On Linux this is usually a missing system library (Debian/Ubuntu: apt-get install libgtk-3-0 libnss3 libasound2 libgbm1).`;
  return [
    `npm start: cannot open the desktop app — ${what}`,
    'To get Electron:',
    '  - through a proxy: set ELECTRON_GET_USE_PROXY=1 and GLOBAL_AGENT_HTTPS_PROXY=http://proxy:port, then `npm ci`;',
    '  - from a mirror: set ELECTRON_MIRROR (e.g. your company\'s artifact server), then `npm ci`;',
    '  - from a file: put electron-vX.Y.Z-<platform>-<arch>.zip (version in package-lock.json) into the folder named by',
    '    electron_config_cache (or ELECTRON_CACHE), then `npm ci`.',
    'The same app runs in your browser right now: npm run web -- --open',
  ].join('\n');
}

function main(): void {
  const problem = findElectronProblem();
  if (problem) {
    process.stderr.write(`${electronProblemMessage(problem)}\n`);
    process.exitCode = 1;
    return;
  }
  const forge = join(REPO_ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-forge.cmd' : 'electron-forge');
  const child = spawn(forge, ['start', ...process.argv.slice(2)], { stdio: 'inherit', cwd: REPO_ROOT, shell: process.platform === 'win32' });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

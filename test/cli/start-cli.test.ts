import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatInstallChecks, installChecks } from '../../main/cli/install-check';
import { electronProblemMessage, findElectronProblem } from '../../main/cli/start';
import { runCli, testDir } from './run-cli';

const dir = testDir('dece-start-');

/** A project folder whose node_modules/electron resolves to `main` (the package's index.js). */
function fakeProject(name: string, main: string | null): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'node_modules', 'electron'), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"name":"fake","type":"module"}');
  if (main !== null) {
    writeFileSync(join(root, 'node_modules', 'electron', 'package.json'), '{"name":"electron","main":"index.cjs"}');
    writeFileSync(join(root, 'node_modules', 'electron', 'index.cjs'), main);
  }
  return join(root, 'package.json');
}

function fakeBinary(name: string, script: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('npm start without a working Electron', () => {
  // Where Electron is installed and runs (a developer's desktop), there is nothing to refuse.
  it.skipIf(findElectronProblem() === null)('exits 1 with one message naming what is missing, how to get it and npm run web', () => {
    const { code, stderr } = runCli('main/cli/start.ts', [], 60_000);
    expect(code).toBe(1);
    expect(stderr).toMatch(/npm start: cannot open the desktop app — the Electron package is not installed/);
    expect(stderr).toMatch(/ELECTRON_MIRROR/);
    expect(stderr).toMatch(/ELECTRON_GET_USE_PROXY=1/);
    expect(stderr).toMatch(/npm run web -- --open/);
  });

  it('tells a missing package, a failed download and a binary that does not run apart', () => {
    expect(findElectronProblem(fakeProject('absent', null))).toEqual({ kind: 'not-installed' });
    const failedDownload = fakeProject('no-binary', "throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again');");
    expect(findElectronProblem(failedDownload)).toMatchObject({ kind: 'binary-missing', detail: expect.stringMatching(/failed to install correctly/) as unknown });
    const broken = fakeBinary('electron-broken', 'echo "error while loading shared libraries: libnss3.so" >&2; exit 127');
    const problem = findElectronProblem(fakeProject('broken', `module.exports = ${JSON.stringify(broken)};`));
    expect(problem).toMatchObject({ kind: 'does-not-run', detail: expect.stringMatching(/libnss3/) as unknown });
    if (!problem) throw new Error('expected a problem');
    expect(electronProblemMessage(problem)).toMatch(/does not run: .*libnss3.*apt-get install/);
    const working = fakeBinary('electron-ok', 'echo v40.8.5');
    expect(findElectronProblem(fakeProject('working', `module.exports = ${JSON.stringify(working)};`))).toBeNull();
  });
});

describe('npm run doctor on the installation', () => {
  it('reports the Electron binary and the SQLite module with what to do', () => {
    const absent = installChecks(join(dir, 'absent'));
    const electron = absent.find((c) => c.name === 'Electron binary');
    expect(electron).toMatchObject({ ok: false, detail: expect.stringMatching(/not installed.*npm run web -- --open/) as unknown });
    // The fake project has no better-sqlite3: the check says what building it from source needs.
    expect(absent.find((c) => c.name === 'better-sqlite3')).toMatchObject({ ok: false, detail: expect.stringMatching(/Python 3, make and a C\+\+ compiler/) as unknown });
    const here = installChecks(process.cwd());
    expect(here.find((c) => c.name === 'better-sqlite3')).toMatchObject({ ok: true, detail: expect.stringMatching(/SQLite \d+\.\d+/) as unknown });
    expect(formatInstallChecks(absent)).toMatch(/^Installation\n {2}Electron binary: NOT AVAILABLE — /);
  });
});

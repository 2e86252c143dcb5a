import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../jobs/helpers';
import { request, staticRoot } from './helpers';

describe('npm run web (main/cli/web.ts)', () => {
  it('prints one line with the tokenized URL, serves the API, and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir('dece-web-');
    const staticDir = staticRoot();
    // --open on CI: says it will not open a browser, and changes nothing else.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'main/cli/web.ts'), '--data-dir', dataDir, '--port', '0', '--static', staticDir, '--open'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DECE_PILOT_DATA_DIR: '', CI: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => {
        resolve(code);
      });
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no URL line; stderr:\n${stderr}`));
        }, 60_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          const first = stdout.split('\n')[0];
          if (stdout.includes('\n') && first !== undefined) {
            clearTimeout(timer);
            resolve(first);
          }
        });
      });
      const match = /^DeCE Pilot browser mode: (http:\/\/127\.0\.0\.1:\d+)\/\?token=([0-9a-f]{32})$/.exec(line);
      expect(match, line).not.toBeNull();
      const [, origin = '', token = ''] = match ?? [];
      const info = await request(origin, {
        method: 'POST',
        path: '/api/app.info',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(info.status).toBe(200);
      expect(JSON.parse(info.body)).toMatchObject({ shell: 'browser', dataDir, version: '0.1.0' });
      expect((await request(origin, { path: '/' })).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain('not opening a browser: CI is set');
  });
});

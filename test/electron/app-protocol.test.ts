import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, isAppSchemeUrl, resolveAppSchemePath, serveAppScheme } from '../../main/electron/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../main/electron/csp';
import { createAppUrlPolicy, decideFrameNavigation, decideNavigation } from '../../main/electron/url-policy';

/** The app:// scheme's handler on a real renderer folder with a secret beside it and links leading out. */

let base = '';
let renderer = '';
const SECRET = 'TOP-SECRET beside the renderer';

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'dece-app-scheme-'));
  renderer = path.join(base, 'renderer', 'main_window');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>DeCE Pilot</title>');
  writeFileSync(path.join(renderer, 'assets', 'index-abc.js'), 'console.log(1);');
  writeFileSync(path.join(renderer, 'assets', 'NotoSansJP.ttf'), Buffer.from([0, 1, 0, 0]));
  writeFileSync(path.join(renderer, 'assets', 'app.css'), 'body{}');
  writeFileSync(path.join(base, 'secret.txt'), SECRET);
  mkdirSync(path.join(base, 'renderer', 'main_window-evil'));
  writeFileSync(path.join(base, 'renderer', 'main_window-evil', 'index.html'), SECRET);
  symlinkSync(path.join(base, 'secret.txt'), path.join(renderer, 'assets', 'link.js'));
  symlinkSync(base, path.join(renderer, 'up'));
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

const get = (url: string, method = 'GET') => serveAppScheme({ url, method }, renderer);

describe('app:// scheme', () => {
  it('serves the renderer files with their content type, the CSP and nosniff', async () => {
    const index = await get(APP_ENTRY_URL);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>DeCE Pilot</title>');
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('app://dece-pilot/')).status).toBe(200);
    expect((await get('app://dece-pilot/index.html#/projects/3?tab=runs')).status).toBe(200);

    const script = await get('app://dece-pilot/assets/index-abc.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1);');
    expect((await get('app://dece-pilot/assets/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get('app://dece-pilot/assets/NotoSansJP.ttf')).headers.get('content-type')).toBe('application/octet-stream');

    const head = await get(APP_ENTRY_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get(APP_ENTRY_URL, 'POST')).status).toBe(405);
  });

  it('refuses every path that leaves the renderer folder, without its content', async () => {
    const hostile = [
      'app://dece-pilot/../secret.txt',
      'app://dece-pilot/%2e%2e/%2e%2e/secret.txt',
      'app://dece-pilot/..%2f..%2fsecret.txt',
      'app://dece-pilot/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      'app://dece-pilot/%2fetc%2fpasswd',
      'app://dece-pilot/..%5c..%5csecret.txt',
      'app://dece-pilot/index.html%00.js',
      'app://dece-pilot/assets/link.js',
      'app://dece-pilot/up/secret.txt',
      'app://dece-pilot/up/renderer/main_window-evil/index.html',
      'app://dece-pilot/assets',
      'app://dece-pilot/%E0%A4%A',
      'app://other-host/index.html',
      'app://dece-pilot:99/index.html',
      'file:///etc/passwd',
      'app://dece-pilot/missing.js',
    ];
    for (const url of hostile) {
      const response = await get(url);
      expect([400, 404], url).toContain(response.status);
      const text = await response.text();
      expect(text, url).not.toContain('TOP-SECRET');
      expect(text, url).not.toContain('root:');
    }
  });

  it('resolves paths on the text alone, before touching the disk', () => {
    expect(resolveAppSchemePath('app://dece-pilot/assets/a.js', '/r')).toEqual({ ok: true, file: path.resolve('/r/assets/a.js') });
    expect(resolveAppSchemePath('app://dece-pilot/', '/r')).toEqual({ ok: true, file: path.resolve('/r/index.html') });
    expect(resolveAppSchemePath('app://dece-pilot/..%2f..%2fetc/passwd', '/r')).toEqual({ ok: false, status: 404 });
    expect(resolveAppSchemePath('app://dece-pilot/%zz', '/r')).toEqual({ ok: false, status: 400 });
    expect(isAppSchemeUrl('app://dece-pilot/index.html')).toBe(true);
    expect(isAppSchemeUrl('app://dece-pilot.evil/index.html')).toBe(false);
  });

  it('keeps frames and navigation on app:// pages', () => {
    const policy = createAppUrlPolicy({});
    expect(decideNavigation('app://dece-pilot/index.html#/x', policy)).toBe('allow');
    expect(decideNavigation('file:///opt/dece/resources/app.asar/.vite/renderer/main_window/index.html', policy)).toBe('deny');
    expect(decideFrameNavigation('app://dece-pilot/index.html', false, policy)).toBe('allow');
    expect(decideFrameNavigation('app://other/index.html', false, policy)).toBe('deny');
    expect(decideFrameNavigation('file:///etc/passwd', false, policy)).toBe('deny');
  });
});

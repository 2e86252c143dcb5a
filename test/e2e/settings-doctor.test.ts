import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppShell } from './pages/app-shell';
import { CHROMIUM, haveChromium, openBrowserSession, type BrowserSession } from './support/browser-mode';

/**
 * Settings → backend doctor in browser mode: the real server runs the doctor in a worker (tiny probe model),
 * and the page lists every backend with its status, reason and speed. Waits are on DOM state only.
 */

if (!haveChromium) console.warn(`e2e: ${CHROMIUM} not found (apt-get install -y chromium, or set CHROMIUM_PATH); skipping`);

describe.skipIf(!haveChromium)('Settings: the backend doctor', () => {
  let session: BrowserSession | null = null;
  beforeAll(async () => {
    session = await openBrowserSession();
  }, 180_000);
  afterAll(async () => {
    await session?.close();
  }, 60_000);

  it('opens Settings, runs the doctor and shows the wasm backend with its speed, then the same in Japanese', async () => {
    if (!session) throw new Error('no session');
    const { page } = session;
    const shell = new AppShell(page);
    await page.goto(session.server.url);
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-title').waitFor();
    expect(await page.getByTestId('settings-title').textContent()).toBe('Settings');

    await page.getByTestId('doctor-size').selectOption('tiny');
    await page.getByTestId('doctor-run').click();
    const wasm = page.locator('[data-testid="doctor-backend"][data-backend="wasm"]');
    await wasm.waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('doctor-busy').count()).toBe(0);
    expect(await page.getByTestId('doctor-run').isEnabled()).toBe(true);

    expect(await wasm.getAttribute('data-available')).toBe('true');
    expect(await wasm.getByTestId('doctor-speed').textContent()).toMatch(/^[\d,]+ tokens\/s \([\d,]+ ms\/step over 20 steps\)$/);
    expect(await wasm.textContent()).toContain('fused JavaScript pass');
    const rows = page.getByTestId('doctor-backend');
    const listed = await rows.evaluateAll((list) => list.map((row) => [row.getAttribute('data-backend'), row.getAttribute('data-available')] as const));
    expect(listed.map(([name]) => name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    // The first backend that works is the one training uses; each one that does not says why.
    const chosen = listed.find(([, available]) => available === 'true')?.[0];
    expect(await page.getByTestId('doctor-chosen').getAttribute('data-backend')).toBe(chosen);
    expect(await page.getByTestId('doctor-chosen').textContent()).toBe(`Training uses: ${chosen ?? ''}`);
    for (const [name, available] of listed) {
      if (available === 'false') expect(await page.locator(`[data-testid="doctor-backend"][data-backend="${name ?? ''}"]`).getByTestId('doctor-reason').textContent(), name ?? '').toMatch(/\S/);
    }
    // Here the GPU package is not installed, and the row names it.
    const gpu = page.locator('[data-testid="doctor-backend"][data-backend="tensorflow-gpu"]');
    if ((await gpu.getAttribute('data-available')) === 'false') expect(await gpu.getByTestId('doctor-reason').textContent()).toMatch(/tfjs-node-gpu|libtensorflow|CUDA|GPU/);

    await shell.switchLanguage('ja');
    expect(await page.getByTestId('settings-title').textContent()).toBe('設定');
    expect(await wasm.getByTestId('doctor-speed').textContent()).toMatch(/トークン\/秒/);
    expect(await wasm.textContent()).toContain('利用可能');
    await session.shot('settings-doctor-ja');
    expect(session.pageErrors).toEqual([]);
  });
});

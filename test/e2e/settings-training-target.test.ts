import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type LocalRedis } from '../../main/cli/redis-server-process';
import { AppShell } from './pages/app-shell';
import { CHROMIUM, haveChromium, openBrowserSession, type BrowserSession } from './support/browser-mode';

/**
 * Settings → "Run training on" in browser mode against a real redis-server with a password: the choice is
 * saved by the real server, survives a reload, shows the URL only redacted, and the connection test counts
 * the workers (none here) or says why it cannot connect. Waits are on DOM state only.
 */

if (!haveChromium) console.warn(`e2e: ${CHROMIUM} not found (apt-get install -y chromium, or set CHROMIUM_PATH); skipping`);

const PASSWORD = 'e2e-s3cret-pw';

describe.skipIf(!haveChromium)('Settings: where training runs', () => {
  let session: BrowserSession | null = null;
  let redis: LocalRedis | null = null;
  beforeAll(async () => {
    redis = await startRedis();
    const admin = new Redis(redis.url);
    await admin.config('SET', 'requirepass', PASSWORD);
    admin.disconnect();
    // The connection test against a closed port answers 'failed' (HTTP 500), which Chromium logs.
    session = await openBrowserSession({ expectedConsoleError: (text) => text.includes('status of 500') });
  }, 180_000);
  afterAll(async () => {
    await session?.close();
    await redis?.stop();
  }, 60_000);

  it('switches to remote workers, keeps the choice across a reload with the password redacted, tests the connection, and switches back', async () => {
    if (!session || !redis) throw new Error('no session');
    const { page } = session;
    const shell = new AppShell(page);
    const redacted = `redis://:***@127.0.0.1:${redis.port}`;
    const panel = page.getByTestId('training-target-panel');
    const openSettings = async () => {
      await page.getByTestId('nav-settings').click();
      await panel.locator('[data-testid="training-target-current"]').waitFor();
    };
    await page.goto(session.server.url);
    await openSettings();
    expect(await page.getByTestId('training-target-current').getAttribute('data-kind')).toBe('local');
    expect(await page.getByTestId('training-target-url').count()).toBe(0);

    await page.getByTestId('training-target-remote').click();
    // A Redis that is not there: the test says so, without the password.
    await page.getByTestId('training-target-url').fill(`redis://:${PASSWORD}@127.0.0.1:1`);
    await page.getByTestId('training-target-test').click();
    const error = page.getByTestId('training-target-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/Cannot reach the training queue at redis:\/\/:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED/);

    await page.getByTestId('training-target-url').fill(`redis://:${PASSWORD}@127.0.0.1:${redis.port}`);
    await page.getByTestId('training-target-save').click();
    await page.locator('[data-testid="training-target-current"][data-kind="remote"]').waitFor();

    await page.reload();
    await openSettings();
    const current = page.getByTestId('training-target-current');
    expect(await current.getAttribute('data-kind')).toBe('remote');
    expect(await current.textContent()).toBe(`Now: remote workers at ${redacted}. · a password is stored`);
    expect(await page.getByTestId('training-target-remote').locator('input').isChecked()).toBe(true);
    expect(await page.getByTestId('training-target-url').inputValue()).toBe(redacted);

    // The redacted URL, as shown, still authenticates: the server puts the stored password back.
    await page.getByTestId('training-target-test').click();
    const tested = page.getByTestId('training-target-tested');
    await tested.waitFor();
    expect(await tested.getAttribute('data-workers')).toBe('0');
    expect(await tested.textContent()).toContain(`Connected to ${redacted}. Workers serving the queue: 0.`);
    expect(await page.content()).not.toContain(PASSWORD);

    await shell.switchLanguage('ja');
    expect(await current.textContent()).toContain(`現在: ${redacted} のリモートワーカー。`);
    await session.shot('settings-training-target-ja');
    await shell.switchLanguage('en');

    await page.getByTestId('training-target-local').click();
    await page.getByTestId('training-target-save').click();
    await page.locator('[data-testid="training-target-current"][data-kind="local"]').waitFor();
    await page.reload();
    await openSettings();
    expect(await page.getByTestId('training-target-current').getAttribute('data-kind')).toBe('local');
    expect(await page.getByTestId('training-target-local').locator('input').isChecked()).toBe(true);
    expect(session.pageErrors).toEqual([]);
    expect(session.server.stderr()).not.toContain(PASSWORD);
  }, 180_000);
});

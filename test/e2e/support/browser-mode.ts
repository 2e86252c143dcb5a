import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * What every browser-mode e2e test needs: the built renderer, the real server (main/cli/web.ts) on a
 * data dir of the test's own, and Debian's Chromium.
 */

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DIST = join(REPO, 'dist', 'renderer');
export const ARTIFACTS = join(REPO, 'test-artifacts', 'e2e');
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

/** Newest modification time of any file under these paths. */
function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const path of paths) visit(path);
  return newest;
}

export function buildRendererIfStale(): void {
  const built = join(DIST, 'index.html');
  const sources = newestMtime([join(REPO, 'renderer'), join(REPO, 'common'), join(REPO, 'vite.renderer.config.ts'), join(REPO, 'package-lock.json')]);
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const result = spawnSync('npx', ['vite', 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn'], { cwd: REPO, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`renderer build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface Server {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/** Starts browser mode and resolves with the URL it prints (`DeCE Pilot browser mode: <url>`). */
export function startServer(dataDir: string): Promise<Server> {
  // Its own process group, so the npx → tsx → node chain can be stopped together.
  const child = spawn('npx', ['tsx', 'main/cli/web.ts', '--data-dir', dataDir, '--port', '0', '--static', DIST], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`browser mode did not print its URL within 90 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 90_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /DeCE Pilot browser mode: (\S+)/.exec(stdout);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolvePromise({ child, url: match[1], stderr: () => stderr });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`browser mode exited with ${code ?? 'a signal'} before printing its URL\nstderr: ${stderr}`));
    });
  });
}

export async function stopServer(server: Server | null): Promise<void> {
  const pid = server?.child.pid;
  if (!server || pid === undefined || server.child.exitCode !== null) return;
  const exited = new Promise<void>((done) => {
    server.child.once('exit', () => {
      done();
    });
  });
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const timeout = new Promise<'timeout'>((done) => {
    setTimeout(() => {
      done('timeout');
    }, 15_000);
  });
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Headless Chromium without anything that would reach outside this machine. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh data dir, the server on it, and one English page in Chromium that collects its errors. */
export interface BrowserSession {
  server: Server;
  browser: Browser;
  page: Page;
  /** Uncaught page errors and console errors (less the ones the caller expects). */
  pageErrors: string[];
  /** A screenshot into test-artifacts/e2e: the full page from the top, or the viewport alone (while a dialog is open). */
  shot(name: string, fullPage?: boolean): Promise<void>;
  /** A full-page screenshot and the server's recent stderr, for a failed test. */
  recordFailure(testName: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowserSession(options: { expectedConsoleError?: (text: string) => boolean } = {}): Promise<BrowserSession> {
  mkdirSync(ARTIFACTS, { recursive: true });
  buildRendererIfStale();
  const dataDir = mkdtempSync(join(tmpdir(), 'dece-e2e-'));
  let server: Server | null = null;
  let browser: Browser | null = null;
  try {
    server = await startServer(dataDir);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US', acceptDownloads: true });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && options.expectedConsoleError?.(message.text()) !== true) pageErrors.push(message.text());
    });
    const started = { server, browser };
    return {
      ...started,
      page,
      pageErrors,
      shot: async (name, fullPage = true) => {
        // From the top, so the sticky header sits where it belongs.
        await page.evaluate(() => {
          window.scrollTo(0, 0);
        });
        await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
      },
      recordFailure: async (testName) => {
        await page.screenshot({ path: join(ARTIFACTS, `failed-${testName.replace(/\W+/g, '-').slice(0, 60)}.png`), fullPage: true }).catch(() => undefined);
        console.error(`server stderr:\n${started.server.stderr().slice(-4000)}`);
      },
      close: async () => {
        await started.browser.close();
        await stopServer(started.server);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

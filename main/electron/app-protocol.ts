import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { CONTENT_TYPES } from '../server/static';
import { CONTENT_SECURITY_POLICY } from './csp';

/**
 * The packaged renderer is served from a privileged custom scheme (app://dece-pilot/…) instead of file://,
 * as Electron's security checklist asks: a page of the app then has an origin of its own, and file:// pages
 * (which may read other file:// URLs) are never the app. main.ts registers the scheme before `ready`
 * (APP_SCHEME_PRIVILEGES) and answers it with serveAppScheme; everything here is plain Node, tested without
 * Electron.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'dece-pilot';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * For protocol.registerSchemesAsPrivileged: standard (an origin, relative URLs resolve like http), secure
 * (a secure context, like https), fetch() allowed, V8 code cache kept. No service workers, no CORS bypass.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, codeCache: true } as const;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True when `file` lies strictly below `dir` (the folder itself does not count). */
export function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** One of the app's own URLs: app://dece-pilot/… with no port and no credentials (Chromium lowercases a standard scheme's host; Node keeps it). */
export function isAppSchemeUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.hostname.toLowerCase() === APP_HOST && parsed.port === '' && parsed.username === '' && parsed.password === '';
}

export type AppPathResolution = { ok: true; file: string } | { ok: false; status: 400 | 404 };

/**
 * The file an app:// URL names inside the renderer folder, decided on the text alone: the percent-decoded
 * path (so `%2e%2e%2f` counts as `../`) is resolved against the folder and must stay below it; NUL bytes and
 * backslashes are refused outright. `/` is index.html; query and fragment are ignored (the router's).
 */
export function resolveAppSchemePath(url: string, rendererDir: string): AppPathResolution {
  if (!isAppSchemeUrl(url)) return { ok: false, status: 404 };
  const parsed = new URL(url);
  let decoded: string;
  try {
    decoded = decodeURIComponent(parsed.pathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 404 };
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, relative);
  return isInside(root, file) ? { ok: true, file } : { ok: false, status: 404 };
}

const REFUSAL_TEXT: Readonly<Record<number, string>> = { 400: 'bad path', 404: 'not found', 405: 'method not allowed' };

function refusal(status: 400 | 404 | 405): Response {
  return new Response(REFUSAL_TEXT[status] ?? 'refused', {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...(status === 405 ? { Allow: 'GET, HEAD' } : {}) },
  });
}

/**
 * protocol.handle's answer for one request: the renderer's file with its content type and the app's CSP,
 * or a refusal. Besides the path text, the real path (after symlinks) must stay inside the real renderer
 * folder, and it must be a regular file. Electron's fs reads inside app.asar as in a folder.
 */
export async function serveAppScheme(request: { url: string; method: string }, rendererDir: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405);
  const resolved = resolveAppSchemePath(request.url, rendererDir);
  if (!resolved.ok) return refusal(resolved.status);
  let body: Buffer;
  let real: string;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(path.resolve(rendererDir)), realpath(resolved.file)]);
    if (!isInside(realRoot, realFile) || !(await stat(realFile)).isFile()) return refusal(404);
    real = realFile;
    body = await readFile(realFile);
  } catch {
    return refusal(404);
  }
  const extension = path.extname(real).toLowerCase();
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: {
      'Content-Type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
      'Content-Length': String(body.length),
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      // index.html names the hashed bundles; the bundles themselves never change under one name.
      'Cache-Control': extension === '.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    },
  });
}

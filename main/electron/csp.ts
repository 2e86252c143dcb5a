/**
 * The Content-Security-Policy for the app's own pages, sent as a response header (see security.ts).
 * Pure: no electron import.
 */

const DIRECTIVES: readonly (readonly [string, string])[] = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data:"],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['frame-ancestors', "'none'"],
];

/**
 * Also under `electron-forge start`: the renderer has no inline-script refresh preamble, Vite's client is a
 * same-origin script, and 'self' covers the dev server's same-origin HMR WebSocket.
 */
export const CONTENT_SECURITY_POLICY = DIRECTIVES.map(([name, value]) => `${name} ${value}`).join('; ');

export type ResponseHeaders = Record<string, string | string[]>;

/**
 * The headers to answer with: ours replace any CSP the response already had (in any letter case) when the
 * URL is one of the app's pages; other responses are left alone.
 */
export function withContentSecurityPolicy(
  headers: ResponseHeaders | undefined,
  url: string,
  isAppUrl: (url: string) => boolean,
): ResponseHeaders | undefined {
  if (!isAppUrl(url)) return headers;
  const next: ResponseHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') next[name] = value;
  }
  next['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return next;
}

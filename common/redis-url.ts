/**
 * Redis URLs (`redis://` or `rediss://`), checked in one place for every reader: the CLIs' `--redis`, the
 * worker, the queue's connection and the Settings contract. Browser-safe (WHATWG URL only), so the renderer's
 * contract validates with the same rules as the main side. The password is never shown: messages and the
 * Settings view carry `redactRedisUrl` of a URL, whose password reads `***`.
 */

/** What a redacted password reads; a URL sent back with it means "keep the stored password". */
export const REDACTED_PASSWORD = '***';

export interface RedisUrlParts {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** rediss:// — TLS, the host name checked against the certificate. */
  tls: boolean;
}

/** The parts of a redis:// or rediss:// URL; throws an Error whose message never shows the password. */
export function parseRedisUrl(url: string): RedisUrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a Redis URL: ${redactRedisUrl(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`a Redis URL starts with redis:// or rediss:// (got ${parsed.protocol}//)`);
  }
  if (parsed.hostname === '') throw new Error(`a Redis URL names a host: ${redactRedisUrl(url)}`);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`Redis database must be a number: ${redactRedisUrl(url)}`);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db,
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
    tls: parsed.protocol === 'rediss:',
  };
}

/** The error message of parseRedisUrl, or null for a good URL (for schema refinements). */
export function redisUrlProblem(url: string): string | null {
  try {
    parseRedisUrl(url);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The URL with its password replaced, for logs, error messages and the Settings view. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = REDACTED_PASSWORD;
    return parsed.toString();
  } catch {
    // Not even a URL: show only the part before any credentials could start.
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

export const redisUrlHasPassword = (url: string): boolean => parseRedisUrl(url).password !== undefined;

/**
 * A URL the user saved from the redacted view: where its password is still `***`, the stored URL's password
 * goes back in (host, user or database may have changed). Any other URL is taken as typed.
 */
export function withStoredPassword(submitted: string, stored: string | null): string {
  const parsed = new URL(submitted);
  if (decodeURIComponent(parsed.password) !== REDACTED_PASSWORD || stored === null) return submitted;
  const storedPassword = new URL(stored).password;
  if (storedPassword === '') return submitted;
  parsed.password = storedPassword;
  return parsed.toString();
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, METHOD_NAMES, dispatch, type AppEvent, type Handlers, type MethodName } from '../../common/contract';
import { closeAfterRefusal } from './refusal';
import { serveStatic, SECURITY_HEADERS } from './static';

/**
 * Browser mode: the same handlers as Electron's IPC, over HTTP on 127.0.0.1 only. Defences, in order:
 * Host must name this server (DNS rebinding), a foreign Origin is refused (cross-site pages), and every
 * /api request needs the per-process random token (other local users and processes). Static files carry
 * no data and are served without the token; the page reads it from its own URL.
 */

export interface ServerOptions {
  handlers: Handlers;
  subscribe: (listener: (event: AppEvent) => void) => () => void;
  staticDir: string;
  /** 0 (default): a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Unexpected handler errors (500s) are reported here, with their stack; the client only gets the message. */
  onError?: (error: unknown, method: string) => void;
  /** How long an API request's body may take to arrive (default API_BODY_TIMEOUT_MS); the event stream has none. */
  bodyTimeoutMs?: number;
}

export interface RunningServer {
  /** Open this: it carries the token. */
  url: string;
  origin: string;
  token: string;
  close(): Promise<void>;
}

/** Room for the contract's 64 MB upload text plus JSON escaping. */
export const MAX_BODY_BYTES = 80 * 1024 * 1024;
/**
 * A 64 MB upload over loopback arrives in well under a second; a body still trickling in after this is
 * holding a connection, not uploading. The event stream is a response, not a body, and is not limited.
 */
export const API_BODY_TIMEOUT_MS = 30_000;
const HEARTBEAT_MS = 15_000;
/** A tab that stops reading is dropped rather than buffered without bound. */
const MAX_SSE_BACKLOG_BYTES = 8 * 1024 * 1024;

const STATUS: Record<ApiError['code'], number> = { 'invalid-input': 400, 'not-found': 404, conflict: 409, failed: 500 };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiError['code'] | 'unauthorized' | 'forbidden' | 'too-large' | 'unsupported' | 'timeout',
    message: string,
    /** Extra response headers (Allow on a 405). */
    readonly headers: Record<string, string> = {},
    readonly i18n?: ApiError['i18n'],
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { code: error.code, message: error.message, ...(error.i18n === undefined ? {} : { i18n: error.i18n }) }, error.headers);
}

/** Whether the request announces a body (a length above zero, or chunked transfer). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? '0') > 0;
}

function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new HttpError(413, 'too-large', `request body over ${limit} bytes`));
      return;
    }
    const timer = setTimeout(() => {
      chunks.length = 0;
      reject(new HttpError(408, 'timeout', `the request body did not arrive within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    timer.unref();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      size += chunk.length;
      if (size > limit) {
        // The 413 goes out with Connection: close, which ends the upload; the rest is discarded.
        chunks.length = 0;
        reject(new HttpError(413, 'too-large', `request body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function tokenMatches(given: string | null | undefined, token: Buffer): boolean {
  if (typeof given !== 'string') return false;
  const candidate = Buffer.from(given, 'utf8');
  // Constant time, so the token cannot be guessed byte by byte from response timing.
  return candidate.length === token.length && timingSafeEqual(candidate, token);
}

function bearer(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

function isMethodName(name: string): name is MethodName {
  return (METHOD_NAMES as readonly string[]).includes(name);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const bodyTimeoutMs = options.bodyTimeoutMs ?? API_BODY_TIMEOUT_MS;
  const tokenText = randomBytes(16).toString('hex');
  const token = Buffer.from(tokenText, 'utf8');
  const streams = new Set<ServerResponse>();
  let port = 0;
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  async function callMethod(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!isMethodName(name)) throw new HttpError(404, 'not-found', `unknown method ${name}`);
    if (req.method !== 'POST') throw new HttpError(405, 'invalid-input', `${name} takes POST`, { Allow: 'POST' });
    // Decided from the headers alone: a refused request's body is never read.
    const type = req.headers['content-type'] ?? '';
    if (hasBody(req) && !/^application\/json\b/i.test(type)) throw new HttpError(415, 'unsupported', 'send the arguments as application/json');
    const body = await readBody(req, MAX_BODY_BYTES, bodyTimeoutMs);
    let input: unknown = {};
    if (body.length > 0) {
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpError(400, 'invalid-input', `${name}: the body is not valid JSON`);
      }
    }
    try {
      const output = await dispatch(options.handlers, name, input);
      sendJson(res, 200, output);
    } catch (error) {
      if (error instanceof ApiError) throw new HttpError(STATUS[error.code], error.code, error.message, {}, error.i18n);
      options.onError?.(error, name);
      throw new HttpError(500, 'failed', error instanceof Error ? error.message : String(error));
    }
  }

  function openEvents(res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const write = (chunk: string) => {
      if (res.writableLength > MAX_SSE_BACKLOG_BYTES) {
        res.destroy();
        return;
      }
      res.write(chunk);
    };
    const unsubscribe = options.subscribe((event) => {
      write(`data: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => {
      write(': heartbeat\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a hostile name resolving to 127.0.0.1 still sends its own name as Host.
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) throw new HttpError(403, 'forbidden', 'unexpected Host');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) throw new HttpError(403, 'forbidden', 'cross-origin requests are refused');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${host}:${port}`);
    } catch {
      throw new HttpError(400, 'invalid-input', 'malformed request target');
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      const events = url.pathname === '/api/events';
      // EventSource cannot set headers, so the stream (only) also takes the token from the query.
      const given = bearer(req) ?? (events ? url.searchParams.get('token') : null);
      if (!tokenMatches(given, token)) throw new HttpError(401, 'unauthorized', 'missing or wrong token');
      if (events) {
        if (req.method !== 'GET') throw new HttpError(405, 'invalid-input', '/api/events takes GET', { Allow: 'GET' });
        openEvents(res);
        return;
      }
      await callMethod(req, res, url.pathname.slice('/api/'.length));
      return;
    }
    await serveStatic(req, res, options.staticDir, url.pathname);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const httpError = error instanceof HttpError ? error : new HttpError(500, 'failed', error instanceof Error ? error.message : String(error));
      if (!(error instanceof HttpError)) options.onError?.(error, req.url ?? '');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Every refusal ends the connection: the rest of a refused upload is never read, and a client
      // trickling a body it has no right to send does not keep a socket.
      closeAfterRefusal(res);
      sendError(res, httpError);
    });
  });
  server.headersTimeout = 30_000;
  // API bodies have their own deadline (bodyTimeoutMs, checked as they arrive); Node's request timeout is
  // only swept every 30 s, so it is left off rather than giving a second, vaguer limit.
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  // A page opened as localhost:<port> is the same server; its fetches carry that origin.
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${tokenText}`,
    origin,
    token: tokenText,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.end();
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

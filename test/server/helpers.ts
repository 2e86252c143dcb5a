import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { AppEvent } from '../../common/contract';
import { startServer, type RunningServer, type ServerOptions } from '../../main/server/index';
import { createEventHub, createServices } from '../../main/services/index';
import { jobService, openTestStore, tempDir } from '../jobs/helpers';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

export async function serve(options: Omit<ServerOptions, 'staticDir'> & { staticDir?: string }): Promise<RunningServer> {
  const server = await startServer({ staticDir: staticRoot(), ...options });
  servers.push(server);
  return server;
}

/** The server on the real services, a real store in a fresh data folder and a one-worker job service. */
export async function realServer(options: Pick<ServerOptions, 'bodyTimeoutMs'> = {}) {
  const dataDir = tempDir('dece-server-data-');
  const store = openTestStore(dataDir);
  const hub = createEventHub();
  const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: hub.emit });
  const handlers = createServices({ store, jobs, dataDir, shell: 'browser', version: 'test', emit: hub.emit });
  const server = await serve({ handlers, subscribe: hub.subscribe, ...options });
  return { server, store, jobs, dataDir };
}

/**
 * <tmp>/static/index.html and app.js, with a secret file beside the static root: what a traversal would reach.
 * The renderer's real build is another engineer's; the server is tested on this stand-in.
 */
export function staticRoot(): string {
  const dir = tempDir('dece-server-');
  const root = path.join(dir, 'static');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>DeCE Pilot</title><script src="app.js"></script>');
  fs.writeFileSync(path.join(root, 'app.js'), 'console.log("hi")');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"secret": "outside the static root"}');
  return root;
}

/** node:http directly: fetch would normalise `..` and refuses to set Host. */
export function request(
  origin: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export function apiCall(server: RunningServer, method: string, input: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return request(server.origin, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(input),
  });
}

export interface EventStream {
  status: number;
  events: AppEvent[];
  waitFor(match: (event: AppEvent) => boolean, timeoutMs?: number): Promise<AppEvent>;
  close(): void;
}

/** Opens /api/events like EventSource would (token in the query) and parses `data:` lines. */
export function openEvents(server: RunningServer, pathWithQuery = `/api/events?token=${server.token}`): Promise<EventStream> {
  const url = new URL(server.origin);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: pathWithQuery, headers: { Accept: 'text/event-stream' } }, (res) => {
      const events: AppEvent[] = [];
      const waiters: { match: (e: AppEvent) => boolean; resolve: (e: AppEvent) => void }[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of block.split('\n')) {
            if (!line.startsWith('data: ')) continue;
            const event = JSON.parse(line.slice(6)) as AppEvent;
            events.push(event);
            for (const w of [...waiters]) {
              if (w.match(event)) {
                waiters.splice(waiters.indexOf(w), 1);
                w.resolve(event);
              }
            }
          }
          end = buffer.indexOf('\n\n');
        }
      });
      res.on('error', () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        events,
        waitFor(match, timeoutMs = 60_000) {
          const seen = events.find(match);
          if (seen) return Promise.resolve(seen);
          return new Promise((done, fail) => {
            const timer = setTimeout(() => {
              fail(new Error('no matching server-sent event'));
            }, timeoutMs);
            waiters.push({
              match,
              resolve: (e) => {
                clearTimeout(timer);
                done(e);
              },
            });
          });
        },
        close: () => {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
  });
}

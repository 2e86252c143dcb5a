import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../main/server/index';
import { apiCall, openEvents, realServer } from '../server/helpers';
import { reportFigures, snapshotStore } from './helpers';

/** The most a refused connection may stay open after its response (the issue's bound). */
const HELD_AFTER_REFUSAL_LIMIT_MS = 10_000;

interface Exchange {
  status: number;
  /** From the first byte of the response to the server closing the connection. */
  heldAfterResponseMs: number;
  bodyBytesSent: number;
}

/**
 * A raw HTTP/1.1 client: sends `head`, then keeps sending body bytes (`chunkBytes` every `everyMs`) up to
 * `bodyBytes` or until the server closes; resolves when the connection is closed, failing after the limit.
 */
function exchange(server: RunningServer, head: string, body: { bodyBytes: number; chunkBytes: number; everyMs: number; chunked?: boolean }): Promise<Exchange> {
  const port = Number(new URL(server.origin).port);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    let respondedAt: number | null = null;
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const chunk = Buffer.alloc(body.chunkBytes, 0x61);
    const framed = body.chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
    const limit = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection ${HELD_AFTER_REFUSAL_LIMIT_MS} ms after ${respondedAt === null ? 'the request' : 'its response'}: ${response.slice(0, 80)}`));
    }, HELD_AFTER_REFUSAL_LIMIT_MS + 20_000);
    const pump = (): void => {
      if (socket.destroyed || sent >= body.bodyBytes) return;
      // Back-pressure: wait for the kernel to take the last chunk, as a real uploader would.
      const flushed = socket.write(framed);
      sent += chunk.length;
      if (body.everyMs > 0) timer = setTimeout(pump, body.everyMs);
      else if (flushed) setImmediate(pump);
      else socket.once('drain', pump);
    };
    socket.on('connect', () => {
      socket.write(head);
      pump();
    });
    socket.on('data', (data: Buffer) => {
      respondedAt ??= Date.now();
      response += data.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(limit);
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
      const held = respondedAt === null ? Number.NaN : Date.now() - respondedAt;
      if (held > HELD_AFTER_REFUSAL_LIMIT_MS) reject(new Error(`connection held ${held} ms after the response`));
      else resolve({ status, heldAfterResponseMs: held, bodyBytesSent: sent });
    });
  });
}

function headers(server: RunningServer, lines: Record<string, string>, target = '/api/projects.create', method = 'POST'): string {
  const host = new URL(server.origin).host;
  const all = { Host: host, ...lines };
  return `${method} ${target} HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}

const MB = 1024 * 1024;

describe('hostile input: refused requests and their connections', () => {
  it('closes the connection on every refusal without reading the body; the event stream stays open past the body deadline', async () => {
    const bodyTimeoutMs = 1500;
    const { server: quick, store } = await realServer({ bodyTimeoutMs });
    const before = snapshotStore(store.file);
    const token = `Bearer ${quick.token}`;
    const json = 'application/json';
    const held: number[] = [];
    const record = (name: string, result: Exchange, status: number): void => {
      expect(result.status, name).toBe(status);
      held.push(result.heldAfterResponseMs);
    };

    // 20 clients trickling a chunked body without a token: each gets its 401 and loses the connection.
    const trickle = { bodyBytes: 10 * MB, chunkBytes: 16, everyMs: 200, chunked: true };
    const trickled = await Promise.all(
      Array.from({ length: 20 }, () => exchange(quick, headers(quick, { 'Content-Type': json, 'Transfer-Encoding': 'chunked' }), trickle)),
    );
    trickled.forEach((r, i) => {
      record(`trickler ${i}`, r, 401);
    });

    // A 200 MB body without a token is not read to the end.
    const huge = await exchange(quick, headers(quick, { 'Content-Type': json, 'Content-Length': String(200 * MB) }), { bodyBytes: 200 * MB, chunkBytes: 64 * 1024, everyMs: 0 });
    record('200 MB without token', huge, 401);
    expect(huge.bodyBytesSent).toBeLessThan(50 * MB);

    const fast = { bodyBytes: 4 * MB, chunkBytes: 64 * 1024, everyMs: 0 };
    const refusals: { name: string; head: string; status: number }[] = [
      { name: 'wrong token', head: headers(quick, { Authorization: 'Bearer 0000', 'Content-Type': json, 'Content-Length': String(4 * MB) }), status: 401 },
      { name: 'foreign Host', head: headers(quick, { Host: 'evil.example', Authorization: token, 'Content-Type': json, 'Content-Length': String(4 * MB) }), status: 403 },
      { name: 'foreign Origin', head: headers(quick, { Origin: 'http://evil.example', Authorization: token, 'Content-Type': json, 'Content-Length': String(4 * MB) }), status: 403 },
      { name: 'not JSON', head: headers(quick, { Authorization: token, 'Content-Type': 'text/plain', 'Content-Length': String(4 * MB) }), status: 415 },
      { name: 'no content type', head: headers(quick, { Authorization: token, 'Content-Length': String(4 * MB) }), status: 415 },
      { name: 'unknown method', head: headers(quick, { Authorization: token, 'Content-Type': json, 'Content-Length': String(4 * MB) }, '/api/nope'), status: 404 },
      { name: 'GET on a method', head: headers(quick, { Authorization: token, 'Content-Type': json, 'Content-Length': String(4 * MB) }, '/api/projects.list', 'GET'), status: 405 },
      { name: 'POST to a static file', head: headers(quick, { 'Content-Type': json, 'Content-Length': String(4 * MB) }, '/index.html'), status: 405 },
      { name: 'declared over the cap', head: headers(quick, { Authorization: token, 'Content-Type': json, 'Content-Length': String(100 * MB) }), status: 413 },
    ];
    for (const refusal of refusals) {
      const result = await exchange(quick, refusal.head, fast);
      record(refusal.name, result, refusal.status);
      expect(result.bodyBytesSent, refusal.name).toBeLessThan(4 * MB);
    }

    // With the token, a body that trickles past the deadline gets a 408 and the connection is closed.
    const stalled = await exchange(quick, headers(quick, { Authorization: token, 'Content-Type': json, 'Transfer-Encoding': 'chunked' }), trickle);
    record('authorised but trickling', stalled, 408);

    const after = snapshotStore(store.file);
    expect(after.digest).toBe(before.digest);
    expect(after.integrity).toBe('ok');

    // The event stream is not an upload: it outlives the body deadline and still delivers events.
    const events = await openEvents(quick);
    await new Promise((resolve) => setTimeout(resolve, bodyTimeoutMs * 2));
    expect((await apiCall(quick, 'projects.create', { name: 'after the deadline' })).status).toBe(200);
    await events.waitFor((event) => event.type === 'project.changed', 10_000);
    events.close();
    const tried = 20 + 1 + refusals.length + 1;
    reportFigures('refused requests', {
      tried,
      refusedWith4xx: held.length,
      maxHeldAfterRefusalMs: Math.max(...held),
      bodyReadOf200MB: `${(huge.bodyBytesSent / MB).toFixed(1)} MB sent before close`,
      storeUnchanged: after.digest === before.digest,
      integrity: after.integrity,
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../../common/contract';
import {
  ClientError,
  createBrowserConnection,
  createHttpApi,
  createPreloadApi,
  errorFromBridge,
  parseEvent,
  takeSessionToken,
  type FetchLike,
} from '../../renderer/api/client';
import type { DecePreloadApi } from '../../renderer/api/types';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

function fakeFetch(reply: (call: Call) => { status: number; body: string } | Error) {
  const calls: Call[] = [];
  const fetch: FetchLike = (url, init) => {
    const call = { url, method: init.method, headers: init.headers, body: JSON.parse(init.body) as unknown };
    calls.push(call);
    const answer = reply(call);
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve({ ok: answer.status >= 200 && answer.status < 300, status: answer.status, text: () => Promise.resolve(answer.body) });
  };
  return { fetch, calls };
}

const project = { id: 1, name: 'P', description: '', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' };

describe('browser transport', () => {
  it('POSTs JSON to /api/<method> with the bearer token', async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 200, body: JSON.stringify(project) }));
    const api = createHttpApi({ token: 'secret-token', fetch });
    const created = await api['projects.create']({ name: 'P' });
    expect(created).toEqual(project);
    expect(calls).toEqual([
      {
        url: '/api/projects.create',
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: 'Bearer secret-token' },
        body: { name: 'P' },
      },
    ]);
  });

  it('sends {} for methods without arguments and honours a base URL', async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 200, body: '[]' }));
    const api = createHttpApi({ token: 't', fetch, baseUrl: 'http://127.0.0.1:9' });
    await expect(api['projects.list']({})).resolves.toEqual([]);
    expect(calls[0]?.url).toBe('http://127.0.0.1:9/api/projects.list');
    expect(calls[0]?.body).toEqual({});
  });

  it('turns {code, message} answers into errors with that message', async () => {
    const { fetch } = fakeFetch(() => ({ status: 409, body: JSON.stringify({ code: 'conflict', message: 'Stage pilot is passed' }) }));
    const api = createHttpApi({ token: 't', fetch });
    const error = await api['stages.decide']({ projectId: 1, stage: 'pilot', decision: 'pass', actor: 'A' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toBeInstanceOf(Error);
    expect((error as ClientError).message).toBe('Stage pilot is passed');
    expect((error as ClientError).code).toBe('conflict');
  });

  it('reports a missing token and a body that is not JSON', async () => {
    const unauthorized = createHttpApi({
      token: null,
      fetch: fakeFetch(() => ({ status: 401, body: JSON.stringify({ code: 'unauthorized', message: 'missing or wrong token' }) })).fetch,
    });
    await expect(unauthorized['app.info']({})).rejects.toMatchObject({ code: 'unauthorized', message: 'missing or wrong token' });
    const broken = createHttpApi({ token: 't', fetch: fakeFetch(() => ({ status: 502, body: '<html>bad gateway</html>' })).fetch });
    await expect(broken['app.info']({})).rejects.toMatchObject({ code: 'failed', message: 'The server answered HTTP 502' });
  });

  it('sends no Authorization header without a token', async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 200, body: '{"value":null}' }));
    await createHttpApi({ token: null, fetch })['settings.get']({ key: 'language' });
    expect(calls[0]?.headers['Authorization']).toBeUndefined();
  });

  it('turns a failed request into a network error', async () => {
    const api = createHttpApi({ token: 't', fetch: fakeFetch(() => new TypeError('Failed to fetch')).fetch });
    await expect(api['projects.list']({})).rejects.toMatchObject({ code: 'network' });
  });
});

describe('session token', () => {
  function fakes(href: string) {
    const stored = new Map<string, string>();
    const replaced: string[] = [];
    return {
      storage: { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => stored.set(k, v) },
      history: { state: null, replaceState: (_data: unknown, _unused: string, url?: string) => replaced.push(url ?? '') },
      stored,
      replaced,
      href,
    };
  }

  it('takes the token from the URL once, keeps it, and removes it from the address bar', () => {
    const f = fakes('http://127.0.0.1:5000/?token=abc123&x=1#/projects/2');
    expect(takeSessionToken(f.href, f.storage, f.history)).toBe('abc123');
    expect(f.stored.get('dece.token')).toBe('abc123');
    expect(f.replaced).toEqual(['/?x=1#/projects/2']);
    // After a reload the URL has no token; sessionStorage still does.
    expect(takeSessionToken('http://127.0.0.1:5000/#/projects/2', f.storage, f.history)).toBe('abc123');
    expect(f.replaced).toHaveLength(1);
  });

  it('is null when there is none', () => {
    const f = fakes('http://127.0.0.1:5000/');
    expect(takeSessionToken(f.href, f.storage, f.history)).toBeNull();
  });
});

describe('events', () => {
  const event: AppEvent = { type: 'run.status', runId: 3, projectId: 1, status: 'finished', error: null };

  it('parses valid events and drops malformed ones', () => {
    expect(parseEvent(JSON.stringify(event))).toEqual(event);
    expect(parseEvent('{"type":"run.status"}')).toBeNull();
    expect(parseEvent('not json')).toBeNull();
  });

  it('opens one EventSource with the token, fans out, and closes after the last listener', () => {
    const sources: { url: string; closed: boolean; source: { onopen: unknown; onmessage: unknown; onerror: unknown } }[] = [];
    const connection = createBrowserConnection({
      token: 'tok en',
      fetch: fakeFetch(() => ({ status: 200, body: '{}' })).fetch,
      createEventSource: (url) => {
        const entry = { url, closed: false, source: { onopen: null, onmessage: null, onerror: null, readyState: 0, close: () => (entry.closed = true) } };
        sources.push(entry);
        return entry.source;
      },
    });
    const a: AppEvent[] = [];
    const b: AppEvent[] = [];
    const states: string[] = [];
    connection.onLinkState((s) => states.push(s));
    const offA = connection.onEvent((e) => a.push(e));
    const offB = connection.onEvent((e) => b.push(e));
    expect(sources).toHaveLength(1);
    expect(sources[0]?.url).toBe('/api/events?token=tok%20en');
    const source = sources[0]?.source as unknown as { onopen: () => void; onmessage: (m: { data: string }) => void; onerror: () => void };
    source.onopen();
    source.onmessage({ data: JSON.stringify(event) });
    source.onmessage({ data: 'garbage' });
    source.onerror();
    expect(a).toEqual([event]);
    expect(b).toEqual([event]);
    expect(states).toEqual(['connecting', 'open', 'reconnecting']);
    offA();
    expect(sources[0]?.closed).toBe(false);
    offB();
    expect(sources[0]?.closed).toBe(true);
  });
});

describe('Electron transport', () => {
  it('recovers {code, message} from the bridge error text', () => {
    expect(errorFromBridge(new Error('[not-found] Project 9 not found'))).toMatchObject({ code: 'not-found', message: 'Project 9 not found' });
    expect(errorFromBridge(new Error('something else'))).toMatchObject({ code: 'failed', message: 'something else' });
  });

  it('calls the preload function of the method and rethrows its errors as ClientErrors', async () => {
    const seen: unknown[] = [];
    const invoke = new Proxy(
      {},
      {
        get: (_target, method) => (input: unknown) => {
          seen.push([method, input]);
          return method === 'projects.get' ? Promise.reject(new Error('[not-found] Project 9 not found')) : Promise.resolve([]);
        },
      },
    ) as DecePreloadApi['invoke'];
    const api = createPreloadApi({ invoke, onEvent: () => () => undefined });
    await expect(api['projects.list']({})).resolves.toEqual([]);
    await expect(api['projects.get']({ projectId: 9 })).rejects.toMatchObject({ code: 'not-found', message: 'Project 9 not found' });
    expect(seen).toEqual([
      ['projects.list', {}],
      ['projects.get', { projectId: 9 }],
    ]);
  });
});

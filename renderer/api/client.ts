import { AppEventSchema, METHOD_NAMES, type ApiClient, type AppEvent, type MethodName } from '../../common/contract';
import { MessageSchema, type Message } from '../../common/messages';
import { parseBridgeError } from '../../preload/protocol';
import type { AppEventListener, Connection, DecePreloadApi, LinkState } from './types';

/**
 * The typed client for common/contract.ts. Inside Electron it wraps the preload's `window.dece`;
 * in a browser tab it talks HTTP to the local server: `POST /api/<method>` with the session token
 * as a bearer header, and one EventSource on `/api/events` for pushed events.
 */

/** An error the main side reported as `{code, message}` (or one the transport itself raised). */
export class ClientError extends Error {
  override name = 'ClientError';
  constructor(
    /** A contract code ('invalid-input', 'not-found', 'conflict', 'failed') or a transport one ('unauthorized', 'network', …). */
    readonly code: string,
    message: string,
    /** The error as a catalog message, when the main side sent one: shown in the UI's language. */
    readonly i18n?: Message,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'dece.token';

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

interface HistoryLike {
  readonly state: unknown;
  replaceState(data: unknown, unused: string, url?: string): void;
}

/**
 * The browser-mode session token: taken from `?token=` once, then kept in sessionStorage (it survives
 * reloads of this tab) and removed from the address bar so it does not end up in bookmarks or screenshots.
 */
export function takeSessionToken(href: string, storage: StorageLike, history: HistoryLike): string | null {
  const url = new URL(href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null && fromUrl !== '') {
    storage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** `{code, message}` from a response body, or a generic error naming the HTTP status. */
export function errorFromBody(body: unknown, status: number): ClientError {
  if (isRecord(body) && typeof body['message'] === 'string') {
    const code = typeof body['code'] === 'string' ? body['code'] : 'failed';
    const i18n = MessageSchema.safeParse(body['i18n']);
    return new ClientError(code, body['message'], i18n.success ? i18n.data : undefined);
  }
  return new ClientError(status === 401 ? 'unauthorized' : 'failed', `The server answered HTTP ${status}`);
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

export interface HttpApiOptions {
  token: string | null;
  fetch: FetchLike;
  /** Prefix of the API paths; '' means this page's origin. */
  baseUrl?: string;
}

function buildClient(call: (method: MethodName, input: unknown) => Promise<unknown>): ApiClient {
  const entries = METHOD_NAMES.map((method) => [method, (input: unknown) => call(method, input)] as const);
  return Object.freeze(Object.fromEntries(entries)) as unknown as ApiClient;
}

/** Browser mode's method calls. */
export function createHttpApi(options: HttpApiOptions): ApiClient {
  const base = options.baseUrl ?? '';
  return buildClient(async (method, input) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (options.token !== null) headers['Authorization'] = `Bearer ${options.token}`;
    let response;
    try {
      response = await options.fetch(`${base}/api/${method}`, { method: 'POST', headers, body: JSON.stringify(input ?? {}) });
    } catch (error) {
      throw new ClientError('network', `${method}: cannot reach the DeCE Pilot server (${error instanceof Error ? error.message : String(error)})`);
    }
    const text = await response.text();
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        if (response.ok) throw new ClientError('failed', `${method}: the server sent a reply that is not JSON`);
      }
    }
    if (!response.ok) throw errorFromBody(body, response.status);
    return body;
  });
}

/** The preload rejects with `[code] message`; this recovers both parts. */
export function errorFromBridge(error: unknown): ClientError {
  const body = parseBridgeError(error);
  return new ClientError(body.code, body.message, body.i18n);
}

/** Electron's method calls, with the bridge's errors turned into ClientErrors like browser mode's. */
export function createPreloadApi(preload: DecePreloadApi): ApiClient {
  return buildClient(async (method, input) => {
    const fn = preload.invoke[method] as (input: unknown) => Promise<unknown>;
    try {
      return await fn(input ?? {});
    } catch (error) {
      throw errorFromBridge(error);
    }
  });
}

/** Parses one pushed event; anything malformed is dropped rather than crashing a view. */
export function parseEvent(data: string): AppEvent | null {
  try {
    const parsed = AppEventSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Fans one event source out to many listeners; the source is opened on the first subscription. */
class EventHub {
  private readonly listeners = new Set<AppEventListener>();
  private readonly linkListeners = new Set<(state: LinkState) => void>();
  private state: LinkState = 'connecting';
  private close: (() => void) | null = null;

  constructor(private readonly open: (hub: EventHub) => () => void) {}

  emit(event: AppEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        console.error('event listener failed', error);
      }
    }
  }

  setState(state: LinkState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of [...this.linkListeners]) listener(state);
  }

  subscribe(listener: AppEventListener): () => void {
    this.listeners.add(listener);
    this.close ??= this.open(this);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.close) {
        this.close();
        this.close = null;
        this.state = 'connecting';
      }
    };
  }

  onLinkState(listener: (state: LinkState) => void): () => void {
    this.linkListeners.add(listener);
    listener(this.state);
    return () => {
      this.linkListeners.delete(listener);
    };
  }
}

interface EventSourceLike {
  onopen: ((this: EventSourceLike, ev: Event) => unknown) | null;
  onmessage: ((this: EventSourceLike, ev: MessageEvent<string>) => unknown) | null;
  onerror: ((this: EventSourceLike, ev: Event) => unknown) | null;
  readonly readyState: number;
  close(): void;
}

export interface BrowserConnectionOptions extends HttpApiOptions {
  createEventSource: (url: string) => EventSourceLike;
}

export function createBrowserConnection(options: BrowserConnectionOptions): Connection {
  const api = createHttpApi(options);
  const base = options.baseUrl ?? '';
  const hub = new EventHub((h) => {
    const query = options.token === null ? '' : `?token=${encodeURIComponent(options.token)}`;
    const source = options.createEventSource(`${base}/api/events${query}`);
    source.onopen = () => {
      h.setState('open');
    };
    source.onmessage = (message) => {
      const event = parseEvent(message.data);
      if (event) h.emit(event);
    };
    source.onerror = () => {
      // EventSource retries by itself; the UI reloads its data once the link is open again.
      h.setState('reconnecting');
    };
    return () => {
      source.close();
    };
  });
  return {
    mode: 'browser',
    api,
    onEvent: (listener) => hub.subscribe(listener),
    onLinkState: (listener) => hub.onLinkState(listener),
  };
}

export function createElectronConnection(preload: DecePreloadApi): Connection {
  const hub = new EventHub((h) => {
    h.setState('open');
    return preload.onEvent((event) => {
      h.emit(event);
    });
  });
  return {
    mode: 'electron',
    api: createPreloadApi(preload),
    onEvent: (listener) => hub.subscribe(listener),
    onLinkState: (listener) => hub.onLinkState(listener),
  };
}

let shared: Connection | null = null;

/** The page's one connection: Electron's preload when present, else HTTP to the server that served the page. */
export function getConnection(): Connection {
  if (shared) return shared;
  if (window.dece) {
    shared = createElectronConnection(window.dece);
  } else {
    const token = takeSessionToken(window.location.href, window.sessionStorage, window.history);
    shared = createBrowserConnection({
      token,
      fetch: (url, init) => window.fetch(url, init),
      createEventSource: (url) => new EventSource(url) as EventSourceLike,
    });
  }
  return shared;
}

/** The typed contract client for this page. */
export function createApiClient(): ApiClient {
  return getConnection().api;
}

import type { ApiClient, AppEvent } from '../../common/contract';

/** Receives every event main broadcasts (run progress, run status, project changes). */
export type AppEventListener = (event: AppEvent) => void;

/**
 * What Electron's preload exposes as `window.dece`. The preload declares its object with
 * `satisfies DecePreloadApi`, so the two sides cannot drift apart.
 */
export interface DecePreloadApi {
  /** One function per contract method. Errors reject with an Error whose message is `[code] message`. */
  readonly invoke: ApiClient;
  /** Subscribes to every AppEvent; returns the unsubscribe function. */
  onEvent(listener: AppEventListener): () => void;
}

declare global {
  interface Window {
    /** Present only inside Electron. */
    dece?: DecePreloadApi;
  }
}

/** Live-update link state, so the UI can say when events may have been missed. */
export type LinkState = 'connecting' | 'open' | 'reconnecting';

/** The renderer's view of the main side, whichever shell it runs in. */
export interface Connection {
  readonly mode: 'electron' | 'browser';
  readonly api: ApiClient;
  onEvent(listener: AppEventListener): () => void;
  /** Called with the link state whenever it changes (Electron's IPC link is always 'open'). */
  onLinkState(listener: (state: LinkState) => void): () => void;
}

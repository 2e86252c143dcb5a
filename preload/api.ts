import { METHOD_NAMES, type ApiClient, type AppEvent, type MethodName } from '../common/contract';
import type { DecePreloadApi } from '../renderer/api/types';
import { EVENT_CHANNEL, bridgeErrorMessage, isIpcReply, methodChannel } from './protocol';

/** The part of Electron's ipcRenderer the preload needs (tests pass a fake). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

function invoker(ipc: IpcRendererLike, method: MethodName): (input?: unknown) => Promise<unknown> {
  const channel = methodChannel(method);
  return async (input?: unknown) => {
    const reply = await ipc.invoke(channel, input);
    if (!isIpcReply(reply)) throw new Error(bridgeErrorMessage({ code: 'failed', message: `${method}: malformed reply from the main process` }));
    if (reply.ok) return reply.value;
    // Only the message crosses contextBridge; name and code help callers inside the preload's world.
    throw Object.assign(new Error(bridgeErrorMessage(reply.error)), { name: 'ApiError', code: reply.error.code });
  };
}

/** What the page gets as `window.dece`: one named function per contract method (no way to name a channel) and an event subscription. */
export function createPreloadApi(ipc: IpcRendererLike): DecePreloadApi {
  const invoke = Object.freeze(Object.fromEntries(METHOD_NAMES.map((method) => [method, invoker(ipc, method)]))) as unknown as ApiClient;
  const api = {
    invoke,
    onEvent(listener: (event: AppEvent) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('dece.onEvent expects a function');
      // The IPC event object (which carries `sender`) never reaches the page: only the payload does.
      const forward = (_event: unknown, payload: unknown) => {
        try {
          listener(payload as AppEvent);
        } catch (error) {
          console.error('dece.onEvent listener failed', error);
        }
      };
      ipc.on(EVENT_CHANNEL, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(EVENT_CHANNEL, forward);
      };
    },
  } satisfies DecePreloadApi;
  return Object.freeze(api);
}

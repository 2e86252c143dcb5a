import { ApiError, METHOD_NAMES, dispatch, type ApiErrorBody, type AppEvent, type Handlers, type MethodName, type MethodOutput } from '../../common/contract';
import { EVENT_CHANNEL, methodChannel, type IpcReply } from '../../preload/protocol';

/**
 * IPC wiring over an injected ipcMain-like object (Electron's ipcMain in the app, a fake in tests): one
 * `handle` per contract method, each checking the sender, then validating the input, then calling the
 * service. Pure: no electron import.
 */

export interface IpcMainLike<E> {
  handle(channel: string, listener: (event: E, ...args: unknown[]) => Promise<IpcReply>): void;
  removeHandler(channel: string): void;
}

export interface RegisterIpcOptions<E> {
  ipcMain: IpcMainLike<E>;
  handlers: Handlers;
  isTrustedSender: (event: E) => boolean;
  /** Refused senders and unexpected handler failures (with their stack) are reported here. */
  log?: (message: string, error?: unknown) => void;
}

export const REFUSED_MESSAGE = 'refused: the request did not come from the main frame of a DeCE Pilot window';

async function call<M extends MethodName>(handlers: Handlers, method: M, args: readonly unknown[]): Promise<MethodOutput<M>> {
  if (args.length > 1) throw new ApiError('invalid-input', `${method}: expected one argument, got ${String(args.length)}`);
  return dispatch(handlers, method, args[0]);
}

function errorBody(error: unknown): ApiErrorBody {
  if (error instanceof ApiError) return error.body();
  return { code: 'failed', message: error instanceof Error ? error.message : String(error) };
}

/** Registers every method; returns a function that removes them again. */
export function registerIpcHandlers<E>(options: RegisterIpcOptions<E>): () => void {
  const { ipcMain, handlers, isTrustedSender } = options;
  const log = options.log ?? ((message: string, error?: unknown) => {
    console.error(message, error ?? '');
  });
  for (const method of METHOD_NAMES) {
    ipcMain.handle(methodChannel(method), async (event, ...args): Promise<IpcReply> => {
      if (!isTrustedSender(event)) {
        log(`IPC ${method} ${REFUSED_MESSAGE}`);
        return { ok: false, error: { code: 'failed', message: `${method}: ${REFUSED_MESSAGE}` } };
      }
      try {
        return { ok: true, value: await call(handlers, method, args) };
      } catch (error) {
        if (!(error instanceof ApiError)) log(`IPC ${method} failed`, error);
        return { ok: false, error: errorBody(error) };
      }
    });
  }
  return () => {
    for (const method of METHOD_NAMES) ipcMain.removeHandler(methodChannel(method));
  };
}

export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, payload: AppEvent): void;
}

/** Sends one AppEvent to every live window; a window closing mid-broadcast never stops the others. */
export function broadcastEvent(targets: Iterable<EventTarget>, event: AppEvent): void {
  for (const target of targets) {
    try {
      if (!target.isDestroyed()) target.send(EVENT_CHANNEL, event);
    } catch {
      // The window went away between the check and the send.
    }
  }
}

import { vi } from 'vitest';
import { METHOD_NAMES, type Handlers, type MethodName } from '../../common/contract';
import type { IpcReply } from '../../preload/protocol';
import type { IpcMainLike } from '../../main/electron/ipc';
import type { FrameLike, IpcEventLike } from '../../main/electron/sender';

/** An ipcMain stand-in that records handlers and refuses a second handler on one channel, like Electron. */
export class FakeIpcMain<E> implements IpcMainLike<E> {
  readonly listeners = new Map<string, (event: E, ...args: unknown[]) => Promise<IpcReply>>();
  handleCalls = 0;

  handle(channel: string, listener: (event: E, ...args: unknown[]) => Promise<IpcReply>): void {
    this.handleCalls++;
    if (this.listeners.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.listeners.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.listeners.delete(channel);
  }

  invoke(channel: string, event: E, ...args: unknown[]): Promise<IpcReply> {
    const listener = this.listeners.get(channel);
    if (!listener) throw new Error(`No handler registered for '${channel}'`);
    return listener(event, ...args);
  }
}

export type HandlerMocks = Record<MethodName, ReturnType<typeof vi.fn>>;

/** Handlers that resolve with `{ method, input }`, each a vi.fn. */
export function fakeHandlers(): { handlers: Handlers; mocks: HandlerMocks } {
  const mocks = Object.fromEntries(
    METHOD_NAMES.map((method) => [method, vi.fn((input: unknown) => Promise.resolve({ method, input }))]),
  ) as HandlerMocks;
  return { handlers: mocks as unknown as Handlers, mocks };
}

export function frame(url: string, overrides: Partial<FrameLike> = {}): FrameLike {
  return { url, parent: null, processId: 7, frameToken: 'main-frame-token', ...overrides };
}

/** An IPC event from the main frame of the webContents `id`. */
export function mainFrameEvent(url: string, id = 1): IpcEventLike {
  const main = frame(url);
  return { sender: { id, mainFrame: main }, senderFrame: main };
}

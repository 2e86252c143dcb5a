import { beforeEach, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../../common/contract';
import { EVENT_CHANNEL, isIpcReply, parseBridgeError } from '../../preload/protocol';
import type { DecePreloadApi } from '../../renderer/api/types';

// No Electron binary here: preload/index.ts runs against this stub, which records what it exposes.
const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn(), send: vi.fn(), sendSync: vi.fn() },
}));
vi.mock('electron', () => electron);

async function loadPreload(): Promise<DecePreloadApi> {
  vi.resetModules();
  electron.contextBridge.exposeInMainWorld.mockClear();
  await import('../../preload/index');
  expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
  const [key, api] = electron.contextBridge.exposeInMainWorld.mock.calls[0] as [string, DecePreloadApi];
  expect(key).toBe('dece');
  return api;
}

describe('preload/index.ts', () => {
  beforeEach(() => {
    for (const fn of Object.values(electron.ipcRenderer)) fn.mockReset();
  });

  it('exposes window.dece with exactly one function per contract method and onEvent, nothing else', async () => {
    const api = await loadPreload();
    expect(Object.keys(api).sort()).toEqual(['invoke', 'onEvent']);
    // invoke is a bag of named functions, not a generic invoke(channel).
    expect(typeof api.invoke).toBe('object');
    expect(Object.keys(api.invoke).sort()).toEqual([...METHOD_NAMES].sort());
    for (const method of METHOD_NAMES) expect(typeof api.invoke[method], method).toBe('function');
    const everything = JSON.stringify(Object.keys(api)) + JSON.stringify(Object.keys(api.invoke));
    expect(everything).not.toMatch(/ipcRenderer|send|sendSync/);
  });

  it('invokes dece:<method> with the input and resolves with the reply value', async () => {
    const api = await loadPreload();
    electron.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: { id: 1, name: 'Pilot' } });
    await expect(api.invoke['projects.get']({ projectId: 1 })).resolves.toEqual({ id: 1, name: 'Pilot' });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledExactlyOnceWith('dece:projects.get', { projectId: 1 });
  });

  it('rejects with an Error whose message carries the code, which the page can recover', async () => {
    const api = await loadPreload();
    electron.ipcRenderer.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'not-found', message: 'Project 7 does not exist' } });
    const error: unknown = await api.invoke['projects.get']({ projectId: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('[not-found] Project 7 does not exist');
    expect(parseBridgeError(error)).toEqual({ code: 'not-found', message: 'Project 7 does not exist' });

    electron.ipcRenderer.invoke.mockResolvedValueOnce('surprise');
    await expect(api.invoke['projects.list']({})).rejects.toThrow('[failed] projects.list: malformed reply from the main process');
  });

  it('forwards only the payload of dece:event, and unsubscribes once', async () => {
    const api = await loadPreload();
    const listener = vi.fn();
    const unsubscribe = api.onEvent(listener);
    expect(electron.ipcRenderer.on).toHaveBeenCalledTimes(1);
    const [channel, forward] = electron.ipcRenderer.on.mock.calls[0] as [string, (event: unknown, payload: unknown) => void];
    expect(channel).toBe(EVENT_CHANNEL);

    const ipcEvent = { sender: { send: vi.fn() }, senderId: 0 };
    forward(ipcEvent, { type: 'project.changed', projectId: 4 });
    expect(listener).toHaveBeenCalledExactlyOnceWith({ type: 'project.changed', projectId: 4 });

    unsubscribe();
    unsubscribe();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledExactlyOnceWith(EVENT_CHANNEL, forward);
    expect(() => api.onEvent('nope' as unknown as () => void)).toThrow(TypeError);
  });
});

describe('protocol', () => {
  it('recognises replies and parses bridge errors', () => {
    expect(isIpcReply({ ok: true, value: null })).toBe(true);
    expect(isIpcReply({ ok: false, error: { code: 'conflict', message: 'x' } })).toBe(true);
    expect(isIpcReply({ ok: false, error: { code: 'teapot', message: 'x' } })).toBe(false);
    expect(isIpcReply({ ok: true })).toBe(false);
    expect(isIpcReply(null)).toBe(false);
    expect(parseBridgeError(new Error('[invalid-input] runs.start: name: too short'))).toEqual({ code: 'invalid-input', message: 'runs.start: name: too short' });
    expect(parseBridgeError(new Error('[teapot] no'))).toEqual({ code: 'failed', message: '[teapot] no' });
    expect(parseBridgeError('plain')).toEqual({ code: 'failed', message: 'plain' });
  });
});

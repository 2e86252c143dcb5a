import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../../common/contract';
import type { IpcReply } from '../../preload/protocol';

/**
 * main/electron/main.ts against a stand-in for the electron module (there is no Electron binary here):
 * the wiring between Electron's objects and the real backend (store, job queue, services) in a temp folder.
 */

type Listener = (...args: never[]) => unknown;

const electron = vi.hoisted(() => {
  class Emitter {
    readonly listeners = new Map<string, Listener[]>();
    on(name: string, listener: Listener): this {
      const list = this.listeners.get(name) ?? [];
      list.push(listener);
      this.listeners.set(name, list);
      return this;
    }
    once(name: string, listener: Listener): this {
      return this.on(name, listener);
    }
    emit(name: string, ...args: unknown[]): void {
      for (const listener of this.listeners.get(name) ?? []) (listener as (...a: unknown[]) => unknown)(...args);
    }
  }
  let nextId = 1;
  class FakeWebContents extends Emitter {
    readonly id = nextId++;
    readonly mainFrame = { url: '', parent: null, processId: 3, frameToken: `frame-${String(this.id)}` };
    readonly send = vi.fn();
    readonly reload = vi.fn();
    windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
    isDestroyed(): boolean {
      return false;
    }
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
      this.windowOpenHandler = handler;
    }
  }
  class FakeBrowserWindow extends Emitter {
    static instances: FakeBrowserWindow[] = [];
    readonly webContents = new FakeWebContents();
    loadedUrl: string | undefined;
    readonly show = vi.fn();
    readonly focus = vi.fn();
    readonly restore = vi.fn();
    readonly maximize = vi.fn();
    constructor(readonly options: Record<string, unknown>) {
      super();
      FakeBrowserWindow.instances.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadFile(): Promise<void> {
      return Promise.reject(new Error('the app loads app:// URLs, never files'));
    }
    loadURL(url: string): Promise<void> {
      this.loadedUrl = url;
      return Promise.resolve();
    }
    isDestroyed(): boolean {
      return false;
    }
    isMinimized(): boolean {
      return true;
    }
    isMaximized(): boolean {
      return false;
    }
    getNormalBounds() {
      return { x: 40, y: 50, width: 1100, height: 700 };
    }
  }
  const state = { userData: '', singleInstance: true };
  const app = Object.assign(new Emitter(), {
    enableSandbox: vi.fn(),
    requestSingleInstanceLock: vi.fn(() => state.singleInstance),
    quit: vi.fn(),
    exit: vi.fn(),
    getPath: vi.fn(() => state.userData),
    getVersion: () => '0.1.0-test',
    getLocale: () => 'ja-JP',
    whenReady: () => Promise.resolve(),
  });
  const ipcHandlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<IpcReply>>();
  return {
    state,
    FakeBrowserWindow,
    FakeWebContents,
    module: {
      app,
      BrowserWindow: FakeBrowserWindow,
      ipcMain: {
        handlers: ipcHandlers,
        handle: vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => Promise<IpcReply>) => {
          ipcHandlers.set(channel, listener);
        }),
        removeHandler: vi.fn(),
      },
      Menu: { buildFromTemplate: vi.fn((template: unknown) => template), setApplicationMenu: vi.fn() },
      dialog: { showErrorBox: vi.fn(), showMessageBox: vi.fn(() => Promise.resolve({ response: 0 })) },
      shell: { openExternal: vi.fn(() => Promise.resolve()) },
      screen: {
        getPrimaryDisplay: () => ({ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
        getAllDisplays: () => [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
      },
      protocol: {
        registerSchemesAsPrivileged: vi.fn(),
        handle: vi.fn(),
      },
      session: {
        defaultSession: { webRequest: { onHeadersReceived: vi.fn() }, setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() },
      },
    },
  };
});
vi.mock('electron', () => electron.module);

const { app, ipcMain, Menu, dialog, shell, session, protocol } = electron.module;
type FakeWindow = InstanceType<typeof electron.FakeBrowserWindow>;

async function startMain(): Promise<void> {
  vi.resetModules();
  await import('../../main/electron/main');
}

async function started(): Promise<FakeWindow> {
  await startMain();
  await vi.waitFor(() => {
    expect(electron.FakeBrowserWindow.instances).toHaveLength(1);
  });
  const window = electron.FakeBrowserWindow.instances[0] as FakeWindow;
  window.webContents.mainFrame.url = window.loadedUrl ?? '';
  return window;
}

function invoke(channel: string, event: unknown, ...args: unknown[]): Promise<IpcReply> {
  const handler = ipcMain.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return handler(event, ...args);
}

function fromWindow(window: FakeWindow) {
  return { sender: window.webContents, senderFrame: window.webContents.mainFrame };
}

function lastMenu(): MenuItemConstructorOptions[] {
  return Menu.setApplicationMenu.mock.calls.at(-1)?.[0] as MenuItemConstructorOptions[];
}

async function quit(): Promise<void> {
  const before = app.quit.mock.calls.length;
  app.emit('before-quit', { preventDefault: vi.fn() });
  await vi.waitFor(() => {
    expect(app.quit.mock.calls.length).toBeGreaterThan(before);
  });
}

describe('main/electron/main.ts', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    // Refused senders and the damaged-database case log on purpose.
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    app.listeners.clear();
    ipcMain.handlers.clear();
    electron.FakeBrowserWindow.instances = [];
    electron.state.singleInstance = true;
    electron.state.userData = mkdtempSync(path.join(os.tmpdir(), 'dece-electron-main-'));
  });
  afterEach(async () => {
    // Close the backend (store, job queue) the test started, then drop its folder.
    if (electron.FakeBrowserWindow.instances.length > 0) await quit();
    rmSync(electron.state.userData, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it('hardens the session, registers every method, opens one sandboxed window and sets the menu', async () => {
    const window = await started();
    expect(app.enableSandbox).toHaveBeenCalledOnce();
    expect(app.requestSingleInstanceLock).toHaveBeenCalledOnce();
    expect(session.defaultSession.webRequest.onHeadersReceived).toHaveBeenCalledOnce();
    expect(session.defaultSession.setPermissionRequestHandler).toHaveBeenCalledOnce();
    expect(session.defaultSession.setPermissionCheckHandler).toHaveBeenCalledOnce();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => `dece:${m}`).sort());
    expect(ipcMain.handle).toHaveBeenCalledTimes(METHOD_NAMES.length);

    expect(window.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect((window.options.webPreferences as { preload: string }).preload).toMatch(/preload\.cjs$/);
    expect(window.loadedUrl).toBe('app://dece-pilot/index.html');
    // No language stored yet and a Japanese system locale.
    expect(lastMenu()[0]?.label).toBe('ファイル');

    window.emit('close');
    expect(JSON.parse(readFileSync(path.join(electron.state.userData, 'window-state.json'), 'utf8'))).toEqual({
      bounds: { x: 40, y: 50, width: 1100, height: 700 },
      maximized: false,
    });
  });

  it('serves its window through the real services, refuses other senders, and pushes events to the window', async () => {
    const window = await started();
    const info = await invoke('dece:app.info', fromWindow(window));
    expect(info).toMatchObject({ ok: true, value: { shell: 'electron', dataDir: electron.state.userData, version: '0.1.0-test' } });
    expect(existsSync(path.join(electron.state.userData, 'dece-pilot.sqlite'))).toBe(true);

    const created = await invoke('dece:projects.create', fromWindow(window), { name: 'Pilot' });
    expect(created).toMatchObject({ ok: true, value: { name: 'Pilot' } });
    const projectId = created.ok ? (created.value as { id: number }).id : -1;
    expect(window.webContents.send).toHaveBeenCalledWith('dece:event', { type: 'project.changed', projectId });

    const stranger = new electron.FakeWebContents();
    stranger.mainFrame.url = window.webContents.mainFrame.url;
    const refused = await invoke('dece:projects.list', { sender: stranger, senderFrame: stranger.mainFrame });
    expect(refused).toMatchObject({ ok: false, error: { code: 'failed' } });

    const invalid = await invoke('dece:projects.create', fromWindow(window), { name: '' });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('changes the language from the menu through settings.set, then relabels and reloads', async () => {
    const window = await started();
    const english = (lastMenu().find((item) => item.label === '言語')?.submenu as MenuItemConstructorOptions[])[0];
    (english?.click as () => void)();
    await vi.waitFor(() => {
      expect(window.webContents.reload).toHaveBeenCalledOnce();
    });
    expect(lastMenu()[0]?.label).toBe('File');
    const stored = await invoke('dece:settings.get', fromWindow(window), { key: 'language' });
    expect(stored).toEqual({ ok: true, value: { value: 'en' } });
  });

  it('keeps navigation on the app and sends https links, and only those, to the browser', async () => {
    const window = await started();
    const contents = window.webContents;
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledExactlyOnceWith('https://example.com/docs');
    expect(contents.windowOpenHandler?.({ url: 'http://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledOnce();

    const navigate = (url: string) => {
      const event = { url, preventDefault: vi.fn() };
      contents.emit('will-navigate', event);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate(`${contents.mainFrame.url}#/projects/1`)).toBe(false);
    expect(navigate('https://evil.example/')).toBe(true);
    expect(shell.openExternal).toHaveBeenLastCalledWith('https://evil.example/');
    expect(navigate('javascript:alert(1)')).toBe(true);
    expect(navigate('file:///home/user/notes.html')).toBe(true);

    const frameNavigate = (url: string, isMainFrame: boolean) => {
      const event = { url, isMainFrame, preventDefault: vi.fn() };
      contents.emit('will-frame-navigate', event);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(frameNavigate('https://evil.example/', false)).toBe(true);
    expect(frameNavigate(`${contents.mainFrame.url}#/x`, false)).toBe(false);
    expect(frameNavigate(`${contents.mainFrame.url}#/x`, true)).toBe(false);

    const redirect = { url: 'https://elsewhere.example/', preventDefault: vi.fn() };
    contents.emit('will-redirect', redirect);
    expect(redirect.preventDefault).toHaveBeenCalledOnce();
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalledOnce();
  });

  it('registers app:// as privileged before ready, serves it from the renderer folder only, and loads the window from it', async () => {
    const window = await started();
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledExactlyOnceWith([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) as unknown },
    ]);
    expect(protocol.handle).toHaveBeenCalledOnce();
    const [scheme, handler] = protocol.handle.mock.calls[0] as unknown as [string, (request: { url: string; method: string }) => Promise<Response>];
    expect(scheme).toBe('app');
    expect(protocol.registerSchemesAsPrivileged.mock.invocationCallOrder[0]).toBeLessThan(protocol.handle.mock.invocationCallOrder[0] ?? 0);
    for (const url of ['app://dece-pilot/..%2f..%2f..%2f..%2fetc%2fpasswd', 'app://dece-pilot/%2e%2e/%2e%2e/build/main.js', 'app://elsewhere/index.html']) {
      const response = await handler({ url, method: 'GET' });
      expect(response.status, url).toBe(404);
      expect(await response.text(), url).not.toContain('root:');
    }
    expect(window.loadedUrl?.startsWith('app://dece-pilot/')).toBe(true);
  });

  it('brings its window forward when a second instance starts', async () => {
    const window = await started();
    app.emit('second-instance');
    expect(window.restore).toHaveBeenCalledOnce();
    expect(window.focus).toHaveBeenCalledOnce();
  });

  it('closes the backend before quitting, once', async () => {
    await started();
    const first = { preventDefault: vi.fn() };
    app.emit('before-quit', first);
    expect(first.preventDefault).toHaveBeenCalledOnce();
    await vi.waitFor(() => {
      expect(app.quit).toHaveBeenCalledOnce();
    });
    const second = { preventDefault: vi.fn() };
    app.emit('before-quit', second);
    expect(second.preventDefault).not.toHaveBeenCalled();
    electron.FakeBrowserWindow.instances = [];
  });

  it('exits at once as a second instance, touching nothing', async () => {
    electron.state.singleInstance = false;
    await startMain();
    expect(app.quit).toHaveBeenCalledOnce();
    expect(app.listeners.size).toBe(0);
    expect(existsSync(path.join(electron.state.userData, 'dece-pilot.sqlite'))).toBe(false);
  });

  it('shows a native error and exits when the database is damaged, leaving the file as it was', async () => {
    const file = path.join(electron.state.userData, 'dece-pilot.sqlite');
    const garbage = Buffer.from('this is not an SQLite database, but it is somebody’s data\n'.repeat(200));
    writeFileSync(file, garbage);
    await startMain();
    await vi.waitFor(() => {
      expect(app.exit).toHaveBeenCalledExactlyOnceWith(1);
    });
    expect(dialog.showErrorBox).toHaveBeenCalledOnce();
    const [title, message] = dialog.showErrorBox.mock.calls[0] as [string, string];
    expect(title).toMatch(/damaged/);
    expect(message).toContain(file);
    expect(message).toMatch(/did not modify or replace/);
    expect(readFileSync(file).equals(garbage)).toBe(true);
    expect(electron.FakeBrowserWindow.instances).toHaveLength(0);
    expect(ipcMain.handlers.size).toBe(0);
  });
});

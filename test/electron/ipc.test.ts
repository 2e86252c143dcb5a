import { describe, expect, it, vi } from 'vitest';
import { ApiError, METHOD_NAMES, type AppEvent } from '../../common/contract';
import { REFUSED_MESSAGE, broadcastEvent, registerIpcHandlers } from '../../main/electron/ipc';
import { createSenderCheck, type IpcEventLike } from '../../main/electron/sender';
import { createAppUrlPolicy } from '../../main/electron/url-policy';
import { EVENT_CHANNEL, methodChannel } from '../../preload/protocol';
import { FakeIpcMain, fakeHandlers, frame, mainFrameEvent } from './helpers';

const APP_URL = 'app://dece-pilot/index.html#/projects/1';
const OWN_WINDOW = 1;

function setup(options: { log?: (message: string, error?: unknown) => void } = {}) {
  const ipcMain = new FakeIpcMain<IpcEventLike>();
  const { handlers, mocks } = fakeHandlers();
  const policy = createAppUrlPolicy({});
  const isTrustedSender = createSenderCheck({ isOwnWebContents: (c) => c.id === OWN_WINDOW, isAppUrl: policy.isAppUrl });
  const log = options.log ?? vi.fn();
  const unregister = registerIpcHandlers({ ipcMain, handlers, isTrustedSender, log });
  return { ipcMain, mocks, unregister, log };
}

describe('registerIpcHandlers', () => {
  it('registers exactly one handler per contract method, on dece:<method>', () => {
    const { ipcMain } = setup();
    expect(ipcMain.handleCalls).toBe(METHOD_NAMES.length);
    expect([...ipcMain.listeners.keys()].sort()).toEqual(METHOD_NAMES.map((m) => `dece:${m}`).sort());
  });

  it('removes every handler again', () => {
    const { ipcMain, unregister } = setup();
    unregister();
    expect(ipcMain.listeners.size).toBe(0);
  });

  it('passes a valid call, as parsed by the contract, to the handler and returns its result', async () => {
    const { ipcMain, mocks } = setup();
    const reply = await ipcMain.invoke(methodChannel('projects.create'), mainFrameEvent(APP_URL), { name: '  Pilot  ' });
    // The schema trims the name and fills the default description: the handler sees the parsed value.
    expect(mocks['projects.create']).toHaveBeenCalledExactlyOnceWith({ name: 'Pilot', description: '' });
    expect(reply).toEqual({ ok: true, value: { method: 'projects.create', input: { name: 'Pilot', description: '' } } });

    const info = await ipcMain.invoke(methodChannel('app.info'), mainFrameEvent(APP_URL));
    expect(mocks['app.info']).toHaveBeenCalledExactlyOnceWith({});
    expect(info.ok).toBe(true);
  });

  const foreign: [string, IpcEventLike][] = [
    ['another webContents (not one of our windows)', mainFrameEvent(APP_URL, 2)],
    ['our window showing a foreign https page', mainFrameEvent('https://evil.example/')],
    ['our window showing a file outside the renderer bundle', mainFrameEvent('file:///home/user/Downloads/evil.html')],
    ['our window showing a data: URL', mainFrameEvent('data:text/html,<script>alert(1)</script>')],
    [
      'a subframe of our window, even on our URL',
      { sender: { id: OWN_WINDOW, mainFrame: frame(APP_URL) }, senderFrame: frame(APP_URL, { parent: frame(APP_URL), frameToken: 'child-frame' }) },
    ],
    [
      'a parentless frame that is not the window main frame',
      { sender: { id: OWN_WINDOW, mainFrame: frame(APP_URL) }, senderFrame: frame(APP_URL, { frameToken: 'other-frame' }) },
    ],
    [
      'a frame of another renderer process',
      { sender: { id: OWN_WINDOW, mainFrame: frame(APP_URL) }, senderFrame: frame(APP_URL, { processId: 99 }) },
    ],
    ['a frame that is gone (senderFrame null)', { sender: { id: OWN_WINDOW, mainFrame: frame(APP_URL) }, senderFrame: null }],
  ];

  it.each(foreign)('refuses %s for every method without calling the service', async (_label, event) => {
    const { ipcMain, mocks, log } = setup();
    for (const method of METHOD_NAMES) {
      const reply = await ipcMain.invoke(methodChannel(method), event, {});
      expect(reply).toEqual({ ok: false, error: { code: 'failed', message: `${method}: ${REFUSED_MESSAGE}` } });
    }
    for (const method of METHOD_NAMES) expect(mocks[method]).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(METHOD_NAMES.length);
  });

  it('refuses a sender whose webContents throws (destroyed) instead of crashing', async () => {
    const { ipcMain, mocks } = setup();
    const destroyed = {
      get sender(): never {
        throw new Error('Object has been destroyed');
      },
      senderFrame: frame(APP_URL),
    } as IpcEventLike;
    const reply = await ipcMain.invoke(methodChannel('projects.list'), destroyed);
    expect(reply.ok).toBe(false);
    expect(mocks['projects.list']).not.toHaveBeenCalled();
  });

  it.each([42, 'text', [], true])('answers malformed input %j with invalid-input for every method', async (input) => {
    const { ipcMain, mocks } = setup();
    for (const method of METHOD_NAMES) {
      const reply = await ipcMain.invoke(methodChannel(method), mainFrameEvent(APP_URL), input);
      expect(reply.ok, method).toBe(false);
      if (!reply.ok) {
        expect(reply.error.code, method).toBe('invalid-input');
        expect(reply.error.message.startsWith(`${method}:`), reply.error.message).toBe(true);
      }
      expect(mocks[method]).not.toHaveBeenCalled();
    }
  });

  it('answers missing required fields and extra arguments with invalid-input', async () => {
    const { ipcMain, mocks } = setup();
    const missing = await ipcMain.invoke(methodChannel('runs.get'), mainFrameEvent(APP_URL), { runId: 'one' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const extra = await ipcMain.invoke(methodChannel('projects.list'), mainFrameEvent(APP_URL), {}, { sneaky: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'projects.list: expected one argument, got 2' } });
    expect(mocks['runs.get']).not.toHaveBeenCalled();
    expect(mocks['projects.list']).not.toHaveBeenCalled();
  });

  it('returns an ApiError as {code, message}, and anything else as a logged failure', async () => {
    const { ipcMain, mocks, log } = setup();
    mocks['projects.get'].mockRejectedValueOnce(new ApiError('not-found', 'Project 9 does not exist'));
    const notFound = await ipcMain.invoke(methodChannel('projects.get'), mainFrameEvent(APP_URL), { projectId: 9 });
    expect(notFound).toEqual({ ok: false, error: { code: 'not-found', message: 'Project 9 does not exist' } });
    expect(log).not.toHaveBeenCalled();

    const boom = new Error('disk full');
    mocks['projects.list'].mockRejectedValueOnce(boom);
    const failed = await ipcMain.invoke(methodChannel('projects.list'), mainFrameEvent(APP_URL));
    expect(failed).toEqual({ ok: false, error: { code: 'failed', message: 'disk full' } });
    expect(log).toHaveBeenCalledWith('IPC projects.list failed', boom);
  });
});

describe('createSenderCheck in development', () => {
  const policy = createAppUrlPolicy({ devServerUrl: 'http://localhost:5173' });
  const check = createSenderCheck({ isOwnWebContents: (c) => c.id === OWN_WINDOW, isAppUrl: policy.isAppUrl });

  it('trusts the dev server origin and nothing else', () => {
    expect(check(mainFrameEvent('http://localhost:5173/'))).toBe(true);
    expect(check(mainFrameEvent('http://localhost:5173/#/projects/2'))).toBe(true);
    expect(check(mainFrameEvent('http://localhost:5174/'))).toBe(false);
    expect(check(mainFrameEvent('http://127.0.0.1:5173/'))).toBe(false);
    expect(check(mainFrameEvent(APP_URL))).toBe(false);
  });
});

describe('broadcastEvent', () => {
  const event: AppEvent = { type: 'project.changed', projectId: 3 };

  it('sends to every live window on dece:event, skipping destroyed ones and surviving a failing one', () => {
    const live = { isDestroyed: () => false, send: vi.fn() };
    const destroyed = { isDestroyed: () => true, send: vi.fn() };
    const throwing = {
      isDestroyed: () => false,
      send: vi.fn(() => {
        throw new Error('Render frame was disposed');
      }),
    };
    const last = { isDestroyed: () => false, send: vi.fn() };
    broadcastEvent([live, destroyed, throwing, last], event);
    expect(live.send).toHaveBeenCalledExactlyOnceWith(EVENT_CHANNEL, event);
    expect(destroyed.send).not.toHaveBeenCalled();
    expect(last.send).toHaveBeenCalledExactlyOnceWith(EVENT_CHANNEL, event);
  });
});

/**
 * Electron's entry (bundled to .vite/build/main.js, an ES module). It only wires Electron objects to the
 * plain modules beside it: backend.ts (store, jobs, services), ipc.ts and sender.ts (IPC), security.ts,
 * csp.ts and url-policy.ts (hardening), menu.ts and window-state.ts.
 */
import path from 'node:path';
import { BrowserWindow, Menu, app, dialog, ipcMain, protocol, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { resolveDataDir } from '../store/index';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, serveAppScheme } from './app-protocol';
import { parseDataDirArg } from './args';
import { describeStartupError, startBackend, type Backend } from './backend';
import { broadcastEvent, registerIpcHandlers } from './ipc';
import { PROJECT_HOME_PAGE, buildMenuTemplate, pickLanguage, type Language } from './menu';
import { RENDERER_NAME, bundleLayout } from './paths';
import { hardenSession } from './security';
import { createSenderCheck } from './sender';
import { createAppUrlPolicy, decideFrameNavigation, decideNavigation, decideWindowOpen, isSafeExternalUrl } from './url-policy';
import { createMainWindow } from './window';
import { WINDOW_STATE_FILE } from './window-state';

const devServerUrl = typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'string' ? MAIN_WINDOW_VITE_DEV_SERVER_URL : undefined;
const rendererName = typeof MAIN_WINDOW_VITE_NAME === 'string' ? MAIN_WINDOW_VITE_NAME : RENDERER_NAME;
const isDevelopment = devServerUrl !== undefined;

function openExternal(url: string): void {
  if (!isSafeExternalUrl(url)) return;
  shell.openExternal(url).catch((error: unknown) => {
    console.error(`Could not open ${url}`, error);
  });
}

function run(): void {
  const layout = bundleLayout(import.meta.url, rendererName);
  const urlPolicy = createAppUrlPolicy({ devServerUrl });
  const dataDir = resolveDataDir({ cliDataDir: parseDataDirArg(process.argv), env: process.env, platformUserData: app.getPath('userData') });
  const windowStateFile = path.join(app.getPath('userData'), WINDOW_STATE_FILE);

  /** Our windows' webContents by id: the IPC sender check and the event broadcast both use it. */
  const contents = new Map<number, WebContents>();
  let mainWindow: BrowserWindow | null = null;
  let backend: Backend | null = null;
  let language: Language = 'en';

  const openWindow = () => {
    const window = createMainWindow({
      preload: layout.preload,
      load: { url: urlPolicy.entryUrl },
      stateFile: windowStateFile,
    });
    const id = window.webContents.id;
    contents.set(id, window.webContents);
    mainWindow = window;
    window.on('closed', () => {
      contents.delete(id);
      if (mainWindow === window) mainWindow = null;
    });
  };

  const setMenu = () => {
    const template = buildMenuTemplate({
      language,
      isDevelopment,
      platform: process.platform,
      actions: {
        setLanguage: (next) => {
          if (backend === null) return;
          backend.handlers['settings.set']({ key: 'language', value: next }).then(
            () => {
              language = next;
              setMenu();
              // The renderer reads the language when it loads; AppEvent has no settings change to push.
              for (const c of contents.values()) if (!c.isDestroyed()) c.reload();
            },
            (error: unknown) => {
              dialog.showErrorBox('DeCE Pilot', `Could not change the language: ${error instanceof Error ? error.message : String(error)}`);
            },
          );
        },
        about: () => {
          const options = {
            type: 'info' as const,
            title: 'About DeCE Pilot',
            message: `DeCE Pilot ${app.getVersion()}`,
            detail: [
              'Adopt DeCE (Deceptive Cross-Entropy) against backdoored code models.',
              '',
              `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node.js ${process.versions.node}`,
              `Data folder: ${dataDir}`,
            ].join('\n'),
          };
          const shown = mainWindow === null ? dialog.showMessageBox(options) : dialog.showMessageBox(mainWindow, options);
          shown.catch(() => undefined);
        },
        openHomePage: () => {
          openExternal(PROJECT_HOME_PAGE);
        },
      },
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };

  // Every webContents (windows, devtools): no new windows, no navigation away from the app's pages.
  app.on('web-contents-created', (_event, created) => {
    created.setWindowOpenHandler(({ url }) => {
      if (decideWindowOpen(url) === 'open-external') openExternal(url);
      return { action: 'deny' };
    });
    created.on('will-navigate', (event) => {
      const decision = decideNavigation(event.url, urlPolicy);
      if (decision === 'allow') return;
      event.preventDefault();
      if (decision === 'open-external') openExternal(event.url);
    });
    // Frames too (an injected iframe must not load a foreign page inside the app's window).
    created.on('will-frame-navigate', (event) => {
      if (decideFrameNavigation(event.url, event.isMainFrame, urlPolicy) === 'deny') event.preventDefault();
    });
    created.on('will-redirect', (event) => {
      if (!urlPolicy.isAppUrl(event.url)) event.preventDefault();
    });
    created.on('will-attach-webview', (event) => {
      event.preventDefault();
    });
  });

  app.on('second-instance', () => {
    if (mainWindow === null) {
      if (backend !== null) openWindow();
      return;
    }
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (backend !== null && mainWindow === null) openWindow();
  });

  // Stop the training workers and close the store before exiting; interrupted runs resume next time.
  let closing = false;
  let closed = false;
  app.on('before-quit', (event) => {
    if (backend === null || closed) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    backend
      .close()
      .catch((error: unknown) => {
        console.error('Shutting down the backend failed', error);
      })
      .finally(() => {
        closed = true;
        app.quit();
      });
  });

  const start = async () => {
    hardenSession(session.defaultSession, { isAppUrl: urlPolicy.isAppUrl });
    // The packaged renderer's files, and nothing outside its folder (app-protocol.ts).
    const rendererDir = path.dirname(layout.rendererIndex);
    protocol.handle(APP_SCHEME, (request) => serveAppScheme(request, rendererDir));
    let started: Backend;
    try {
      started = startBackend({ dataDir, version: app.getVersion() });
    } catch (error) {
      console.error(error);
      const report = describeStartupError(error, dataDir);
      dialog.showErrorBox(report.title, report.message);
      app.exit(1);
      return;
    }
    backend = started;
    registerIpcHandlers<IpcMainInvokeEvent>({
      ipcMain,
      handlers: started.handlers,
      isTrustedSender: createSenderCheck({ isOwnWebContents: (c) => contents.has(c.id), isAppUrl: urlPolicy.isAppUrl }),
    });
    started.subscribe((event) => {
      broadcastEvent(contents.values(), event);
    });
    try {
      language = pickLanguage((await started.handlers['settings.get']({ key: 'language' })).value, app.getLocale());
    } catch (error) {
      console.warn('Could not read the language setting', error);
    }
    setMenu();
    openWindow();
    try {
      started.resumeUnfinished();
    } catch (error) {
      console.error('Could not resume unfinished runs', error);
    }
  };

  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      console.error(error);
      dialog.showErrorBox('DeCE Pilot could not start', error instanceof Error ? error.message : String(error));
      app.exit(1);
    });
}

// Every renderer sandboxed, whatever a window's options say.
app.enableSandbox();
// Before 'ready', as Electron requires: app:// gets an origin and a secure context like https.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
// A second launch hands over to the first (its window comes to the front) and exits at once.
if (app.requestSingleInstanceLock()) run();
else app.quit();

import { BrowserWindow, screen } from 'electron';
import { secureWebPreferences } from './security';
import { MIN_SIZE, clampWindowState, loadWindowState, saveWindowState, type Rect } from './window-state';

export interface MainWindowOptions {
  preload: string;
  /** Development: the dev server URL; production: the renderer's index.html. */
  load: { url: string } | { file: string };
  stateFile: string;
}

/** Work areas with the primary display first, as clampWindowState expects. */
function workAreas(): Rect[] {
  const primary = screen.getPrimaryDisplay();
  return [primary.workArea, ...screen.getAllDisplays().filter((d) => d.id !== primary.id).map((d) => d.workArea)];
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const initial = clampWindowState(loadWindowState(options.stateFile), workAreas());
  const window = new BrowserWindow({
    ...(initial.x === undefined || initial.y === undefined ? {} : { x: initial.x, y: initial.y }),
    width: initial.width,
    height: initial.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'DeCE Pilot',
    webPreferences: secureWebPreferences(options.preload),
  });
  if (initial.maximized) window.maximize();

  let shown = false;
  const show = () => {
    if (shown || window.isDestroyed()) return;
    shown = true;
    window.show();
  };
  window.once('ready-to-show', show);
  // A page that fails to load still gets a window (with Chromium's error page) rather than none at all.
  window.webContents.once('did-fail-load', show);

  window.on('close', () => {
    try {
      saveWindowState(options.stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
    } catch (error) {
      console.warn('Could not save the window state', error);
    }
  });

  const loading = 'url' in options.load ? window.loadURL(options.load.url) : window.loadFile(options.load.file);
  loading.catch((error: unknown) => {
    console.error('The window could not load the app', error);
  });
  return window;
}

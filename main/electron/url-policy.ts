import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Which URLs are the app's own, which may leave the app, and what navigation does. Pure (no electron
 * import): session.ts and window.ts apply these decisions to Electron objects.
 */

export interface AppUrlPolicyOptions {
  /** Development: the Vite dev server serving the renderer (MAIN_WINDOW_VITE_DEV_SERVER_URL). */
  devServerUrl?: string | undefined;
  /** Production: the renderer bundle's index.html on disk (inside app.asar once packaged). */
  rendererIndexFile: string;
}

export interface AppUrlPolicy {
  /** What the window loads. */
  readonly entryUrl: string;
  /** True for the app's own pages: same origin as the dev server, or a file inside the renderer bundle. */
  readonly isAppUrl: (url: string) => boolean;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

export function createAppUrlPolicy(options: AppUrlPolicyOptions): AppUrlPolicy {
  const devServerUrl = options.devServerUrl;
  if (devServerUrl !== undefined && devServerUrl !== '') {
    const dev = parse(devServerUrl);
    if (dev === null || (dev.protocol !== 'http:' && dev.protocol !== 'https:')) throw new Error(`Not an http(s) dev server URL: ${devServerUrl}`);
    const origin = dev.origin;
    return {
      entryUrl: dev.href,
      isAppUrl: (url) => parse(url)?.origin === origin,
    };
  }
  const indexFile = path.resolve(options.rendererIndexFile);
  const rendererDir = path.dirname(indexFile);
  return {
    entryUrl: pathToFileURL(indexFile).href,
    isAppUrl: (url) => {
      const parsed = parse(url);
      if (parsed?.protocol !== 'file:' || parsed.host !== '') return false;
      let file: string;
      try {
        file = fileURLToPath(parsed);
      } catch {
        return false;
      }
      return isInside(rendererDir, file);
    },
  };
}

/** Links the app may hand to the system browser: https only, and no credentials in the URL. */
export function isSafeExternalUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && parsed.protocol === 'https:' && parsed.hostname !== '' && parsed.username === '' && parsed.password === '';
}

export type NavigationDecision = 'allow' | 'deny' | 'open-external';

/** `will-navigate` / `will-redirect`: stay on the app's pages; an https link goes to the browser instead. */
export function decideNavigation(url: string, policy: Pick<AppUrlPolicy, 'isAppUrl'>): NavigationDecision {
  if (policy.isAppUrl(url)) return 'allow';
  return isSafeExternalUrl(url) ? 'open-external' : 'deny';
}

/** `setWindowOpenHandler`: the app never opens a second Electron window; an https link goes to the browser. */
export function decideWindowOpen(url: string): Exclude<NavigationDecision, 'allow'> {
  return isSafeExternalUrl(url) ? 'open-external' : 'deny';
}

/**
 * `will-frame-navigate`, which also sees subframes: the main frame is left to `will-navigate` (which may hand
 * an https link to the browser); a subframe may only show the app's own pages and never opens anything.
 */
export function decideFrameNavigation(url: string, isMainFrame: boolean, policy: Pick<AppUrlPolicy, 'isAppUrl'>): 'allow' | 'deny' {
  if (isMainFrame) return 'allow';
  return policy.isAppUrl(url) ? 'allow' : 'deny';
}

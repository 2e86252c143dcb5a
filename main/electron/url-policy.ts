import { APP_ENTRY_URL, isAppSchemeUrl } from './app-protocol';

/**
 * Which URLs are the app's own, which may leave the app, and what navigation does. Pure (no electron
 * import): session.ts and window.ts apply these decisions to Electron objects.
 */

export interface AppUrlPolicyOptions {
  /** Development: the Vite dev server serving the renderer (MAIN_WINDOW_VITE_DEV_SERVER_URL); else app://. */
  devServerUrl?: string | undefined;
}

export interface AppUrlPolicy {
  /** What the window loads. */
  readonly entryUrl: string;
  /** True for the app's own pages: same origin as the dev server, or the app:// scheme (app-protocol.ts). */
  readonly isAppUrl: (url: string) => boolean;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
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
  // Production: the packaged renderer on the app:// scheme. file:// is never the app (its pages may read
  // other local files), so a file:// URL fails isAppUrl like any foreign page.
  return { entryUrl: APP_ENTRY_URL, isAppUrl: isAppSchemeUrl };
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

import type { WebPreferences } from 'electron';
import { withContentSecurityPolicy } from './csp';

/**
 * Window and session hardening as plain functions over structural types (type-only electron import),
 * so tests check them without Electron.
 */

export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
  } as const satisfies WebPreferences;
}

interface HeadersDetails {
  url: string;
  responseHeaders?: Record<string, string[]>;
}

/** The part of Electron's Session that hardenSession touches. */
export interface SessionLike {
  webRequest: {
    onHeadersReceived(listener: (details: HeadersDetails, callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void) => void): void;
  };
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: () => boolean): void;
}

export interface HardenSessionOptions {
  isAppUrl: (url: string) => boolean;
}

/** CSP on the app's pages; every permission request (camera, notifications, clipboard…) refused. */
export function hardenSession(session: SessionLike, options: HardenSessionOptions): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const responseHeaders = withContentSecurityPolicy(details.responseHeaders, details.url, options.isAppUrl);
    callback(responseHeaders === undefined ? {} : { responseHeaders });
  });
  session.setPermissionRequestHandler((_webContents, _permission, callback) => {
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
}

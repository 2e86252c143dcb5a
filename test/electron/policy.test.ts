import { describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY, withContentSecurityPolicy } from '../../main/electron/csp';
import { hardenSession, secureWebPreferences, type SessionLike } from '../../main/electron/security';
import { createAppUrlPolicy, decideFrameNavigation, decideNavigation, decideWindowOpen, isSafeExternalUrl } from '../../main/electron/url-policy';

const prod = createAppUrlPolicy({});
const dev = createAppUrlPolicy({ devServerUrl: 'http://localhost:5173/' });

function directives(policy: string): Map<string, string> {
  return new Map(policy.split(';').map((part) => {
    const [name = '', ...values] = part.trim().split(/\s+/);
    return [name, values.join(' ')] as const;
  }));
}

describe('isSafeExternalUrl', () => {
  it.each(['https://arxiv.org/abs/2407.08956', 'https://example.com', 'HTTPS://EXAMPLE.COM/path?q=1#x'])('lets %s out', (url) => {
    expect(isSafeExternalUrl(url)).toBe(true);
  });

  it.each([
    'http://example.com',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'file:///etc/passwd',
    'data:text/html,hi',
    'ftp://example.com',
    'smb://server/share',
    'mailto:someone@example.com',
    'https://user:secret@example.com',
    'https://',
    '//example.com',
    'example.com',
    'not a url',
    '',
    ' ',
    'https//example.com',
  ])('keeps %j in', (url) => {
    expect(isSafeExternalUrl(url)).toBe(false);
  });
});

describe('createAppUrlPolicy', () => {
  it('in production accepts the app:// scheme only, never file://', () => {
    expect(prod.entryUrl).toBe('app://dece-pilot/index.html');
    expect(prod.isAppUrl(prod.entryUrl)).toBe(true);
    expect(prod.isAppUrl(`${prod.entryUrl}#/projects/3?tab=runs`)).toBe(true);
    expect(prod.isAppUrl('app://dece-pilot/assets/index-abc.js')).toBe(true);
    expect(prod.isAppUrl('APP://DECE-PILOT/index.html')).toBe(true);
    expect(prod.isAppUrl('app://evil/index.html')).toBe(false);
    expect(prod.isAppUrl('app://dece-pilot:8080/index.html')).toBe(false);
    expect(prod.isAppUrl('app://user:pw@dece-pilot/index.html')).toBe(false);
    expect(prod.isAppUrl('file:///opt/dece/resources/app.asar/.vite/renderer/main_window/index.html')).toBe(false);
    expect(prod.isAppUrl('file:///home/user/evil.html')).toBe(false);
    expect(prod.isAppUrl('http://dece-pilot/index.html')).toBe(false);
    expect(prod.isAppUrl('http://localhost:5173/')).toBe(false);
    expect(prod.isAppUrl('garbage')).toBe(false);
  });

  it('in development accepts the dev server origin only', () => {
    expect(dev.entryUrl).toBe('http://localhost:5173/');
    expect(dev.isAppUrl('http://localhost:5173/src/main.tsx')).toBe(true);
    expect(dev.isAppUrl('http://localhost:5174/')).toBe(false);
    expect(dev.isAppUrl('https://localhost:5173/')).toBe(false);
    expect(dev.isAppUrl(prod.entryUrl)).toBe(false);
    expect(() => createAppUrlPolicy({ devServerUrl: 'javascript:alert(1)' })).toThrow(/dev server/);
  });

  it('decides navigation and window.open', () => {
    expect(decideNavigation(`${prod.entryUrl}#/x`, prod)).toBe('allow');
    expect(decideNavigation('https://github.com/', prod)).toBe('open-external');
    expect(decideNavigation('http://github.com/', prod)).toBe('deny');
    expect(decideNavigation('file:///etc/passwd', prod)).toBe('deny');
    expect(decideWindowOpen('https://github.com/')).toBe('open-external');
    expect(decideWindowOpen(prod.entryUrl)).toBe('deny');
    expect(decideWindowOpen('javascript:alert(1)')).toBe('deny');
    // Subframes: the app's pages only, never handed to the browser; the main frame is will-navigate's.
    expect(decideFrameNavigation(`${prod.entryUrl}#/x`, false, prod)).toBe('allow');
    expect(decideFrameNavigation('https://github.com/', false, prod)).toBe('deny');
    expect(decideFrameNavigation('file:///etc/passwd', false, prod)).toBe('deny');
    expect(decideFrameNavigation('https://github.com/', true, prod)).toBe('allow');
  });
});

describe('Content-Security-Policy', () => {
  it('is the strict policy, with script-src self only and no unsafe-eval', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    const parsed = directives(CONTENT_SECURITY_POLICY);
    expect(parsed.get('script-src')).toBe("'self'");
    expect(parsed.get('object-src')).toBe("'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it('replaces any CSP header on app pages and leaves other responses alone', () => {
    const headers = { 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] };
    expect(withContentSecurityPolicy(headers, prod.entryUrl, prod.isAppUrl)).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
    expect(withContentSecurityPolicy(undefined, prod.entryUrl, prod.isAppUrl)).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    expect(withContentSecurityPolicy(headers, 'https://example.com/', prod.isAppUrl)).toBe(headers);
  });
});

describe('hardening', () => {
  it('builds sandboxed, isolated webPreferences', () => {
    expect(secureWebPreferences('/app/.vite/build/preload.cjs')).toMatchObject({
      preload: '/app/.vite/build/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('sets the CSP on app responses and refuses every permission', () => {
    let onHeaders: Parameters<SessionLike['webRequest']['onHeadersReceived']>[0] | undefined;
    let onRequest: Parameters<SessionLike['setPermissionRequestHandler']>[0] | undefined;
    let onCheck: Parameters<SessionLike['setPermissionCheckHandler']>[0] | undefined;
    const session: SessionLike = {
      webRequest: { onHeadersReceived: (listener) => (onHeaders = listener) },
      setPermissionRequestHandler: (handler) => (onRequest = handler),
      setPermissionCheckHandler: (handler) => (onCheck = handler),
    };
    hardenSession(session, { isAppUrl: dev.isAppUrl });

    const callback = vi.fn();
    onHeaders?.({ url: 'http://localhost:5173/', responseHeaders: { 'Content-Type': ['text/html'] } }, callback);
    expect(callback).toHaveBeenCalledWith({ responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    callback.mockClear();
    onHeaders?.({ url: 'https://example.com/' }, callback);
    expect(callback).toHaveBeenCalledWith({});

    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      const granted = vi.fn();
      onRequest?.({}, permission, granted);
      expect(granted).toHaveBeenCalledExactlyOnceWith(false);
    }
    expect(onCheck?.()).toBe(false);
  });
});

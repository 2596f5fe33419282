// The window's security rules in one place, as functions over the few Electron objects they touch
// (passed in, so tests drive them with plain objects): the app:// origin, web preferences, what a
// page may navigate to or open, which IPC senders are trusted, and the permission policy.

import path from 'node:path';
import type { Session, WebContents, WebPreferences } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** The renderer's CSP, also sent as a header with every app:// response. */
export const APP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Maps an app:// URL to a file under `root`; null for other hosts or paths that leave it. */
export function resolveAppFile(url: string, root: string): string | null {
  if (!isAppUrl(url)) return null;
  let p: string;
  try {
    p = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (p.includes('\0')) return null;
  if (p === '/' || p === '') p = '/index.html';
  const abs = path.resolve(root, '.' + path.posix.normalize(p));
  const base = path.resolve(root);
  return abs === base || abs.startsWith(base + path.sep) ? abs : null;
}

export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    sandbox: true,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

export type WebContentsLike = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * No navigation away from the app, no new windows, no <webview>. http(s) links a user clicks go to
 * the system browser instead.
 */
export function hardenContents(contents: WebContentsLike, openExternal: (url: string) => void): void {
  const guard = (e: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url)) return;
    e.preventDefault();
    if (/^https?:\/\//i.test(url)) openExternal(url);
  };
  contents.on('will-navigate', (e, url) => guard(e, url));
  contents.on('will-redirect', (e, url) => guard(e, url));
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//i.test(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/** IPC is answered only for the app's own page (not a frame that navigated elsewhere). */
export function isTrustedSender(frame: { url: string } | null | undefined): boolean {
  return !!frame && isAppUrl(frame.url);
}

export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

// The window's security rules in one place, as functions over the few Electron objects they touch
// (passed in, so tests drive them with plain objects): the app:// origin, web preferences, what a
// page may navigate to or open, which IPC senders are trusted, and the permission policy.

import type { Session, WebContents, WebPreferences } from 'electron';
import { fileInBundle } from '../desktop/bundle';

export const APP_SCHEME = 'app';
const APP_HOST = 'renderer';
const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

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
  const p = new URL(url).pathname;
  const found = fileInBundle(root, p === '/' || p === '' ? '/index.html' : p);
  return found.ok ? found.file : null;
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

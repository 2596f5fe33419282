// The main window: secure preferences, app:// entry, hidden (not destroyed) when closed so the
// app keeps running in the tray, shown again from the tray or a second launch.

import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import { APP_ENTRY, secureWebPreferences } from './security';

export type BrowserWindowCtor = new (o: BrowserWindowConstructorOptions) => BrowserWindow;

export interface WindowOptions {
  preload: string;
  icon?: string;
  /** True once the app is quitting: then a close really closes. */
  isQuitting(): boolean;
  backgroundColor?: string;
}

export function windowOptions(o: WindowOptions): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 560,
    show: false,
    backgroundColor: o.backgroundColor ?? '#f5f6f8',
    ...(o.icon ? { icon: o.icon } : {}),
    webPreferences: secureWebPreferences(o.preload),
  };
}

export function createMainWindow(Ctor: BrowserWindowCtor, o: WindowOptions): BrowserWindow {
  const win = new Ctor(windowOptions(o));
  win.removeMenu();
  win.once('ready-to-show', () => win.show());
  win.on('close', (e) => {
    if (o.isQuitting()) return;
    e.preventDefault();
    win.hide();
  });
  void win.loadURL(APP_ENTRY);
  return win;
}

export function reveal(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

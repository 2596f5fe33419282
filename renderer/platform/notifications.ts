// Where a notice goes as an OS notification: Electron's (through the desktop API) in the app, the
// browser's Notification API in a browser (which asks the user's permission first).

import type { DesktopApi } from '../../engine/api/desktop';
import type { Deliver } from '../store/notifier';

export function desktopDelivery(desktop: DesktopApi): Deliver {
  return async (title, body) => ((await desktop.notify({ title, body })).ok ? 'os' : 'none');
}

export const browserDelivery: Deliver = async (title, body) => {
  if (typeof Notification === 'undefined') return 'none';
  if (Notification.permission !== 'granted') return 'denied';
  try {
    new Notification(title, { body, tag: `npd-${title}` });
    return 'os';
  } catch {
    return 'none';
  }
};

/** 'granted', 'denied', 'default' (not asked yet) or 'unsupported'. */
export function notificationPermission(): string {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks the browser for permission (call from a click); the app needs none. */
export async function requestPermission(): Promise<string> {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission === 'default') return Notification.requestPermission();
  return Notification.permission;
}

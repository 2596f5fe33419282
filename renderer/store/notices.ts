// Notifications: the decisions come from the pure NotifyPolicy (lib/notify.ts); this file feeds it,
// keeps the recent notices for the in-app list, and delivers each one as an OS notification —
// Electron's (through the desktop API) in the app, the browser's Notification API in a browser.

import { create } from 'zustand';
import type { Translate } from '../../shared/i18n';
import { NotifyPolicy, type NoticeDecision } from '../lib/notify';
import { usePrefs } from './prefs';

export interface Notice extends NoticeDecision {
  id: number;
  at: number;
  /** The master's display name. */
  masterName: string;
  title: string;
  body: string;
  /** How it was delivered: 'os' (shown), 'denied' (no permission), 'none' (no API here). */
  delivery: 'os' | 'denied' | 'none' | 'pending';
}

export const NOTICE_CAPACITY = 50;

export const useNotices = create<{ list: Notice[]; unread: number }>(() => ({ list: [], unread: 0 }));

export const policy = new NotifyPolicy({
  muted: (key) => !!usePrefs.getState().muted[key],
  enabled: () => usePrefs.getState().notifications,
});

type Deliver = (title: string, body: string) => Promise<Notice['delivery']>;

let deliver: Deliver = browserDeliver;

/** In the Electron app: notifications go through the main process. */
export function setDelivery(d: Deliver): void {
  deliver = d;
}

async function browserDeliver(title: string, body: string): Promise<Notice['delivery']> {
  if (typeof Notification === 'undefined') return 'none';
  if (Notification.permission !== 'granted') return 'denied';
  try {
    new Notification(title, { body, tag: `npd-${title}` });
    return 'os';
  } catch {
    return 'none';
  }
}

/** Asks the browser for permission (call from a click); the app needs none. */
export async function requestPermission(): Promise<string> {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission === 'default') return Notification.requestPermission();
  return Notification.permission;
}

let seq = 0;

export function textOf(t: Translate, d: NoticeDecision, masterName: string): { title: string; body: string } {
  const where = masterName ? ` · ${masterName}` : '';
  if (d.kind === 'down') {
    const title = d.status === 'error' ? t('notify.errorTitle', { name: d.name }) : t('notify.stoppedTitle', { name: d.name });
    return { title, body: (d.reason || t('notify.noReason')) + where };
  }
  return { title: t('notify.recoveredTitle', { name: d.name }), body: t('notify.recoveredBody') + where };
}

/** Runs the policy's due decisions (once a second). */
export function runNotices(now: number, masterNameOf: (key: string) => string, t: Translate): void {
  const due = policy.tick(now);
  if (due.length === 0) return;
  const made: Notice[] = due.map((d) => {
    const masterName = masterNameOf(d.key);
    return { ...d, id: ++seq, at: now, masterName, ...textOf(t, d, masterName), delivery: 'pending' };
  });
  useNotices.setState((s) => ({ list: [...made.reverse(), ...s.list].slice(0, NOTICE_CAPACITY), unread: s.unread + made.length }));
  for (const n of made) {
    void deliver(n.title, n.body).then((delivery) =>
      useNotices.setState((s) => ({ list: s.list.map((x) => (x.id === n.id ? { ...x, delivery } : x)) })),
    );
  }
}

export function markRead(): void {
  useNotices.setState({ unread: 0 });
}

export function clearNotices(): void {
  useNotices.setState({ list: [], unread: 0 });
}

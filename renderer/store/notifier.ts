// Notifications: the decisions come from the pure NotifyPolicy (lib/notify.ts); the notifier feeds
// it, keeps the recent notices for the in-app list, and hands each one to a delivery (Electron's
// notifications through the desktop API in the app, the browser's Notification API in a browser).

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Translate } from '../../shared/i18n';
import { NotifyPolicy, type NoticeDecision } from '../lib/notify';
import type { PrefsStore } from './prefs';

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

export interface NoticeState {
  list: Notice[];
  unread: number;
}

export type Deliver = (title: string, body: string) => Promise<Notice['delivery']>;

const NOTICE_CAPACITY = 50;

export interface NotifierOptions {
  prefs: PrefsStore;
  deliver: Deliver;
  /** The translator of the language shown now (a notice is written when it is made). */
  translate: () => Translate;
  /** The display name of the master an instance key belongs to. */
  masterNameOf: (key: string) => string;
}

export interface Notifier {
  /** Fed by the app store with every status it sees and every action the user asks for. */
  readonly policy: NotifyPolicy;
  readonly notices: StoreApi<NoticeState>;
  /** Announces the policy's due decisions (once a second). */
  tick(now: number): void;
  markRead(): void;
  clear(): void;
}

function noticeText(t: Translate, d: NoticeDecision, masterName: string): { title: string; body: string } {
  const where = masterName ? ` · ${masterName}` : '';
  if (d.kind === 'down') {
    const title = d.status === 'error' ? t('notify.errorTitle', { name: d.name }) : t('notify.stoppedTitle', { name: d.name });
    return { title, body: (d.reason || t('notify.noReason')) + where };
  }
  return { title: t('notify.recoveredTitle', { name: d.name }), body: t('notify.recoveredBody') + where };
}

export function createNotifier(o: NotifierOptions): Notifier {
  const prefs = o.prefs.state;
  const policy = new NotifyPolicy({
    muted: (key) => !!prefs.getState().muted[key],
    enabled: () => prefs.getState().notifications,
  });
  const notices = createStore<NoticeState>(() => ({ list: [], unread: 0 }));
  let seq = 0;

  return {
    policy,
    notices,
    tick(now) {
      const due = policy.tick(now);
      if (due.length === 0) return;
      const t = o.translate();
      const made: Notice[] = due.map((d) => {
        const masterName = o.masterNameOf(d.key);
        return { ...d, id: ++seq, at: now, masterName, ...noticeText(t, d, masterName), delivery: 'pending' };
      });
      notices.setState((s) => ({ list: [...made.reverse(), ...s.list].slice(0, NOTICE_CAPACITY), unread: s.unread + made.length }));
      for (const n of made) {
        void o.deliver(n.title, n.body).then((delivery) => notices.setState((s) => ({ list: s.list.map((x) => (x.id === n.id ? { ...x, delivery } : x)) })));
      }
    },
    markRead: () => notices.setState({ unread: 0 }),
    clear: () => notices.setState({ list: [], unread: 0 }),
  };
}

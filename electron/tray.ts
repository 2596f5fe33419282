// Keeps the tray in step with the master: its own event subscription, the menu rebuilt only when
// the set of instances or their states change, the tooltip (and macOS title) refreshed with the
// total rate every second, and tray clicks turned into API calls.

import type { NodePassApi, Subscription } from '../engine/api/contract';
import { API_KEY_ID, type Instance } from '../engine/api/types';
import { TrafficBook, TOTAL } from '../shared/traffic';
import { trayMenu, trayTitle, trayTooltip, type TrayAction, type TrayItem, type Translate } from './tray-model';

export interface TraySurface {
  setMenu(items: TrayItem[]): void;
  setToolTip(text: string): void;
  /** macOS shows text next to the icon. */
  setTitle?(text: string): void;
  /** Traffic started or stopped flowing (the icon shows it). */
  setActive?(active: boolean): void;
}

export interface TrayControllerOptions {
  t: Translate;
  formatRate: (bps: number) => string;
  onOpen(): void;
  onNew(): void;
  onQuit(): void;
  intervalMs?: number;
  now?: () => number;
}

export interface TrayController {
  run(action: TrayAction): Promise<void>;
  /** Current snapshot (for tests and the window). */
  instances(): Instance[];
  readonly connected: boolean;
  /** True while traffic flows. */
  readonly active: boolean;
  /** Rebuilds now instead of on the next tick (`force`: even if nothing changed, e.g. the language). */
  refresh(force?: boolean): void;
  close(): void;
}

export function createTrayController(api: NodePassApi, surface: TraySurface, o: TrayControllerOptions): TrayController {
  const now = o.now ?? Date.now;
  const list = new Map<string, Instance>();
  const book = new TrafficBook();
  let connected = false;
  let shape = '';
  let lastTip = '';
  let active = false;

  const put = (i: Instance) => {
    if (i.id === API_KEY_ID) return;
    list.set(i.id, i);
    book.observe(i.id, i, now());
  };

  const refresh = (force = false) => {
    if (force) {
      shape = '';
      lastTip = '';
    }
    const items = [...list.values()];
    // The menu only changes when who is there, what they are called or their state changes.
    const next = `${connected}|` + items.map((i) => `${i.id}:${i.status}:${i.alias}`).sort().join(',');
    if (next !== shape) {
      shape = next;
      surface.setMenu(trayMenu(items, { connected, t: o.t }));
    }
  };

  const tick = () => {
    const total = book.sample(now()).get(TOTAL) ?? { down: 0, up: 0 };
    const nowActive = total.down >= 1 || total.up >= 1;
    if (nowActive !== active) {
      active = nowActive;
      surface.setActive?.(active);
    }
    const tip = trayTooltip(total, o.t, o.formatRate);
    if (tip !== lastTip) {
      lastTip = tip;
      surface.setToolTip(tip);
      surface.setTitle?.(trayTitle(total, o.formatRate));
    }
    refresh();
  };

  const sub: Subscription = api.subscribe(
    (e) => {
      if (e.type === 'shutdown') {
        connected = false;
        return;
      }
      if (!e.instance) return;
      if (e.type === 'delete') {
        list.delete(e.instance.id);
        book.remove(e.instance.id);
      } else if (e.type !== 'log') put(e.instance);
    },
    (c) => {
      connected = c;
      if (c) {
        void api.listInstances().then((r) => {
          if (!r.ok) return;
          const ids = new Set(r.value.map((i) => i.id));
          for (const id of [...list.keys()]) if (!ids.has(id)) list.delete(id);
          for (const i of r.value) put(i);
          refresh();
        });
      }
      refresh();
    },
  );
  const timer = setInterval(tick, o.intervalMs ?? 1000);
  timer.unref?.();
  refresh();

  const act = async (id: string, action: 'start' | 'stop' | 'restart') => {
    const r = await api.updateInstance(id, { action });
    if (r.ok) put(r.value);
  };

  return {
    async run(a) {
      switch (a.kind) {
        case 'open':
          return o.onOpen();
        case 'new':
          return o.onNew();
        case 'quit':
          return o.onQuit();
        case 'start': {
          // The master ignores `start` for an instance in error; restart is what the user means.
          const i = list.get(a.id);
          await act(a.id, i?.status === 'error' ? 'restart' : 'start');
          break;
        }
        case 'stop':
          await act(a.id, 'stop');
          break;
        case 'startAll':
          await Promise.all([...list.values()].filter((i) => i.status === 'stopped').map((i) => act(i.id, 'start')));
          break;
        case 'stopAll':
          await Promise.all([...list.values()].filter((i) => i.status !== 'stopped').map((i) => act(i.id, 'stop')));
          break;
      }
      refresh();
    },
    instances: () => [...list.values()],
    get connected() {
      return connected;
    },
    get active() {
      return active;
    },
    refresh,
    close() {
      clearInterval(timer);
      sub.close();
    },
  };
}

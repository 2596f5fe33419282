// The notifier: statuses from the store's event stream become notices once they have held, in the
// language shown when they are made, named with their master, delivered, and muted ones stay quiet.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Instance, InstanceEvent } from '../../../engine/api/types';
import { testServices, type TestServices } from '../helpers/services';

const inst = (id: string, status: Instance['status'], error?: string): Instance => ({
  id,
  alias: `web-${id}`,
  type: 'client',
  status,
  ...(error ? { error } : {}),
  url: 'client://127.0.0.1:1/127.0.0.1:2',
  config: '',
  restart: true,
  meta: { peer: { sid: '', type: '', alias: '' }, tags: {} },
  mode: 0,
  ping: 0,
  pool: 0,
  tcps: 0,
  udps: 0,
  tcprx: 0,
  tcptx: 0,
  udprx: 0,
  udptx: 0,
});
const ev = (type: InstanceEvent['type'], i: Instance): InstanceEvent => ({ type, time: '', instance: i, logs: '' });

let svc: TestServices;
beforeEach(() => {
  svc = testServices();
  // A master named by the user, as the fleet would have registered it.
  svc.store.state.setState({ masters: { m: { id: 'm', label: 'Tokyo', name: 'Tokyo', url: '', local: false, fingerprint: '', connected: true, info: null, infoAt: 0 } } });
});
afterEach(() => svc.dispose());

describe('notifier', () => {
  it('announces a fall once it has held, in the language shown then, and delivers it', async () => {
    const { store, notifier, prefs } = svc;
    store.receive('m', ev('initial', inst('a', 'running')));
    store.receive('m', ev('update', inst('a', 'error', 'dial tcp: connection refused')));
    const t0 = Date.now();
    svc.tick(t0);
    expect(notifier.notices.getState().list).toEqual([]);
    svc.tick(t0 + 5000);
    expect(notifier.notices.getState()).toMatchObject({ unread: 1, list: [{ kind: 'down', key: 'm/a', title: 'web-a is in error', body: 'dial tcp: connection refused · Tokyo', masterName: 'Tokyo' }] });
    await expect.poll(() => notifier.notices.getState().list[0].delivery).toBe('os');
    expect(svc.delivered).toEqual([{ title: 'web-a is in error', body: 'dial tcp: connection refused · Tokyo' }]);

    prefs.set({ locale: 'zh' });
    store.receive('m', ev('update', inst('a', 'running')));
    svc.tick(t0 + 6000);
    svc.tick(t0 + 11_000);
    expect(notifier.notices.getState().list[0]).toMatchObject({ kind: 'recovered', title: 'web-a 已恢复运行' });
    notifier.markRead();
    expect(notifier.notices.getState().unread).toBe(0);
  });

  it('keeps muted instances and a switched-off setting quiet', () => {
    const { store, notifier, prefs } = svc;
    prefs.toggleMuted('m/a');
    store.receive('m', ev('initial', inst('a', 'running')));
    store.receive('m', ev('initial', inst('b', 'running')));
    store.receive('m', ev('update', inst('a', 'error')));
    const t0 = Date.now();
    svc.tick(t0 + 5000);
    prefs.set({ notifications: false });
    store.receive('m', ev('update', inst('b', 'error')));
    svc.tick(t0 + 6000);
    svc.tick(t0 + 11_000);
    expect(notifier.notices.getState().list).toEqual([]);
    expect(svc.delivered).toEqual([]);
  });
});

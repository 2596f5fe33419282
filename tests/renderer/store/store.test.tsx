// The store under load: 100 instances' events become one store update per batch, a traffic tick
// keeps unchanged rates identical (so their rows do not re-render), and the list touches only the
// DOM of rows whose numbers moved. Each test has its own services.

import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Instance, InstanceEvent } from '../../../engine/api/types';
import { Providers } from '../../../renderer/hooks/services';
import { visibleKeys } from '../../../renderer/store/derived';
import { InstancesView } from '../../../renderer/views/InstancesView';
import { testServices, type TestServices } from '../helpers/services';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function inst(n: number, patch: Partial<Instance> = {}): Instance {
  return {
    id: `id${String(n).padStart(3, '0')}`,
    alias: `tunnel-${String(n).padStart(3, '0')}`,
    type: n % 2 ? 'client' : 'server',
    status: 'running',
    url: `server://:${10000 + n}/127.0.0.1:${20000 + n}`,
    config: '',
    restart: true,
    meta: { peer: { sid: '', type: '', alias: '' }, tags: n % 10 === 0 ? { site: 'berlin' } : {} },
    mode: 1,
    ping: 1,
    pool: 64,
    tcps: 0,
    udps: 0,
    tcprx: 0,
    tcptx: 0,
    udprx: 0,
    udptx: 0,
    ...patch,
  };
}

const ev = (type: InstanceEvent['type'], instance: Instance | null, logs = ''): InstanceEvent => ({ type, time: new Date().toISOString(), instance, logs });

let svc: TestServices;
beforeEach(() => {
  svc = testServices();
});
afterEach(() => svc.dispose());

describe('event batching', () => {
  it('applies 300 events of 100 instances in one store update', () => {
    const { store } = svc;
    let updates = 0;
    const off = store.state.subscribe(() => updates++);
    for (let n = 0; n < 100; n++) store.receive('m', ev('initial', inst(n)));
    for (let n = 0; n < 100; n++) store.receive('m', ev('update', inst(n, { tcprx: 1000 })));
    for (let n = 0; n < 100; n++) store.receive('m', ev('log', inst(n), `2026-01-02 16:37:25.004  \x1b[32mINFO\x1b[0m  line ${n}`));
    store.flushEvents();
    off();
    expect(updates).toBe(1);
    expect(Object.keys(store.state.getState().instances)).toHaveLength(100);
    expect(store.state.getState().instances['m/id007'].tcprx).toBe(1000);
    expect(store.logs.getState().byKey['m/id042']).toEqual([{ seq: expect.any(Number), stamp: '2026-01-02 16:37:25.004', level: 'info', text: 'line 42' }]);
  });

  it('drops the API-key record; a deleted instance takes its selection, rate and logs with it', () => {
    const { store } = svc;
    store.receive('m', ev('initial', inst(1, { id: '********', type: '', status: '' })));
    store.receive('m', ev('create', inst(2)));
    store.receive('m', ev('log', inst(2), 'a line'));
    store.flushEvents();
    store.setSelection(['m/id002']);
    store.tick(Date.now());
    expect(Object.keys(store.state.getState().instances)).toEqual(['m/id002']);
    expect(store.state.getState().rates['m/id002']).toEqual({ down: 0, up: 0 });
    let updates = 0;
    const off = store.state.subscribe(() => updates++);
    store.receive('m', ev('delete', inst(2)));
    store.flushEvents();
    off();
    expect(updates).toBe(1);
    const s = store.state.getState();
    expect([s.instances, s.selected, s.rates['m/id002']]).toEqual([{}, {}, undefined]);
    expect(store.logs.getState().byKey['m/id002']).toBeUndefined();
    expect(store.traffic.has('m/id002')).toBe(false);
    expect(svc.notifier.policy.state('m/id002')).toBeNull();
  });
});

describe('filters', () => {
  it('searches name, address, id, tags and master, and filters by status and type', () => {
    const { store } = svc;
    for (let n = 0; n < 30; n++) store.receive(n < 3 ? 'tokyo' : 'm', ev('initial', inst(n, n === 5 ? { status: 'error' } : {})));
    store.flushEvents();
    const s = () => store.state.getState();
    expect(visibleKeys({ ...s(), query: 'tunnel-01' })).toHaveLength(10);
    expect(visibleKeys({ ...s(), query: '20007' })).toEqual(['m/id007']);
    expect(visibleKeys({ ...s(), query: 'site:berlin' })).toEqual(['tokyo/id000', 'm/id010', 'm/id020']);
    expect(visibleKeys({ ...s(), query: 'master:tok' }, [], (m) => (m === 'tokyo' ? 'Tokyo 1' : 'This computer'))).toEqual(['tokyo/id000', 'tokyo/id001', 'tokyo/id002']);
    expect(visibleKeys({ ...s(), statusFilter: 'error' })).toEqual(['m/id005']);
    expect(visibleKeys({ ...s(), typeFilter: 'client' })).toHaveLength(15);
  });

  it('a dragged row moves to where it was dropped, in the preferences', () => {
    const { store, prefs } = svc;
    for (let n = 0; n < 4; n++) store.receive('m', ev('initial', inst(n)));
    store.flushEvents();
    store.setQuery('tunnel-00');
    store.reorder('m/id003', 'm/id001');
    expect(prefs.state.getState().order).toEqual(['m/id000', 'm/id003', 'm/id001', 'm/id002']);
    expect(visibleKeys(store.state.getState(), prefs.state.getState().order)).toEqual(['m/id000', 'm/id003', 'm/id001', 'm/id002']);
    expect(JSON.parse(svc.storage.getItem('npd.prefs')!).order).toEqual(['m/id000', 'm/id003', 'm/id001', 'm/id002']);
  });
});

describe('100 instances on screen', () => {
  it('a traffic tick changes only the rows whose numbers moved', async () => {
    const { store } = svc;
    const t0 = Date.now();
    for (let n = 0; n < 100; n++) store.receive('m', ev('initial', inst(n)));
    store.flushEvents();
    for (let n = 0; n < 100; n++) store.traffic.observe(`m/${inst(n).id}`, inst(n), t0);
    const host = document.createElement('div');
    document.body.append(host);
    const root = createRoot(host);
    await act(async () =>
      root.render(
        <Providers prefs={svc.prefs} services={svc}>
          <InstancesView theme="light" />
        </Providers>,
      ),
    );
    expect(host.querySelectorAll('[data-testid=instance-row]')).toHaveLength(100);

    // Second one: every instance reports, only id007 moved bytes.
    for (let n = 0; n < 100; n++) store.traffic.observe(`m/${inst(n).id}`, inst(n, n === 7 ? { tcprx: 50_000 } : {}), t0 + 1000);
    await act(async () => store.tick(t0 + 1000));
    const before = store.state.getState().rates;

    const changed = new Set<string>();
    const mo = new MutationObserver((records) => {
      for (const r of records) {
        const row = (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('[data-testid=instance-row]');
        if (row) changed.add(row.getAttribute('data-id')!);
      }
    });
    mo.observe(host.querySelector('tbody')!, { subtree: true, childList: true, characterData: true, attributes: true });
    // Third second: id007 goes quiet again, id042 starts moving.
    for (let n = 0; n < 100; n++) {
      store.traffic.observe(`m/${inst(n).id}`, inst(n, n === 7 ? { tcprx: 50_000 } : n === 42 ? { tcptx: 8192 } : {}), t0 + 2000);
    }
    await act(async () => store.tick(t0 + 2000));
    // Mutation records are delivered as a microtask after the DOM changes; take them now.
    for (const r of mo.takeRecords()) {
      const row = (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('[data-testid=instance-row]');
      if (row) changed.add(row.getAttribute('data-id')!);
    }
    mo.disconnect();
    const after = store.state.getState().rates;
    const same = Object.keys(after).filter((k) => after[k] === before[k]);
    // Rates of the 98 untouched instances are the very same objects: their rows skip rendering.
    expect(same).toHaveLength(98);
    expect([...changed].sort()).toEqual(['id007', 'id042']);
    expect(host.querySelector('[data-id=id042] [data-testid=row-out-rate]')!.textContent).toBe('↑ 8.00 KiB/s');
    await act(async () => root.unmount());
    host.remove();
  });
});

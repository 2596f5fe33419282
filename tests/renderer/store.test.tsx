// The store under load: 100 instances' events become one store update per batch, a traffic tick
// keeps unchanged rates identical (so their rows do not re-render), and the list touches only the
// DOM of rows whose numbers moved.

import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Instance, InstanceEvent } from '../../engine/api/types';
import { flushEvents, receive, sampleTraffic, traffic, useApp, useLogs, visibleKeys } from '../../renderer/store/app';
import { InstancesView } from '../../renderer/views/InstancesView';
import { translator } from '../../shared/i18n';

const { t } = translator('en');

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

function reset() {
  flushEvents();
  for (const k of Object.keys(useApp.getState().instances)) traffic.remove(k);
  useApp.setState({ instances: {}, rates: {}, selected: {}, query: '', statusFilter: 'all', typeFilter: 'all', masters: {} });
  useLogs.setState({ byKey: {} });
}

beforeEach(reset);
afterEach(reset);

describe('event batching', () => {
  it('applies 300 events of 100 instances in one store update', () => {
    let updates = 0;
    const off = useApp.subscribe(() => updates++);
    for (let n = 0; n < 100; n++) receive('m', ev('initial', inst(n)));
    for (let n = 0; n < 100; n++) receive('m', ev('update', inst(n, { tcprx: 1000 })));
    for (let n = 0; n < 100; n++) receive('m', ev('log', inst(n), `2026-01-02 16:37:25.004  \x1b[32mINFO\x1b[0m  line ${n}`));
    flushEvents();
    off();
    expect(updates).toBe(1);
    expect(Object.keys(useApp.getState().instances)).toHaveLength(100);
    expect(useApp.getState().instances['m/id007'].tcprx).toBe(1000);
    expect(useLogs.getState().byKey['m/id042']).toEqual([{ seq: expect.any(Number), stamp: '2026-01-02 16:37:25.004', level: 'info', text: 'line 42' }]);
  });

  it('drops the API-key record, removes deleted instances and their selection', () => {
    receive('m', ev('initial', inst(1, { id: '********', type: '', status: '' })));
    receive('m', ev('create', inst(2)));
    flushEvents();
    useApp.setState({ selected: { 'm/id002': true } });
    expect(Object.keys(useApp.getState().instances)).toEqual(['m/id002']);
    receive('m', ev('delete', inst(2)));
    flushEvents();
    expect(useApp.getState().instances).toEqual({});
    expect(useApp.getState().selected).toEqual({});
  });
});

describe('filters', () => {
  it('searches name, address, id and tags, and filters by status and type', () => {
    for (let n = 0; n < 30; n++) receive('m', ev('initial', inst(n, n === 5 ? { status: 'error' } : {})));
    flushEvents();
    const s = () => useApp.getState();
    expect(visibleKeys({ ...s(), query: 'tunnel-01' }, t)).toHaveLength(10);
    expect(visibleKeys({ ...s(), query: '20007' }, t)).toEqual(['m/id007']);
    expect(visibleKeys({ ...s(), query: 'site:berlin' }, t)).toEqual(['m/id000', 'm/id010', 'm/id020']);
    expect(visibleKeys({ ...s(), statusFilter: 'error' }, t)).toEqual(['m/id005']);
    expect(visibleKeys({ ...s(), typeFilter: 'client' }, t)).toHaveLength(15);
  });
});

describe('100 instances on screen', () => {
  it('a traffic tick changes only the rows whose numbers moved', async () => {
    const t0 = Date.now();
    for (let n = 0; n < 100; n++) receive('m', ev('initial', inst(n)));
    flushEvents();
    for (let n = 0; n < 100; n++) traffic.observe(`m/${inst(n).id}`, inst(n), t0);
    const host = document.createElement('div');
    document.body.append(host);
    const root = createRoot(host);
    await act(async () => root.render(<InstancesView theme="light" />));
    expect(host.querySelectorAll('[data-testid=instance-row]')).toHaveLength(100);

    // Second one: every instance reports, only id007 moved bytes.
    for (let n = 0; n < 100; n++) traffic.observe(`m/${inst(n).id}`, inst(n, n === 7 ? { tcprx: 50_000 } : {}), t0 + 1000);
    await act(async () => sampleTraffic(t0 + 1000));
    const before = useApp.getState().rates;

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
      traffic.observe(`m/${inst(n).id}`, inst(n, n === 7 ? { tcprx: 50_000 } : n === 42 ? { tcptx: 8192 } : {}), t0 + 2000);
    }
    await act(async () => sampleTraffic(t0 + 2000));
    await new Promise((r) => setTimeout(r, 0));
    mo.disconnect();
    const after = useApp.getState().rates;
    const same = Object.keys(after).filter((k) => after[k] === before[k]);
    // Rates of the 98 untouched instances are the very same objects: their rows skip rendering.
    expect(same).toHaveLength(98);
    expect([...changed].sort()).toEqual(['id007', 'id042']);
    expect(host.querySelector('[data-id=id042] [data-testid=row-out-rate]')!.textContent).toBe('↑ 8.00 KiB/s');
    await act(async () => root.unmount());
    host.remove();
  });
});

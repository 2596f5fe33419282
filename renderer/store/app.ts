// The app's state (zustand). Everything is keyed by master so that several masters can be shown
// side by side later: an instance's key is `<master>/<id>`, and each master has its own API client.
// Live events are batched (one store update per 100 ms) and traffic is sampled once a second, so
// 100 busy instances cause a handful of renders per second, not hundreds.

import { create } from 'zustand';
import type { NodePassApi, Subscription } from '../../engine/api/contract';
import { API_KEY_ID, type Instance, type InstanceEvent, type MasterInfo } from '../../engine/api/types';
import { TOTAL, TrafficBook, type Rate } from '../../shared/traffic';
import { parseLogLine, type LogEntry } from '../lib/logline';
import { applyOrder, matchesQuery, parseQuery } from '../lib/search';
import { policy } from './notices';
import type { Translate } from '../../shared/i18n';

export interface MasterState {
  id: string;
  /** What the UI calls it (the user's name for it, else the master's alias, else its address). */
  label: string;
  /** The user's name for it ('' = none). */
  name: string;
  /** The API base (for remote masters; '' when not known). */
  url: string;
  local: boolean;
  fingerprint: string;
  connected: boolean;
  info: MasterInfo | null;
  /** When `info` was fetched (its uptime counts from then). */
  infoAt: number;
}

export interface InstRecord extends Instance {
  master: string;
  key: string;
}

export type StatusFilter = 'all' | 'running' | 'stopped' | 'error';
export type TypeFilter = 'all' | 'server' | 'client';

export interface AppState {
  masters: Record<string, MasterState>;
  instances: Record<string, InstRecord>;
  rates: Record<string, Rate>;
  selected: Record<string, true>;
  query: string;
  statusFilter: StatusFilter;
  typeFilter: TypeFilter;
  /** Actions in flight per instance key (buttons show progress, not double-submit). */
  busy: Record<string, string>;
  toasts: Toast[];
}

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  /** A function when the text is ours: it is rendered in whatever language is current, so a
   *  toast raised just before the user switches language does not stay in the old one. */
  text: string | ((t: Translate) => string);
}

export const useApp = create<AppState>(() => ({
  masters: {},
  instances: {},
  rates: {},
  selected: {},
  query: '',
  statusFilter: 'all',
  typeFilter: 'all',
  busy: {},
  toasts: [],
}));

export const keyOf = (master: string, id: string) => `${master}/${id}`;

// ---- per-master clients -------------------------------------------------------------------------

const apis = new Map<string, NodePassApi>();
const subs = new Map<string, Subscription>();
const timers = new Map<string, ReturnType<typeof setInterval>>();

export function apiOf(master: string): NodePassApi {
  const a = apis.get(master);
  if (!a) throw new Error(`no API client for master ${master}`);
  return a;
}

// ---- traffic -----------------------------------------------------------------------------------

export const traffic = new TrafficBook();
const tickListeners = new Set<() => void>();

/** Charts redraw on this (once a second, after the sample). */
export function onTick(cb: () => void): () => void {
  tickListeners.add(cb);
  return () => tickListeners.delete(cb);
}

export function sampleTraffic(now = Date.now()): void {
  // Stats that arrived since the last tick go in with this sample: one render for both.
  flushEvents();
  const sampled = traffic.sample(now);
  const prev = useApp.getState().rates;
  const rates: Record<string, Rate> = {};
  let changed = false;
  for (const [k, r] of sampled) {
    const p = prev[k];
    // Keep the old object when nothing moved, so rows that select it do not re-render.
    if (p && p.down === r.down && p.up === r.up) rates[k] = p;
    else {
      rates[k] = r;
      changed = true;
    }
  }
  if (changed || Object.keys(prev).length !== sampled.size) useApp.setState({ rates });
  for (const cb of tickListeners) cb();
}

// ---- logs --------------------------------------------------------------------------------------

export const LOG_CAPACITY = 2000;

export const useLogs = create<{ byKey: Record<string, LogEntry[]> }>(() => ({ byKey: {} }));
let logSeq = 0;

export function clearLogs(key: string): void {
  useLogs.setState((s) => ({ byKey: { ...s.byKey, [key]: [] } }));
}

// ---- events ------------------------------------------------------------------------------------

interface Queued {
  master: string;
  e: InstanceEvent;
  at: number;
}

let queue: Queued[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;

/** Takes one live event of a master; applied with the others of the next 100 ms. */
export function receive(master: string, e: InstanceEvent): void {
  queue.push({ master, e, at: Date.now() });
  // Numbers-only updates (a running instance's stats, about once a second each) wait for the
  // traffic tick, so 100 instances cost one render a second; anything a user acts on or reads
  // (state changes, new or deleted instances, log lines) shows within a frame or two.
  if (flushTimer === null && !statsOnly(master, e)) flushTimer = setTimeout(flushEvents, 50);
}

function statsOnly(master: string, e: InstanceEvent): boolean {
  if (e.type !== 'update' || !e.instance) return false;
  const cur = useApp.getState().instances[keyOf(master, e.instance.id)];
  const i = e.instance;
  return (
    !!cur &&
    cur.status === i.status &&
    cur.alias === i.alias &&
    cur.url === i.url &&
    cur.restart === i.restart &&
    (cur.error ?? '') === (i.error ?? '') &&
    JSON.stringify(cur.meta) === JSON.stringify(i.meta)
  );
}

/** Applies every queued event in one store update (exported for tests). */
export function flushEvents(): void {
  if (flushTimer !== null) clearTimeout(flushTimer);
  flushTimer = null;
  const batch = queue;
  queue = [];
  if (batch.length === 0) return;
  const s = useApp.getState();
  let instances = s.instances;
  let selected = s.selected;
  const logs: Record<string, LogEntry[]> = {};
  const mutable = () => {
    if (instances === s.instances) instances = { ...s.instances };
    return instances;
  };
  for (const { master, e, at } of batch) {
    const inst = e.instance;
    if (e.type === 'shutdown') {
      setConnected(master, false);
      continue;
    }
    if (!inst || inst.id === API_KEY_ID) continue;
    const key = keyOf(master, inst.id);
    switch (e.type) {
      case 'initial':
      case 'create':
      case 'update':
        mutable()[key] = { ...inst, master, key };
        traffic.observe(key, inst, at);
        policy.observe(key, { status: inst.status, name: displayName(inst), error: inst.error }, at);
        break;
      case 'delete':
        delete mutable()[key];
        traffic.remove(key);
        policy.forget(key);
        if (selected[key]) {
          selected = { ...selected };
          delete selected[key];
        }
        break;
      case 'log':
        (logs[key] ??= []).push(parseLogLine(e.logs, ++logSeq));
        break;
    }
  }
  if (instances !== s.instances || selected !== s.selected) useApp.setState({ instances, selected });
  if (Object.keys(logs).length > 0) {
    useLogs.setState((ls) => {
      const byKey = { ...ls.byKey };
      for (const [k, add] of Object.entries(logs)) {
        const merged = (byKey[k] ?? []).concat(add);
        byKey[k] = merged.length > LOG_CAPACITY ? merged.slice(merged.length - LOG_CAPACITY) : merged;
      }
      return { byKey };
    });
  }
}

function setConnected(master: string, connected: boolean): void {
  const m = useApp.getState().masters[master];
  if (!m || m.connected === connected) return;
  useApp.setState((s) => ({ masters: { ...s.masters, [master]: { ...m, connected } } }));
}

/** The whole list, from a fresh GET: drops what was deleted while the stream was down. */
async function reconcile(master: string): Promise<void> {
  const r = await apiOf(master).listInstances();
  if (!r.ok) return;
  const now = Date.now();
  const fresh: Record<string, InstRecord> = {};
  for (const i of r.value) {
    if (i.id === API_KEY_ID) continue;
    const key = keyOf(master, i.id);
    fresh[key] = { ...i, master, key };
    traffic.observe(key, i, now);
    policy.observe(key, { status: i.status, name: displayName(i), error: i.error }, now);
  }
  useApp.setState((s) => {
    const instances: Record<string, InstRecord> = {};
    for (const [k, v] of Object.entries(s.instances)) if (v.master !== master) instances[k] = v;
    for (const k of Object.keys(s.instances)) if (!fresh[k] && s.instances[k].master === master) traffic.remove(k);
    return { instances: { ...instances, ...fresh } };
  });
}

async function refreshInfo(master: string): Promise<void> {
  const r = await apiOf(master).getInfo();
  if (!r.ok) return;
  const info = r.value;
  useApp.setState((s) => {
    const m = s.masters[master];
    if (!m) return {};
    return { masters: { ...s.masters, [master]: { ...m, info, infoAt: Date.now(), label: labelOf(m, info) } } };
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** '' for the local master without a name of its own: labelFor() shows it in the current language. */
function labelOf(m: Pick<MasterState, 'name' | 'local' | 'label' | 'url'>, info: MasterInfo | null): string {
  if (m.name) return m.name;
  if (info?.alias) return info.alias;
  return m.local ? '' : hostOf(m.url) || m.label;
}

/** What the UI calls a master, in the current language for the local one. */
export function labelFor(t: Translate, m: Pick<MasterState, 'label'> | undefined, fallback = ''): string {
  if (!m) return fallback;
  return m.label || t('master.local');
}

export interface MasterOptions {
  name?: string;
  url?: string;
  local?: boolean;
  fingerprint?: string;
}

/** Registers a master and starts its live event stream. */
export function addMaster(id: string, label: string, api: NodePassApi, o: MasterOptions = {}): void {
  removeMaster(id);
  apis.set(id, api);
  const base = { id, name: o.name ?? '', url: o.url ?? '', local: o.local ?? id === 'local', fingerprint: o.fingerprint ?? '', label };
  useApp.setState((s) => ({ masters: { ...s.masters, [id]: { ...base, label: labelOf(base, null), connected: false, info: null, infoAt: 0 } } }));
  const sub = api.subscribe(
    (e) => receive(id, e),
    (connected) => {
      setConnected(id, connected);
      if (connected) {
        void reconcile(id);
        void refreshInfo(id);
      }
    },
  );
  subs.set(id, sub);
  // Master facts (alias, version, load) change slowly: a look every half minute is enough.
  const timer = setInterval(() => {
    if (useApp.getState().masters[id]?.connected) void refreshInfo(id);
  }, 30_000);
  timers.set(id, timer);
}

/** The user renamed a master (no reconnect needed). */
export function renameMaster(id: string, name: string): void {
  useApp.setState((s) => {
    const m = s.masters[id];
    if (!m) return {};
    const next = { ...m, name };
    return { masters: { ...s.masters, [id]: { ...next, label: labelOf(next, m.info) } } };
  });
}

export function removeMaster(id: string): void {
  subs.get(id)?.close();
  subs.delete(id);
  clearInterval(timers.get(id));
  timers.delete(id);
  apis.delete(id);
  useApp.setState((s) => {
    if (!s.masters[id]) return {};
    const masters = { ...s.masters };
    delete masters[id];
    const instances: Record<string, InstRecord> = {};
    for (const [k, v] of Object.entries(s.instances)) if (v.master !== id) instances[k] = v;
    return { masters, instances };
  });
}

// ---- actions -----------------------------------------------------------------------------------

let toastSeq = 0;

export function toast(kind: Toast['kind'], text: Toast['text'], ms = 6000): void {
  const t: Toast = { id: ++toastSeq, kind, text };
  useApp.setState((s) => ({ toasts: [...s.toasts.slice(-4), t] }));
  setTimeout(() => useApp.setState((s) => ({ toasts: s.toasts.filter((x) => x.id !== t.id) })), ms);
}

export function dismissToast(id: number): void {
  useApp.setState((s) => ({ toasts: s.toasts.filter((x) => x.id !== id) }));
}

function setBusy(key: string, what: string | null): void {
  useApp.setState((s) => {
    const busy = { ...s.busy };
    if (what === null) delete busy[key];
    else busy[key] = what;
    return { busy };
  });
}

/** Applies a returned record at once, without waiting for the event stream. */
export function applyInstance(master: string, inst: Instance): void {
  const key = keyOf(master, inst.id);
  traffic.observe(key, inst, Date.now());
  useApp.setState((s) => ({ instances: { ...s.instances, [key]: { ...inst, master, key } } }));
}

export type Action = 'start' | 'stop' | 'restart' | 'reset' | 'delete';

/** Runs one action on one instance; errors become toasts with the master's message. */
export async function act(key: string, action: Action, describe: (t: Translate, error: string) => string): Promise<boolean> {
  const inst = useApp.getState().instances[key];
  if (!inst) return false;
  policy.expect(key, action, Date.now());
  setBusy(key, action);
  try {
    const api = apiOf(inst.master);
    if (action === 'delete') {
      const r = await api.deleteInstance(inst.id);
      if (!r.ok) {
        toast('error', (t) => describe(t, r.error));
        return false;
      }
      useApp.setState((s) => {
        const instances = { ...s.instances };
        delete instances[key];
        const selected = { ...s.selected };
        delete selected[key];
        return { instances, selected };
      });
      traffic.remove(key);
      return true;
    }
    const r = await api.updateInstance(inst.id, { action });
    if (!r.ok) {
      toast('error', (t) => describe(t, r.error));
      return false;
    }
    applyInstance(inst.master, r.value);
    return true;
  } finally {
    setBusy(key, null);
  }
}

export function toggleSelected(key: string, on?: boolean): void {
  useApp.setState((s) => {
    const selected = { ...s.selected };
    if (on ?? !selected[key]) selected[key] = true;
    else delete selected[key];
    return { selected };
  });
}

export function setSelection(keys: string[]): void {
  const selected: Record<string, true> = {};
  for (const k of keys) selected[k] = true;
  useApp.setState({ selected });
}

// ---- derived -----------------------------------------------------------------------------------

export function displayName(i: Pick<Instance, 'alias' | 'id'>): string {
  return i.alias || i.id;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * The instance list after search and filters: in the user's order (drag to reorder) where there
 * is one, else by name, then ID.
 */
export function visibleKeys(
  s: Pick<AppState, 'instances' | 'query' | 'statusFilter' | 'typeFilter'> & Partial<Pick<AppState, 'masters'>>,
  t: Translate,
  order: readonly string[] = [],
): string[] {
  const terms = parseQuery(s.query.trim());
  const masters = s.masters ?? {};
  const list = Object.values(s.instances)
    .filter((i) => s.statusFilter === 'all' || i.status === s.statusFilter)
    .filter((i) => s.typeFilter === 'all' || i.type === s.typeFilter)
    .filter((i) => terms.length === 0 || matchesQuery({ ...i, masterName: labelFor(t, masters[i.master], i.master) }, terms));
  const byKey = new Map(list.map((i) => [i.key, i]));
  const byName = (a: string, b: string) => {
    const x = byKey.get(a)!;
    const y = byKey.get(b)!;
    return collator.compare(displayName(x), displayName(y)) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  };
  return applyOrder([...byKey.keys()], order, byName);
}

export { TOTAL };

// The desktop API's implementation (pure Node; the Electron main process serves it over IPC,
// headless mode over HTTP): the fleet of masters with their keys, persisted in `desktop.json` next
// to the master's state (mode 0600: it holds API keys), one NodePassApi per master, and the
// settings that live outside the page.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiResult, NodePassApi } from '../engine/api/contract';
import {
  checkApiAccess,
  DEFAULT_API_ACCESS,
  LOCAL_MASTER,
  UNTRUSTED_CERT,
  type AddMasterRequest,
  type ApiAccess,
  type AppSettings,
  type DesktopApi,
  type DesktopNotification,
  type MasterEntry,
  type SettingsPatch,
  type UpdateMasterRequest,
} from '../engine/api/desktop';
import { HttpApi } from '../engine/api/http-client';
import { normaliseApiBase } from '../engine/api/np-link';
import type { MasterInfo } from '../engine/api/types';
import { isCertificateError, peerCertificate, remoteFetch, sameFingerprint } from './remote';

export const DESKTOP_FILE = 'desktop.json';

interface StoredMaster {
  id: string;
  name: string;
  url: string;
  key: string;
  fingerprint: string;
}

interface Stored {
  format: 'nodepass-desktop-fleet';
  version: 1;
  masters: StoredMaster[];
  apiAccess: ApiAccess;
  locale: string;
}

export interface DesktopServiceOptions {
  /** Where the fleet and settings are kept (`<data dir>/desktop.json`). */
  file: string;
  /** The local master as it runs now. */
  local: () => { url: string; key: string; fingerprint?: string };
  /** The API access the local master was started with (to tell whether a restart is pending). */
  appliedApiAccess: ApiAccess;
  /** Login items (Electron's setLoginItemSettings); absent where there are none. */
  autostart?: { get(): boolean; set(on: boolean): void };
  notify?: (n: DesktopNotification) => void;
  onLocale?: (locale: string) => void;
  /** A master was removed or its address/key changed: live streams of it must be reopened. */
  onMasterChanged?: (id: string) => void;
  /** Per-request timeout towards masters (ms). */
  timeoutMs?: number;
}

const fail = <T>(status: number, error: string): ApiResult<T> => ({ ok: false, status, error });

export function readStored(file: string): Stored {
  const empty: Stored = { format: 'nodepass-desktop-fleet', version: 1, masters: [], apiAccess: { ...DEFAULT_API_ACCESS }, locale: '' };
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    return empty;
  }
  const j = JSON.parse(raw) as Partial<Stored>;
  if (j.format !== 'nodepass-desktop-fleet') throw new Error(`${file}: not a NodePass Desktop fleet file`);
  const masters = (Array.isArray(j.masters) ? j.masters : []).filter(
    (m): m is StoredMaster => !!m && typeof m.id === 'string' && typeof m.url === 'string' && typeof m.key === 'string',
  );
  const apiAccess = { ...DEFAULT_API_ACCESS, ...(j.apiAccess ?? {}) };
  return {
    ...empty,
    masters: masters.map((m) => ({ id: m.id, name: String(m.name ?? ''), url: m.url, key: m.key, fingerprint: String(m.fingerprint ?? '') })),
    apiAccess: checkApiAccess(apiAccess) === null ? apiAccess : { ...DEFAULT_API_ACCESS },
    locale: typeof j.locale === 'string' ? j.locale : '',
  };
}

export class DesktopService implements DesktopApi {
  private state: Stored;
  private readonly apis = new Map<string, HttpApi>();
  private localApi: HttpApi | null = null;
  private localKeyOf = '';

  constructor(private readonly o: DesktopServiceOptions) {
    this.state = readStored(o.file);
  }

  get locale(): string {
    return this.state.locale;
  }

  get apiAccess(): ApiAccess {
    return this.state.apiAccess;
  }

  private save(): void {
    mkdirSync(path.dirname(this.o.file), { recursive: true });
    const tmp = `${this.o.file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.o.file);
  }

  private entry(m: StoredMaster): MasterEntry {
    return { id: m.id, name: m.name, url: m.url, fingerprint: m.fingerprint, local: false };
  }

  private localEntry(): MasterEntry {
    return { id: LOCAL_MASTER, name: '', url: this.o.local().url, fingerprint: '', local: true };
  }

  /** Where a master's API is and how to reach it (the headless proxy uses this). */
  targetOf(id: string): { base: string; key: string; fingerprint: string } | null {
    if (id === LOCAL_MASTER) {
      const l = this.o.local();
      return { base: l.url, key: l.key, fingerprint: l.fingerprint ?? '' };
    }
    const m = this.state.masters.find((x) => x.id === id);
    return m ? { base: m.url, key: m.key, fingerprint: m.fingerprint } : null;
  }

  /** The NodePassApi of one master (one client per master, made on first use). */
  apiOf(id: string): NodePassApi | null {
    if (id === LOCAL_MASTER) {
      const l = this.o.local();
      if (!this.localApi || this.localKeyOf !== `${l.url}\n${l.key}`) {
        this.localApi = new HttpApi({ baseUrl: l.url, apiKey: l.key, timeoutMs: this.o.timeoutMs, fetch: l.fingerprint ? remoteFetch(l.fingerprint) : undefined });
        this.localKeyOf = `${l.url}\n${l.key}`;
      }
      return this.localApi;
    }
    const m = this.state.masters.find((x) => x.id === id);
    if (!m) return null;
    let a = this.apis.get(id);
    if (!a) {
      a = new HttpApi({ baseUrl: m.url, apiKey: m.key, fetch: remoteFetch(m.fingerprint), timeoutMs: this.o.timeoutMs ?? 10_000 });
      this.apis.set(id, a);
    }
    return a;
  }

  /** Asks the master who it is with this key; explains what is wrong when it cannot. */
  private async probe(url: string, key: string, fingerprint: string): Promise<ApiResult<MasterInfo>> {
    const f = remoteFetch(fingerprint);
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.o.timeoutMs ?? 10_000);
    try {
      const r = await f(`${url}/info`, { headers: { 'X-API-Key': key }, signal: ctl.signal });
      const text = await r.text();
      if (r.status === 401) return fail(401, `${url}: the master refused the API key`);
      if (!r.ok) return fail(r.status, `${url}: no NodePass master API here (HTTP ${r.status})`);
      let info: MasterInfo;
      try {
        info = JSON.parse(text) as MasterInfo;
      } catch {
        return fail(502, `${url}: the answer is not a NodePass master's (not JSON)`);
      }
      if (typeof info?.ver !== 'string') return fail(502, `${url}: the answer is not a NodePass master's (no version)`);
      return { ok: true, value: info };
    } catch (e) {
      if (isCertificateError(e)) {
        try {
          const c = await peerCertificate(new URL(url));
          return fail(UNTRUSTED_CERT, `${url}: the certificate is not signed by a trusted authority (SHA-256 ${c.fingerprint256}); trust it only if it is the master's`);
        } catch (e2) {
          return fail(502, `${url}: ${(e2 as Error).message}`);
        }
      }
      const err = e as Error & { code?: string };
      if (err.name === 'AbortError') return fail(504, `${url}: no answer within ${(this.o.timeoutMs ?? 10_000) / 1000} s`);
      return fail(502, `${url}: ${err.code ? `${err.code} ` : ''}${err.message}`.trim());
    } finally {
      clearTimeout(timer);
    }
  }

  async listMasters(): Promise<ApiResult<MasterEntry[]>> {
    return { ok: true, value: [this.localEntry(), ...this.state.masters.map((m) => this.entry(m))] };
  }

  async addMaster(req: AddMasterRequest): Promise<ApiResult<MasterEntry>> {
    const base = normaliseApiBase(req.url ?? '');
    if (!base.ok) return fail(400, `url: ${base.error}`);
    const key = (req.key ?? '').trim();
    if (!key) return fail(400, 'key: the master’s API key is required');
    if ((req.name ?? '').length > 256) return fail(400, 'name: at most 256 characters');
    const twin = this.state.masters.find((m) => m.url === base.value);
    if (twin || base.value === this.o.local().url) return fail(409, `url: ${base.value} is already in the fleet${twin?.name ? ` as "${twin.name}"` : ''}`);
    const fingerprint = (req.fingerprint ?? '').trim();
    const info = await this.probe(base.value, key, fingerprint);
    if (!info.ok) return info;
    const m: StoredMaster = { id: randomBytes(4).toString('hex'), name: (req.name ?? '').trim(), url: base.value, key, fingerprint };
    this.state.masters.push(m);
    this.save();
    return { ok: true, value: this.entry(m) };
  }

  async updateMaster(id: string, req: UpdateMasterRequest): Promise<ApiResult<MasterEntry>> {
    if (id === LOCAL_MASTER) return fail(403, 'the local master is managed by the app');
    const m = this.state.masters.find((x) => x.id === id);
    if (!m) return fail(404, `no master "${id}"`);
    const next = { ...m };
    if (req.name !== undefined) {
      if (req.name.length > 256) return fail(400, 'name: at most 256 characters');
      next.name = req.name.trim();
    }
    if (req.url !== undefined) {
      const base = normaliseApiBase(req.url);
      if (!base.ok) return fail(400, `url: ${base.error}`);
      next.url = base.value;
    }
    if (req.key !== undefined) next.key = req.key.trim();
    if (req.fingerprint !== undefined) next.fingerprint = req.fingerprint.trim();
    const reach = next.url !== m.url || next.key !== m.key || !sameFingerprint(next.fingerprint, m.fingerprint);
    if (reach) {
      const info = await this.probe(next.url, next.key, next.fingerprint);
      if (!info.ok) return info;
    }
    Object.assign(m, next);
    this.save();
    if (reach) {
      this.apis.delete(id);
      this.o.onMasterChanged?.(id);
    }
    return { ok: true, value: this.entry(m) };
  }

  async removeMaster(id: string): Promise<ApiResult<null>> {
    if (id === LOCAL_MASTER) return fail(403, 'the local master cannot be removed');
    const before = this.state.masters.length;
    this.state.masters = this.state.masters.filter((m) => m.id !== id);
    if (this.state.masters.length === before) return fail(404, `no master "${id}"`);
    this.save();
    this.apis.delete(id);
    this.o.onMasterChanged?.(id);
    return { ok: true, value: null };
  }

  private settings(): AppSettings {
    const a = this.state.apiAccess;
    const b = this.o.appliedApiAccess;
    const pending = a.mode !== b.mode || a.port !== b.port || a.tls !== b.tls || a.crt !== b.crt || a.key !== b.key;
    return { autostart: this.o.autostart ? this.o.autostart.get() : null, apiAccess: { ...a }, localApi: this.o.local().url, pendingRestart: pending, locale: this.state.locale };
  }

  async getSettings(): Promise<ApiResult<AppSettings>> {
    return { ok: true, value: this.settings() };
  }

  async setSettings(patch: SettingsPatch): Promise<ApiResult<AppSettings>> {
    if (patch.autostart !== undefined) {
      if (typeof patch.autostart !== 'boolean') return fail(400, 'autostart: expected true or false');
      if (!this.o.autostart) return fail(501, 'autostart: only the desktop app can start at login');
    }
    let access = this.state.apiAccess;
    if (patch.apiAccess !== undefined) {
      access = { ...access, ...patch.apiAccess };
      const bad = checkApiAccess(access);
      if (bad) return fail(400, bad);
    }
    if (patch.locale !== undefined && (typeof patch.locale !== 'string' || patch.locale.length > 16)) return fail(400, 'locale: expected a language tag');
    // Everything checked: now apply.
    if (patch.autostart !== undefined) this.o.autostart!.set(patch.autostart);
    this.state.apiAccess = access;
    if (patch.locale !== undefined && patch.locale !== this.state.locale) {
      this.state.locale = patch.locale;
      this.o.onLocale?.(patch.locale);
    }
    this.save();
    return { ok: true, value: this.settings() };
  }

  async notify(n: DesktopNotification): Promise<ApiResult<null>> {
    if (!this.o.notify) return fail(501, 'notify: no OS notifications here; the page uses the browser’s');
    this.o.notify({ title: n.title.slice(0, 200), body: n.body.slice(0, 1000) });
    return { ok: true, value: null };
  }
}

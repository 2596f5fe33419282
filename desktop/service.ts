// The desktop API's implementation (the Electron main process serves it over IPC, headless mode
// over HTTP): the fleet of masters with their keys (kept in desktop.json, fleet-file.ts), one
// NodePassApi per master, and the settings that live outside the page. Every request is checked
// against the desktop API's schemas first, whoever sends it, and fully before anything changes.

import { randomBytes } from 'node:crypto';
import type { ApiResult, NodePassApi } from '../engine/api/contract';
import { checkApiAccess, LOCAL_MASTER, UNTRUSTED_CERT, type ApiAccess, type AppSettings, type DesktopApi, type DesktopNotification, type MasterEntry } from '../engine/api/desktop';
import { AddMasterRequestSchema, DesktopNotificationSchema, SettingsPatchSchema, UpdateMasterRequestSchema } from '../engine/api/desktop-schemas';
import { HttpApi } from '../engine/api/http-client';
import { normaliseApiBase } from '../engine/api/np-link';
import { fetchText } from '../engine/api/request';
import { parseValue } from '../engine/api/schemas';
import type { MasterInfo } from '../engine/api/types';
import { readFleetFile, writeFleetFile, type FleetFile, type StoredMaster } from './fleet-file';
import { isCertificateError, peerCertificate, remoteFetch, sameFingerprint } from './remote';

/** How long a master has to answer when it is added or changed, and per request afterwards. */
const TIMEOUT_MS = 10_000;

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

export class DesktopService implements DesktopApi {
  private state: FleetFile;
  private readonly apis = new Map<string, HttpApi>();
  private localApi: HttpApi | null = null;
  private localKeyOf = '';

  constructor(private readonly o: DesktopServiceOptions) {
    this.state = readFleetFile(o.file);
  }

  private save(): void {
    writeFleetFile(this.o.file, this.state);
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
      a = new HttpApi({ baseUrl: m.url, apiKey: m.key, fetch: remoteFetch(m.fingerprint), timeoutMs: this.timeoutMs });
      this.apis.set(id, a);
    }
    return a;
  }

  private get timeoutMs(): number {
    return this.o.timeoutMs ?? TIMEOUT_MS;
  }

  /** Asks the master who it is with this key; explains what is wrong when it cannot. */
  private async probe(url: string, key: string, fingerprint: string): Promise<ApiResult<MasterInfo>> {
    const r = await fetchText(remoteFetch(fingerprint), `${url}/info`, { method: 'GET', headers: { 'X-API-Key': key }, timeoutMs: this.timeoutMs });
    if (!r.ok) {
      if (isCertificateError(r.error)) {
        try {
          const c = await peerCertificate(new URL(url));
          return fail(UNTRUSTED_CERT, `${url}: the certificate is not signed by a trusted authority (SHA-256 ${c.fingerprint256}); trust it only if it is the master's`);
        } catch (e) {
          return fail(502, `${url}: ${(e as Error).message}`);
        }
      }
      if (r.timedOut) return fail(504, `${url}: no answer within ${this.timeoutMs / 1000} s`);
      const err = r.error as Error & { code?: string };
      return fail(502, `${url}: ${err.code ? `${err.code} ` : ''}${err.message}`.trim());
    }
    if (r.response.status === 401) return fail(401, `${url}: the master refused the API key`);
    if (!r.response.ok) return fail(r.response.status, `${url}: no NodePass master API here (HTTP ${r.response.status})`);
    let info: MasterInfo;
    try {
      info = JSON.parse(r.text) as MasterInfo;
    } catch {
      return fail(502, `${url}: the answer is not a NodePass master's (not JSON)`);
    }
    if (typeof info?.ver !== 'string') return fail(502, `${url}: the answer is not a NodePass master's (no version)`);
    return { ok: true, value: info };
  }

  async listMasters(): Promise<ApiResult<MasterEntry[]>> {
    return { ok: true, value: [this.localEntry(), ...this.state.masters.map((m) => this.entry(m))] };
  }

  async addMaster(request: unknown): Promise<ApiResult<MasterEntry>> {
    const p = parseValue(AddMasterRequestSchema, request);
    if (!p.ok) return fail(400, p.error);
    const req = p.value;
    const base = normaliseApiBase(req.url);
    if (!base.ok) return fail(400, `url: ${base.error}`);
    const twin = this.state.masters.find((m) => m.url === base.value);
    if (twin || base.value === this.o.local().url) return fail(409, `url: ${base.value} is already in the fleet${twin?.name ? ` as "${twin.name}"` : ''}`);
    const fingerprint = req.fingerprint ?? '';
    const info = await this.probe(base.value, req.key, fingerprint);
    if (!info.ok) return info;
    const m: StoredMaster = { id: randomBytes(4).toString('hex'), name: (req.name ?? '').trim(), url: base.value, key: req.key, fingerprint };
    this.state.masters.push(m);
    this.save();
    return { ok: true, value: this.entry(m) };
  }

  async updateMaster(id: string, update: unknown): Promise<ApiResult<MasterEntry>> {
    if (id === LOCAL_MASTER) return fail(403, 'the local master is managed by the app');
    const m = this.state.masters.find((x) => x.id === id);
    if (!m) return fail(404, `no master "${id}"`);
    const p = parseValue(UpdateMasterRequestSchema, update);
    if (!p.ok) return fail(400, p.error);
    const req = p.value;
    const next = { ...m };
    if (req.name !== undefined) next.name = req.name.trim();
    if (req.url !== undefined) {
      const base = normaliseApiBase(req.url);
      if (!base.ok) return fail(400, `url: ${base.error}`);
      next.url = base.value;
    }
    if (req.key !== undefined) next.key = req.key;
    if (req.fingerprint !== undefined) next.fingerprint = req.fingerprint;
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

  async setSettings(request: unknown): Promise<ApiResult<AppSettings>> {
    const p = parseValue(SettingsPatchSchema, request);
    if (!p.ok) return fail(400, p.error);
    const patch = p.value;
    if (patch.autostart !== undefined && !this.o.autostart) return fail(501, 'autostart: only the desktop app can start at login');
    let access = this.state.apiAccess;
    if (patch.apiAccess !== undefined) {
      access = { ...access, ...patch.apiAccess };
      const bad = checkApiAccess(access);
      if (bad) return fail(400, bad);
    }
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

  async notify(notification: unknown): Promise<ApiResult<null>> {
    if (!this.o.notify) return fail(501, 'notify: no OS notifications here; the page uses the browser’s');
    const p = parseValue(DesktopNotificationSchema, notification);
    if (!p.ok) return fail(400, p.error);
    const n = p.value;
    this.o.notify({ title: n.title.slice(0, 200), body: n.body.slice(0, 1000) });
    return { ok: true, value: null };
  }
}

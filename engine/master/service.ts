// The master's operations (spec §9.6) behind the NodePassApi contract: the HTTP routes call these,
// and so can a program that embeds the master. Every request body is validated completely before
// anything changes (no partial updates, unlike NodePass §10.2 #10), and a change is on disk before
// it is acknowledged.

import type { ApiResult, NodePassApi, Subscription } from '../api/contract';
import { CreateInstanceRequestSchema, parseBody, PutInstanceRequestSchema, UpdateInstanceRequestSchema, UpdateMasterAliasRequestSchema } from '../api/schemas';
import {
  API_KEY_ID,
  type Instance,
  type InstanceEvent,
  type InstanceEventType,
  type MasterInfo,
  type TCPingResult,
  type TrafficHistory as TrafficHistoryView,
} from '../api/types';
import type { Logger } from '../instance/logger';
import { ApiKeyAuth, newInstanceId } from './auth';
import { resetCounters } from './counters';
import type { EventHub } from './events';
import { goTime } from './gojson';
import { loggedUrl, normaliseInstanceUrl, type MasterUrlSettings } from './normalise';
import { instanceView, newRecord, sortedTags, type InstanceRecord } from './records';
import type { StateStore, StoredState } from './store';
import type { Supervisor } from './supervisor';
import { goArch, goOs, sysInfo } from './sysinfo';
import { tcping } from './tcping';

export interface MasterIdentity {
  masterId: string;
  alias: string;
  /** URL host name (reported as `name`). */
  name: string;
  version: string;
  log: string;
  tls: 0 | 1 | 2;
  crt: string;
  key: string;
}

export interface ServiceDeps {
  auth: ApiKeyAuth;
  identity: MasterIdentity;
  store: StateStore;
  hub: EventHub;
  supervisor: Supervisor;
  logger: Logger;
  reportIntervalMs: number;
  startedAt: number;
}

function fail<T>(status: number, error: string): ApiResult<T> {
  return { ok: false, status, error };
}

function ok<T>(value: T): ApiResult<T> {
  return { ok: true, value };
}

export class MasterService implements NodePassApi {
  readonly records = new Map<string, InstanceRecord>();
  private readonly locks = new Map<string, Promise<unknown>>();
  historyDirty = false;
  countersDirty = false;

  constructor(private readonly d: ServiceDeps) {
    d.store.setSource(() => this.snapshot());
  }

  get settings(): MasterUrlSettings {
    const i = this.d.identity;
    return { log: i.log, tls: i.tls, crt: i.crt, key: i.key };
  }

  keyView(): Instance {
    return {
      id: API_KEY_ID,
      alias: this.d.identity.alias,
      type: '',
      status: '',
      url: this.d.auth.key,
      config: this.d.identity.masterId,
      restart: false,
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
    };
  }

  snapshot(): StoredState {
    return {
      format: 'nodepass-desktop-master',
      version: 1,
      master: { apiKey: this.d.auth.key, masterId: this.d.identity.masterId, alias: this.d.identity.alias },
      instances: [...this.records.values()].map((r) => ({
        id: r.id,
        alias: r.alias,
        type: r.type,
        url: r.url,
        config: r.config,
        restart: r.restart,
        meta: { peer: { ...r.meta.peer }, tags: sortedTags(r.meta.tags) },
        traffic: { ...r.counters.value },
      })),
    };
  }

  event(type: InstanceEventType, instance: Instance | null, logs = ''): InstanceEvent {
    return { type, time: goTime(), instance, logs };
  }

  publish(type: InstanceEventType, rec: InstanceRecord | null, logs = ''): void {
    this.d.hub.publish(this.event(type, rec ? instanceView(rec) : null, logs));
  }

  /** Every record (the key record first), as `initial` events. */
  initialEvents(): InstanceEvent[] {
    return [this.event('initial', this.keyView()), ...[...this.records.values()].map((r) => this.event('initial', instanceView(r)))];
  }

  /** Runs `fn` after earlier operations on the same instance finished. */
  private withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }

  private async persist<T>(value: () => ApiResult<T>): Promise<ApiResult<T>> {
    try {
      await this.d.store.commit();
    } catch (e) {
      return fail(500, `Instances save failed: ${(e as Error).message}`);
    }
    return value();
  }

  private find(id: string): ApiResult<InstanceRecord | null> {
    if (id === '') return fail(400, 'Instance ID is required');
    if (id === API_KEY_ID) return ok(null);
    const rec = this.records.get(id);
    return rec ? ok(rec) : fail(404, 'Instance not found');
  }

  async listInstances(): Promise<ApiResult<Instance[]>> {
    return ok([this.keyView(), ...[...this.records.values()].map(instanceView)]);
  }

  async getInstance(id: string): Promise<ApiResult<Instance>> {
    const f = this.find(id);
    if (!f.ok) return f;
    return ok(f.value ? instanceView(f.value) : this.keyView());
  }

  async createInstance(body: unknown): Promise<ApiResult<Instance>> {
    const p = parseBody(CreateInstanceRequestSchema, body);
    if (!p.ok) return fail(400, p.error);
    const n = normaliseInstanceUrl(p.value.url, this.settings);
    if (!n.ok) return fail(400, n.error);
    let id = newInstanceId();
    for (let i = 0; i < 3 && this.records.has(id); i++) id = newInstanceId();
    if (this.records.has(id)) return fail(409, 'Instance ID already exists');
    const rec = newRecord(id, n.type, n.url, n.config);
    rec.alias = p.value.alias ?? '';
    this.records.set(id, rec);
    try {
      await this.d.store.commit();
    } catch (e) {
      this.records.delete(id);
      return fail(500, `Instances save failed: ${(e as Error).message}`);
    }
    this.publish('create', rec);
    await this.withLock(id, async () => {
      if (this.records.get(id) === rec) this.d.supervisor.start(rec);
    });
    return ok(instanceView(rec));
  }

  async updateInstance(id: string, body: unknown): Promise<ApiResult<Instance>> {
    const f = this.find(id);
    if (!f.ok) return f;
    const p = parseBody(UpdateInstanceRequestSchema, body);
    if (!p.ok) return fail(400, p.error);
    const req = p.value;
    if (f.value === null) {
      // The key record: only `restart` does something — a new API key.
      if (req.action !== 'restart') return ok(this.keyView());
      return this.withLock(API_KEY_ID, async () => {
        const key = this.d.auth.regenerate();
        this.d.logger.info(`API Key regenerated: ${key}`);
        const r = await this.persist(() => ok(this.keyView()));
        this.d.hub.publish(this.event('update', this.keyView()));
        // Streams opened with the old key end now (NodePass does the same).
        setImmediate(() => this.d.hub.closeAll(this.event('shutdown', null)));
        return r;
      });
    }
    return this.withLock(id, async () => {
      const rec = this.records.get(id);
      if (!rec) return fail<Instance>(404, 'Instance not found');
      let changed = false;
      if (req.alias && req.alias !== rec.alias) {
        rec.alias = req.alias;
        changed = true;
        this.d.logger.info(`Alias updated: ${req.alias} [${id}]`);
        this.publish('update', rec);
      }
      switch (req.action) {
        case 'reset':
          rec.counters = resetCounters(rec.counters);
          changed = true;
          this.d.logger.info(`Traffic stats reset: 0 [${id}]`);
          this.publish('update', rec);
          break;
        case 'start':
          // NodePass ignores `start` for an instance in error; starting it again is what users mean.
          if (rec.status === 'stopped') this.d.supervisor.start(rec);
          else if (rec.status === 'error') await this.d.supervisor.restart(rec);
          break;
        case 'stop':
          if (rec.status !== 'stopped' || this.d.supervisor.isWanted(id)) await this.d.supervisor.stop(rec);
          break;
        case 'restart':
          await this.d.supervisor.restart(rec);
          break;
      }
      if (req.restart !== undefined && req.restart !== null && req.restart !== rec.restart) {
        rec.restart = req.restart;
        changed = true;
        this.d.logger.info(`Restart policy updated: ${req.restart} [${id}]`);
        this.publish('update', rec);
      }
      if (req.meta && ((req.meta.peer !== undefined && req.meta.peer !== null) || (req.meta.tags !== undefined && req.meta.tags !== null))) {
        if (req.meta.peer) rec.meta.peer = { sid: req.meta.peer.sid ?? '', type: req.meta.peer.type ?? '', alias: req.meta.peer.alias ?? '' };
        if (req.meta.tags) rec.meta.tags = { ...req.meta.tags };
        changed = true;
        this.d.logger.info(`Meta updated [${id}]`);
        this.publish('update', rec);
      }
      if (!changed) return ok(instanceView(rec));
      return this.persist(() => ok(instanceView(rec)));
    });
  }

  async replaceInstance(id: string, body: unknown): Promise<ApiResult<Instance>> {
    const f = this.find(id);
    if (!f.ok) return f;
    if (f.value === null) return fail(403, 'Forbidden: API Key');
    const p = parseBody(PutInstanceRequestSchema, body);
    if (!p.ok) return fail(400, p.error);
    const n = normaliseInstanceUrl(p.value.url, this.settings);
    if (!n.ok) return fail(400, n.error);
    return this.withLock(id, async () => {
      const rec = this.records.get(id);
      if (!rec) return fail<Instance>(404, 'Instance not found');
      if (rec.url === n.url) return fail<Instance>(409, 'Instance URL conflict');
      await this.d.supervisor.stop(rec);
      rec.url = n.url;
      rec.type = n.type;
      rec.config = n.config;
      const r = await this.persist(() => ok(instanceView(rec)));
      if (!r.ok) return r;
      this.d.logger.info(`Instance URL updated: ${loggedUrl(rec.url, this.d.logger)} [${id}]`);
      this.d.supervisor.start(rec);
      return ok(instanceView(rec));
    });
  }

  async deleteInstance(id: string): Promise<ApiResult<null>> {
    const f = this.find(id);
    if (!f.ok) return f;
    if (f.value === null) return fail(403, 'Forbidden: API Key');
    return this.withLock(id, async () => {
      const rec = this.records.get(id);
      if (!rec) return fail<null>(404, 'Instance not found');
      await this.d.supervisor.remove(rec);
      this.records.delete(id);
      this.historyDirty = true;
      const r = await this.persist(() => ok(null));
      this.d.logger.info(`Instance deleted [${id}]`);
      this.publish('delete', rec);
      return r;
    });
  }

  async getInfo(): Promise<ApiResult<MasterInfo>> {
    const i = this.d.identity;
    const s = await sysInfo();
    // Keys in Go's map order (sorted), as NodePass emits them.
    return ok({
      alias: i.alias,
      arch: goArch(),
      cpu: s.cpu,
      crt: i.crt,
      diskr: s.diskr,
      diskw: s.diskw,
      key: i.key,
      log: i.log,
      mem_total: s.mem_total,
      mem_used: s.mem_used,
      mid: i.masterId,
      name: i.name,
      netrx: s.netrx,
      nettx: s.nettx,
      os: goOs(),
      swap_total: s.swap_total,
      swap_used: s.swap_used,
      sysup: s.sysup,
      tls: String(i.tls),
      uptime: Math.floor((Date.now() - this.d.startedAt) / 1000),
      ver: i.version,
    });
  }

  /** The contract's call (an alias string). */
  async setMasterAlias(alias: string): Promise<ApiResult<MasterInfo>> {
    return this.updateMasterAlias({ alias });
  }

  /** POST /info with the decoded body: an object, like every other body (a bare string is a 400). */
  async updateMasterAlias(body: unknown): Promise<ApiResult<MasterInfo>> {
    const p = parseBody(UpdateMasterAliasRequestSchema, body);
    if (!p.ok) return fail(400, p.error);
    const alias = p.value.alias ?? '';
    const r = await this.withLock(API_KEY_ID, async () => {
      this.d.identity.alias = alias;
      return this.persist(() => ok(null));
    });
    if (!r.ok) return r;
    return this.getInfo();
  }

  async tcping(target: string): Promise<ApiResult<TCPingResult>> {
    if (!target) return fail(400, 'Target address required');
    return ok(await tcping(target, this.d.reportIntervalMs));
  }

  async trafficHistory(id: string, resolution: string): Promise<ApiResult<TrafficHistoryView>> {
    const f = this.find(id);
    if (!f.ok) return f;
    if (resolution !== 'minute' && resolution !== 'hour') return fail(400, `Invalid resolution: ${resolution} (expected minute or hour)`);
    const points = f.value ? f.value.history.points(resolution, Date.now()) : [];
    return ok({ id, resolution, points });
  }

  subscribe(onEvent: (e: InstanceEvent) => void, onState?: (connected: boolean) => void): Subscription {
    for (const e of this.initialEvents()) onEvent(e);
    const off = this.d.hub.listen(onEvent);
    onState?.(true);
    return {
      close: () => {
        off();
        onState?.(false);
      },
    };
  }
}

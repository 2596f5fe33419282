// Puts the master together: URL and environment, state file, API key, event hub, supervisor,
// service and the HTTP(S) server; and takes it apart again on shutdown. `bin/nodepass master://…`
// uses it through run.ts; a program that embeds the master calls startMaster() with its own log
// sink, state path, spawn command or worker script.

import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_VERSION } from '../instance/index';
import { Logger, stdoutSink, type LogSink } from '../instance/logger';
import { fileTls, ramTls, type ServerTls } from '../tls/context';
import { parseEnv } from '../url/env';
import { listenError } from '../relay/listen';
import { joinHostPort } from '../url/ip';
import { firstError, parseMasterUrl } from '../url/model';
import { ApiKeyAuth, newApiKey, newMasterId } from './auth';
import { newCounters } from './counters';
import { docsPage } from './docs';
import { EventHub } from './events';
import { historyFromJSON, type HistoryData } from './history';
import { renderMetrics } from './metrics';
import { loggedUrl, normaliseInstanceUrl } from './normalise';
import { openApiDocument } from './openapi';
import { parseMasterEnv, slowClientLimits, type MasterEnv } from './options';
import { statePath as defaultStatePath } from './paths';
import { createHandler } from './routes';
import type { Isolation, RunnerFactory } from './runner';
import { nodeCliCommand, ProcessRunner, type SpawnCommandFor } from './runner-process';
import { WorkerRunner } from './runner-worker';
import { instanceView, newRecord, type InstanceRecord } from './records';
import { MasterService } from './service';
import { StateStore } from './store';
import { Supervisor } from './supervisor';

export interface MasterOptions {
  /** `master://host:port/prefix?log=…&tls=…` */
  url: string;
  env?: Record<string, string | undefined>;
  /** Default: NP_MASTER_STATE or the user's data directory. */
  statePath?: string;
  /** Default: NP_ISOLATION or `worker`. */
  isolation?: Isolation;
  /** How to start an instance process (process isolation). Default: node + dist/engine/cli.mjs. */
  spawnCommand?: SpawnCommandFor;
  /** The built worker entry. Default: dist/engine/instance-worker.mjs. */
  workerScript?: URL | string;
  /** Where the master's log lines go. Default: stdout. */
  logSink?: LogSink;
  /** Where instance lines are echoed. Default: stdout as `<line> [<id>]`. */
  echo?: (line: string, id: string) => void;
}

export interface RunningMaster {
  readonly service: MasterService;
  readonly host: string;
  readonly port: number;
  readonly basePath: string;
  readonly statePath: string;
  readonly isolation: Isolation;
  readonly apiKey: string;
  readonly logger: Logger;
  /** Stops every instance, saves, closes the server. */
  shutdown(): Promise<void>;
}

export class MasterStartError extends Error {}

/** A file built next to this module (dist/engine) or, when running from source, in dist/engine. */
function builtFile(name: string): string {
  const candidates: string[] = [];
  // import.meta.url is missing when this module is bundled to CommonJS.
  const here = (import.meta as { url?: string }).url;
  if (here) candidates.push(fileURLToPath(new URL(`./${name}`, here)), fileURLToPath(new URL(`../../dist/engine/${name}`, here)));
  candidates.push(path.join(process.cwd(), 'dist', 'engine', name));
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  throw new MasterStartError(`${name} not found (looked in ${candidates.join(', ')}): run \`npm run build\`, or pass workerScript / spawnCommand`);
}

function runnerFactory(iso: Isolation, menv: MasterEnv, o: MasterOptions): RunnerFactory {
  if (iso === 'process') {
    const command = o.spawnCommand ?? nodeCliCommand(builtFile('cli.mjs'));
    return (spec) => new ProcessRunner(spec, command);
  }
  const script = o.workerScript ?? builtFile('instance-worker.mjs');
  return (spec) => new WorkerRunner(spec, { script, heapMb: menv.workerHeapMb, faults: menv.faults });
}

async function masterTls(code: 0 | 1 | 2, crt: string, key: string, reloadMs: number, logger: Logger): Promise<ServerTls | null> {
  if (code === 1) {
    const t = await ramTls(ENGINE_VERSION);
    logger.info('TLS code-1: RAM cert with TLS 1.3');
    return t;
  }
  if (code === 2) {
    const t = fileTls(crt, key, reloadMs, { onReloadFailed: (e) => logger.error(`Certificate reload failed: ${e.message}`) });
    logger.info(`TLS code-2: ${t.description} with TLS 1.3`);
    return t;
  }
  logger.warn('TLS code-0: unencrypted');
  return null;
}

export async function startMaster(o: MasterOptions): Promise<RunningMaster> {
  const env = o.env ?? process.env;
  const parsed = parseMasterUrl(o.url);
  if (!parsed.ok) throw new MasterStartError(firstError(parsed.errors));
  const cfg = parsed.value;
  const npEnv = parseEnv(env);
  if (!npEnv.ok) throw new MasterStartError(firstError(npEnv.errors));
  const menvR = parseMasterEnv(env);
  if (!menvR.ok) throw new MasterStartError(firstError(menvR.errors));
  const menv = menvR.value;
  const isolation = o.isolation ?? menv.isolation;
  const E = npEnv.value;

  const logger = new Logger(cfg.log, !env.NO_COLOR);
  logger.addSink(o.logSink ?? stdoutSink);
  if (cfg.log !== 'info' && cfg.log !== 'none') logger.log(cfg.log === 'debug' ? 'debug' : cfg.log, `Init log level: ${cfg.log.toUpperCase()}`);
  for (const p of cfg.unknown) logger.warn(`Unknown parameter ignored: ${p}`);

  let tls: ServerTls | null;
  try {
    tls = await masterTls(cfg.tls, cfg.crtFile, cfg.keyFile, E.reloadIntervalMs, logger);
  } catch (e) {
    throw new MasterStartError(`newMaster: ${(e as Error).message}`);
  }

  const file = o.statePath ?? defaultStatePath(env);
  const store = new StateStore(file, (level, msg) => logger.log(level, msg));
  try {
    store.lock();
  } catch (e) {
    throw new MasterStartError((e as Error).message);
  }
  const loaded = store.load();
  const created = !loaded.state;
  const auth = new ApiKeyAuth(loaded.state?.master.apiKey ?? newApiKey());
  const identity = {
    masterId: loaded.state?.master.masterId ?? newMasterId(),
    alias: loaded.state?.master.alias ?? '',
    name: cfg.host,
    version: ENGINE_VERSION,
    log: cfg.url.params.log ?? '',
    tls: cfg.tls,
    crt: cfg.crtFile,
    key: cfg.keyFile,
  };

  const hub = new EventHub({
    maxBufferedBytes: menv.sseMaxBuffer,
    heartbeatMs: menv.heartbeatMs,
    onOverflow: (n) => logger.warn(`Event subscriber too slow (${n} bytes waiting): sent resync and closed its stream`),
  });
  const echo = o.echo ?? ((line: string, id: string) => process.stdout.write(`${line} [${id}]\n`));
  // Declared before the supervisor, whose callbacks publish through it once it exists.
  let service: MasterService | undefined;
  const supervisor = new Supervisor({
    factory: runnerFactory(isolation, menv, o),
    env,
    logger,
    statsIntervalMs: menv.statsIntervalMs,
    reportIntervalMs: E.reportIntervalMs,
    stopGraceMs: Math.min(5000, E.shutdownTimeoutMs),
    restartMinMs: menv.restartMinMs,
    restartMaxMs: menv.restartMaxMs,
    errorRestartMs: menv.errorRestartMs,
    hangTimeoutMs: menv.hangTimeoutMs,
    echo,
    onUpdate: (rec) => service?.publish('update', rec as InstanceRecord),
    onLog: (rec, line) => service?.publish('log', rec as InstanceRecord, line),
    onTraffic: () => {
      if (!service) return;
      service.countersDirty = true;
      service.historyDirty = true;
    },
  });
  const startedAt = Date.now();
  const svc = new MasterService({ auth, identity, store, hub, supervisor, logger, reportIntervalMs: E.reportIntervalMs, startedAt });
  service = svc;

  const history = store.loadHistory();
  for (const s of loaded.state?.instances ?? []) {
    const rec = newRecord(s.id, s.type, s.url, s.config, newCounters(s.traffic));
    if (!rec.config) {
      const n = normaliseInstanceUrl(s.url, svc.settings);
      rec.config = n.ok ? n.config : s.url;
    }
    rec.alias = s.alias;
    rec.restart = s.restart;
    rec.meta = { peer: { ...s.meta.peer }, tags: { ...s.meta.tags } };
    rec.history = historyFromJSON(history[s.id]);
    svc.records.set(s.id, rec);
  }
  if (loaded.state) logger.info(`Loaded ${svc.records.size} instances from ${loaded.from === 'backup' ? store.backupPath : file}`);

  const handler = createHandler({
    basePath: cfg.basePath,
    service: svc,
    auth,
    hub,
    supervisor,
    bodyLimit: menv.bodyLimit,
    faults: menv.faults,
    openapi: () => JSON.stringify(openApiDocument(cfg.basePath, ENGINE_VERSION), null, 2) + '\n',
    docs: () => docsPage(openApiDocument(cfg.basePath, ENGINE_VERSION)),
    metrics: () =>
      renderMetrics({
        instances: [...svc.records.values()].map(instanceView),
        restarts: (id) => supervisor.restartsOf(id),
        uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
        sseSubscribers: hub.subscribers,
        sseOverflows: hub.overflows,
        rssBytes: process.memoryUsage.rss(),
      }),
    onError: (m) => logger.error(m),
  });
  const limits = slowClientLimits(menv.headersTimeoutMs, menv.requestTimeoutMs);
  const server = tls
    ? https.createServer({ ...tls.pem(), minVersion: 'TLSv1.3', ...limits }, handler)
    : http.createServer(limits, handler);
  server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
    logger.debug(`Internal: ${e.message}`);
    // Say why, as Node's default handler (and Go's server) would, when no response has started.
    if (socket.writable && (socket as Socket).bytesWritten === 0) {
      const status =
        e.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : e.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (cfg.host === '') server.listen(cfg.port, () => resolve());
      else server.listen(cfg.port, cfg.host, () => resolve());
    });
  } catch (e) {
    // Nothing was started or written yet: release the lock and leave the state as it was.
    store.unlock();
    supervisor.close();
    hub.stop();
    throw new MasterStartError(`run: listen failed: ${listenError('tcp', cfg.host, cfg.port, e as NodeJS.ErrnoException).message}`);
  }
  // A new state file (or one restored from the backup) is written once the port is ours.
  if (created || loaded.from === 'backup') {
    try {
      await store.commit();
    } catch (e) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.unlock();
      supervisor.close();
      hub.stop();
      throw new MasterStartError(`cannot write the state file ${file}: ${(e as Error).message}`);
    }
  }
  let reload: NodeJS.Timeout | null = null;
  if (tls && tls.code === 2) {
    // Pick up renewed certificates (NP_RELOAD_INTERVAL), as NodePass does.
    reload = setInterval(() => {
      try {
        tls.context();
        (server as https.Server).setSecureContext({ ...tls.pem(), minVersion: 'TLSv1.3' });
      } catch (e) {
        logger.error(`Certificate reload failed: ${(e as Error).message}`);
      }
    }, E.reloadIntervalMs);
    reload.unref();
  }
  const port = (server.address() as AddressInfo).port;
  logger.info(`Master started: ${joinHostPort(cfg.host, port)}${cfg.basePath}`);
  logger.info(`API Key ${created ? 'created' : 'loaded'}: ${auth.key}`);

  // restart=true instances start with the master, 100 ms apart like NodePass.
  const autostart = [...svc.records.values()].filter((r) => r.restart);
  const autoTimers: NodeJS.Timeout[] = [];
  autostart.forEach((rec, i) => {
    autoTimers.push(
      setTimeout(() => {
        if (svc.records.get(rec.id) !== rec || supervisor.isWanted(rec.id)) return;
        logger.info(`Auto-starting instance: ${loggedUrl(rec.url, logger)} [${rec.id}]`);
        supervisor.start(rec);
      }, i * 100),
    );
  });

  const saveHistory = async () => {
    svc.historyDirty = false;
    const data: Record<string, HistoryData> = {};
    for (const r of svc.records.values()) data[r.id] = r.history.toJSON();
    await store.saveHistory(data);
  };
  // Counters and history are saved once a minute (and on shutdown); API changes are saved at once.
  const flush = setInterval(() => {
    if (svc.countersDirty) {
      svc.countersDirty = false;
      store.commit().catch(() => {});
    }
    if (svc.historyDirty) saveHistory().catch((e: Error) => logger.error(`Traffic history save failed: ${e.message}`));
  }, 60_000);
  flush.unref();

  let closing: Promise<void> | null = null;
  const shutdown = () =>
    (closing ??= (async () => {
      for (const t of autoTimers) clearTimeout(t);
      clearInterval(flush);
      if (reload) clearInterval(reload);
      hub.closeAll(svc.event('shutdown', null));
      await supervisor.stopAll([...svc.records.values()]);
      supervisor.close();
      try {
        await store.commit();
        logger.info(`Instances saved: ${file}`);
      } catch (e) {
        logger.error(`shutdown: save failed: ${(e as Error).message}`);
      }
      await saveHistory().catch((e: Error) => logger.error(`Traffic history save failed: ${e.message}`));
      hub.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.unlock();
    })());

  return {
    service: svc,
    host: cfg.host,
    port,
    basePath: cfg.basePath,
    statePath: file,
    isolation,
    get apiKey() {
      return auth.key;
    },
    logger,
    shutdown,
  };
}


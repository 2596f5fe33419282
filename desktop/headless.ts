// Headless mode (`npm start -- --headless`, and `npm start` wherever Electron cannot run): the
// same master and the same UI, with a browser instead of a window. Starts the master on loopback,
// serves the renderer with a one-time sign-in link, and stops everything on SIGINT/SIGTERM.

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MasterProcess } from './launch';
import { defaultDataDir } from '../engine/master/paths';
import { createWebUi } from './webui';
import { DESKTOP_FILE, readFleetFile } from './fleet-file';
import { DesktopService } from './service';
import { desktopRoutes } from './routes';
import { hostPaths } from './paths';
import { launchLocalMaster, masterListen } from './local-master';
import { agentFor } from './remote';

export interface HeadlessOptions {
  host: string;
  port: number;
  masterHost: string;
  masterPort: number;
  /** Directory for the master's state (NP_MASTER_STATE=<dir>/master.json); '' = the master's default. */
  dataDir: string;
  /** Extra Host header values to accept, for a box reached by name. */
  publicHosts: string[];
  verbose: boolean;
}

export type ParsedArgs = { ok: true; options: HeadlessOptions } | { ok: false; error: string };

const USAGE = `Usage: npm start -- --headless [options]
  --host <addr>          address of the web UI (default 127.0.0.1)
  --port <n>             port of the web UI (default 0: any free port)
  --master-host <addr>   address of the master API (default 127.0.0.1)
  --master-port <n>      port of the master API (default 0: any free port)
  --data <dir>           where the master keeps its state (default: the user data directory)
  --public-host <name>   accept this Host header too (repeatable), e.g. nodepass.example.com
  --verbose              echo the master's log`;

export function parseHeadlessArgs(argv: string[]): ParsedArgs {
  const o: HeadlessOptions = { host: '127.0.0.1', port: 0, masterHost: '127.0.0.1', masterPort: 0, dataDir: '', publicHosts: [], verbose: false };
  for (let n = 0; n < argv.length; n++) {
    const a = argv[n];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const value = () => {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++n];
      if (v === undefined || v === '') throw new Error(`${name}: expected a value`);
      return v;
    };
    const port = () => {
      const v = value();
      if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new Error(`${name}=${v}: expected a port number 0-65535`);
      return Number(v);
    };
    try {
      switch (name) {
        case '--headless':
          break;
        case '--host':
          o.host = value();
          break;
        case '--port':
          o.port = port();
          break;
        case '--master-host':
          o.masterHost = value();
          break;
        case '--master-port':
          o.masterPort = port();
          break;
        case '--data':
          o.dataDir = path.resolve(value());
          break;
        case '--public-host':
          o.publicHosts.push(value().toLowerCase());
          break;
        case '--verbose':
          o.verbose = true;
          break;
        case '--help':
        case '-h':
          return { ok: false, error: USAGE };
        default:
          return { ok: false, error: `unknown option ${a}\n${USAGE}` };
      }
    } catch (e) {
      return { ok: false, error: `${(e as Error).message}\n${USAGE}` };
    }
  }
  return { ok: true, options: o };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Host header values a loopback server answers to; empty (any) when it listens more widely. */
export function allowedHostsFor(host: string, port: number, extra: string[]): string[] {
  if (!LOOPBACK.test(host)) return [];
  const names = new Set([host.includes(':') ? `[${host}]` : host, 'localhost', '127.0.0.1', '[::1]']);
  return [...[...names].map((h) => `${h}:${port}`), ...extra];
}

export interface Headless {
  url: string;
  master: MasterProcess;
  desktop: DesktopService;
  server: http.Server;
  stop(): Promise<void>;
}

export async function startHeadless(o: HeadlessOptions, distDir: string, log: (line: string) => void, argv: string[] = []): Promise<Headless> {
  const paths = hostPaths(distDir);
  const dataDir = o.dataDir || defaultDataDir();
  const file = path.join(dataDir, DESKTOP_FILE);
  const access = readFleetFile(file).apiAccess;
  const listen = masterListen(o, access, argv);
  const { master, fingerprint } = await launchLocalMaster(
    paths.cli,
    process.execPath,
    o.dataDir ? { NP_MASTER_STATE: path.join(o.dataDir, 'master.json') } : {},
    listen,
    (line, stream) => {
      if (o.verbose || stream === 'stderr' || /\b(ERROR|WARN)\b/.test(line)) log(`[master] ${line}`);
    },
  );
  const desktop = new DesktopService({
    file,
    local: () => ({ url: master.origin + master.basePath, key: master.key, fingerprint }),
    appliedApiAccess: access.mode === 'loopback' || listen.host === '0.0.0.0' ? access : { ...access, mode: 'loopback' },
  });
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const hostPart = o.host.includes(':') ? `[${o.host}]` : o.host;
  const shown = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : hostPart;
  const base = `http://${shown}:${port}`;
  const ui = createWebUi({
    root: paths.renderer,
    masterOrigin: master.origin,
    apiBase: master.basePath,
    apiKey: () => master.key,
    allowedHosts: allowedHostsFor(o.host, port, o.publicHosts),
    masterAgent: fingerprint ? agentFor(new URL(master.origin), fingerprint) : undefined,
    routes: desktopRoutes(desktop, () => master.key),
    onTokenUsed: (next) => log(`Sign-in link used. Another one, for the next browser: ${base}/?token=${next}`),
  });
  server.on('request', (req, res) => ui.handle(req, res));
  const url = `${base}/?token=${ui.newToken()}`;
  let stopping: Promise<void> | null = null;
  return {
    url,
    master,
    desktop,
    server,
    stop() {
      stopping ??= (async () => {
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await master.stop();
      })();
      return stopping;
    },
  };
}

/** The `npm start -- --headless` program. */
export async function main(argv: string[], distDir: string): Promise<void> {
  const parsed = parseHeadlessArgs(argv);
  if (!parsed.ok) {
    console.error(parsed.error);
    process.exit(parsed.error.startsWith('Usage') ? 0 : 2);
  }
  const log = (line: string) => process.stdout.write(line + '\n');
  let h: Headless;
  try {
    h = await startHeadless(parsed.options, distDir, log, argv);
  } catch (e) {
    console.error(`headless: ${(e as Error).message}`);
    process.exit(1);
  }
  log('NodePass Desktop — headless mode');
  log(`  master API  ${h.master.origin}${h.master.basePath}  (X-API-Key: ${h.master.key})`);
  log(`  open        ${h.url}`);
  log('  The link signs one browser in once. Ctrl+C stops the master and every instance.');
  let signals = 0;
  const shutdown = () => {
    if (++signals > 1) process.exit(1);
    log('Stopping…');
    void h.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  void h.master.exited.then((code) => {
    if (signals === 0) {
      console.error(`headless: the master exited (code ${code}); stopping`);
      h.server.close();
      process.exit(1);
    }
  });
}

// Run when executed directly (dist/desktop/headless.mjs), not when imported by tests.
const self = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  void main(process.argv.slice(2), path.resolve(path.dirname(self), '..'));
}

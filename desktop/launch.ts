// Starts a master as a child process and learns what a user would read off its console: the API
// key (`API Key created|loaded: …`) and that it is listening (`Master started: …`). Used by the
// Electron main process and by headless mode; it works with any NodePass-compatible binary that
// prints those lines, ours (`bin/nodepass`) or the Go one.

import { spawn, type ChildProcess } from 'node:child_process';

export interface LaunchOptions {
  /** The program to run: `process.execPath` (Node, or Electron with ELECTRON_RUN_AS_NODE). */
  command: string;
  /** Arguments before the URL (e.g. the path of dist/engine/cli.mjs). */
  args: string[];
  host?: string;
  /** 0 lets the master pick a free port (it prints the one it got). */
  port?: number;
  /** API prefix (the master appends /v1). */
  prefix?: string;
  log?: string;
  /** The master's own TLS (tls=1 self-signed, tls=2 with crt/key files); 0 = plain HTTP. */
  tls?: 0 | 1 | 2;
  crt?: string;
  key?: string;
  env?: Record<string, string | undefined>;
  /** Give up when the master has not said it started by then. */
  timeoutMs?: number;
  /** Every output line (without the trailing newline). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface MasterProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:9090` */
  readonly origin: string;
  /** `/api/v1` */
  readonly basePath: string;
  readonly url: string;
  readonly key: string;
  readonly exited: Promise<number | null>;
  /** SIGTERM (the master stops its instances and saves), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const ANSI = /\x1b\[[0-9;]*m/g;

export async function launchMaster(o: LaunchOptions): Promise<MasterProcess> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 0;
  const prefix = o.prefix ?? '/api';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const q = new URLSearchParams({ log: o.log ?? 'info' });
  if (o.tls) q.set('tls', String(o.tls));
  if (o.tls === 2) {
    q.set('crt', o.crt ?? '');
    q.set('key', o.key ?? '');
  }
  const url = `master://${hostPart}:${port}${prefix}?${q.toString()}`;
  const child = spawn(o.command, [...o.args, url], {
    env: { ...process.env, ...o.env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const tail: string[] = [];
  let key = '';
  let basePath = '';
  let listen = '';

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`master did not start within ${o.timeoutMs ?? 15000} ms:\n${tail.join('\n')}`)), o.timeoutMs ?? 15000);
    const onLine = (raw: string, stream: 'stdout' | 'stderr') => {
      const line = raw.replace(ANSI, '');
      tail.push(line);
      if (tail.length > 40) tail.shift();
      o.onLine?.(raw, stream);
      const k = /API Key (?:created|loaded): ([0-9A-Za-z]+)/.exec(line);
      if (k) key = k[1];
      // `Master started: 127.0.0.1:41234/api/v1` — the address it really got, then the base path.
      const m = /Master started: (\S*?:\d+)(\/\S*)\s*$/.exec(line);
      if (m) {
        listen = m[1];
        basePath = m[2];
      }
      if (key && basePath) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      let buf = '';
      child[stream]!.setEncoding('utf8');
      child[stream]!.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, nl).replace(/\r$/, ''), stream);
          buf = buf.slice(nl + 1);
        }
      });
    }
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`master exited with code ${code} before it started:\n${tail.join('\n')}`));
    });
  });

  try {
    await ready;
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw e;
  }

  const actualPort = Number(listen.slice(listen.lastIndexOf(':') + 1));
  const reach = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : hostPart;
  return {
    child,
    origin: `${o.tls ? 'https' : 'http'}://${reach}:${actualPort}`,
    basePath,
    url,
    key,
    exited,
    async stop(graceMs = 8000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

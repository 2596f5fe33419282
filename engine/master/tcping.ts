// GET /tcping (spec §9.6): one TCP connect, at most 10 at a time; errors worded like Go's dialer
// (`dial tcp <addr>: connect: connection refused`) because dashboards show them as they are.

import net from 'node:net';
import type { TCPingResult } from '../api/types';
import { splitHostPort } from '../url/ip';

const LIMIT = 10;
let active = 0;
const waiting: Array<() => void> = [];

function acquire(timeoutMs: number): Promise<boolean> {
  if (active < LIMIT) {
    active++;
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const go = () => {
      clearTimeout(t);
      active++;
      resolve(true);
    };
    const t = setTimeout(() => {
      const i = waiting.indexOf(go);
      if (i >= 0) waiting.splice(i, 1);
      resolve(false);
    }, timeoutMs);
    waiting.push(go);
  });
}

function release(): void {
  active--;
  waiting.shift()?.();
}

function goDialError(target: string, e: NodeJS.ErrnoException | null, timedOut: boolean): string {
  if (timedOut) return `dial tcp ${target}: i/o timeout`;
  switch (e?.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${target}: connect: connection refused`;
    case 'ENETUNREACH':
      return `dial tcp ${target}: connect: network is unreachable`;
    case 'EHOSTUNREACH':
      return `dial tcp ${target}: connect: no route to host`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN': {
      const hp = splitHostPort(target);
      return `dial tcp: lookup ${hp?.host ?? target}: no such host`;
    }
    default:
      return `dial tcp ${target}: ${e?.message ?? 'failed'}`;
  }
}

export async function tcping(target: string, timeoutMs: number): Promise<TCPingResult> {
  const result: TCPingResult = { target, connected: false, latency: 0, error: null };
  const hp = splitHostPort(target);
  if (!hp || !/^\d+$/.test(hp.port) || Number(hp.port) > 65535) {
    result.error = `dial tcp ${target}: address ${target}: missing port in address`;
    return result;
  }
  if (!(await acquire(1000))) {
    result.error = 'too many requests';
    return result;
  }
  try {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const s = net.connect({ host: hp.host || '127.0.0.1', port: Number(hp.port) });
      const timer = setTimeout(() => {
        s.destroy();
        result.error = goDialError(target, null, true);
        resolve();
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        result.connected = true;
        result.latency = Math.round(performance.now() - t0);
        s.destroy();
        resolve();
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        result.error = goDialError(target, e, false);
        resolve();
      });
    });
  } finally {
    release();
  }
  return result;
}

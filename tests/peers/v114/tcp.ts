// TCP over the tunnel as v1.14 relays it (Go: commonLoop, commonTCPLoop, commonTCPOnce and
// conn.DataExchange).
//
// observed (Go pair at tls=1, a user that writes `hello` and half-closes at once): the user got
// nothing back. When one direction ends, DataExchange closes its destination: a pooled TLS
// connection (and every user/target socket) is closed outright, only a plain TCP pooled connection
// (tls=0) is half-closed. So a user must read its reply before it closes.
// observed: `Exchange complete: read tcp …: use of closed network connection` on normal ends.

import type net from 'node:net';
import { GoConn } from './conn';
import type { Common } from './common';
import { sleep } from './go';
import { send } from './control';
import { commonUDPLoop } from './udp';
import type { GoSignal } from './wire';

/** commonLoop: the ingress side starts accepting once the pool is there and `verify` passed. */
export async function commonLoop(c: Common): Promise<void> {
  const ctx = c.ctx;
  while (!ctx.err) {
    if (c.pool?.ready()) {
      if (c.verifyChan) {
        const ok = await c.verifyChan.recv(ctx);
        if (ok === null) return;
      }
      void commonTCPLoop(c);
      void commonUDPLoop(c);
      return;
    }
    await sleep(50, ctx);
  }
}

/** User and target sockets are wrapped in Go's StatConn (so never half-closed: not a TCPConn). */
const statConns = new WeakSet<GoConn>();

/** A user or target socket with the byte counters of Go's StatConn. */
function statConn(c: Common, sock: net.Socket): GoConn {
  const conn = GoConn.socket(sock, false);
  statConns.add(conn);
  const read = conn.read.bind(conn);
  const write = conn.write.bind(conn);
  conn.read = async (max, t) => {
    const b = await read(max, t);
    c.tcpRX += b.length;
    return b;
  };
  conn.write = async (b) => {
    await write(b);
    c.tcpTX += b.length;
  };
  return conn;
}

async function commonTCPLoop(c: Common): Promise<void> {
  const ctx = c.ctx;
  const accepts = c.acceptQueue;
  for (;;) {
    const sock = await accepts.recv(ctx);
    if (sock === null) return;
    sock.resume();
    const user = statConn(c, sock);
    c.log.debug(`Target connection: ${user.localAddr} <-> ${user.remoteAddr}`);
    void serveUser(c, user);
  }
}

async function serveUser(c: Common, user: GoConn): Promise<void> {
  if (!c.tryAcquireSlot(false)) {
    c.log.error(`commonTCPLoop: TCP slot limit reached: ${c.tcpSlot}/${c.slotLimit}`);
    user.close();
    return;
  }
  try {
    let got: { id: string; conn: GoConn };
    try {
      got = await c.pool!.incomingGet(c.env.poolGetTimeoutMs);
    } catch (e) {
      c.log.warn(`commonTCPLoop: request timeout: ${(e as Error).message}`);
      return;
    }
    const { id, conn } = got;
    c.log.debug(`Tunnel connection: get ${id} <- pool active ${c.pool!.active()}`);
    send(c, { action: 'tcp', remote: user.remoteAddr, id });
    c.log.debug(`TCP launch signal: cid ${id} -> ${c.control?.remoteAddr}`);
    c.log.info(`Starting exchange: ${user.remoteAddr} <-> ${conn.remoteAddr}`);
    c.log.info(`Exchange complete: ${await dataExchange(c, user, conn)}`);
    conn.close();
    c.log.debug(`Tunnel connection: closed ${id}`);
  } finally {
    user.close();
    c.releaseSlot(false);
  }
}

/** commonTCPOnce: the egress side of a `tcp` signal. */
export async function commonTCPOnce(c: Common, s: GoSignal): Promise<void> {
  const id = s.id ?? '';
  c.log.debug(`TCP launch signal: cid ${id} <- ${c.control?.remoteAddr}`);
  const pool = c.pool!;
  let conn: GoConn;
  try {
    conn = await pool.outgoingGet(id, c.env.poolGetTimeoutMs);
  } catch (e) {
    c.log.error(`commonTCPOnce: request timeout: ${(e as Error).message}`);
    pool.addError();
    return;
  }
  c.log.debug(`Tunnel connection: get ${id} <- pool active ${pool.active()}`);
  try {
    if (!c.tryAcquireSlot(false)) {
      c.log.error(`commonTCPOnce: TCP slot limit reached: ${c.tcpSlot}/${c.slotLimit}`);
      return;
    }
    try {
      let target: GoConn;
      try {
        target = statConn(c, await c.dialTarget());
      } catch (e) {
        c.log.error(`commonTCPOnce: dialWithRotation failed: ${(e as Error).message}`);
        return;
      }
      c.log.debug(`Target connection: ${target.localAddr} <-> ${target.remoteAddr}`);
      c.log.info(`Starting exchange: ${conn.remoteAddr} <-> ${target.remoteAddr}`);
      c.log.info(`Exchange complete: ${await dataExchange(c, conn, target)}`);
      target.close();
    } finally {
      c.releaseSlot(false);
    }
  } finally {
    conn.close();
    c.log.debug(`Tunnel connection: closed ${id}`);
  }
}

/**
 * conn.DataExchange with no idle timeout (`read=0`): two copies with 16 KiB buffers; when one
 * ends, its destination is half-closed if it is a plain TCP pooled connection, else closed.
 */
async function dataExchange(c: Common, a: GoConn, b: GoConn): Promise<string> {
  const copy = async (src: GoConn, dst: GoConn): Promise<string | null> => {
    let err: string | null = null;
    try {
      for (;;) await dst.write(await src.read(c.env.tcpDataBufSize));
    } catch (e) {
      err = e instanceof Error && e.message !== 'EOF' ? e.message : null;
    }
    if (!dst.isTls && !statConns.has(dst)) dst.closeWrite();
    else dst.close();
    return err;
  };
  const results = await Promise.all([copy(a, b), copy(b, a)]);
  return results.find((r) => r !== null) ?? 'EOF';
}

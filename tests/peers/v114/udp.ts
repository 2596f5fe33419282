// UDP over the tunnel as v1.14 relays it (Go: commonUDPLoop, commonUDPOnce): no framing at all.
// Each datagram is one Write on the pooled connection, and each Read of the pooled connection
// (16 KiB buffer, 30 s deadline) is taken as one datagram.
//
// observed (Go pair, tls=1, reverse mode, datagrams of 1400, 1400, 3000, 100, 1400 bytes to the
// server's target port, a UDP echo behind the client): the echo received all five intact, the
// user got back 1186, 214, 1400, 3000, 100, 1400 — the client's first write on the pooled
// connection (record 0, at most 1186 bytes, see conn.ts) split the first reply in two, and the
// server read each record as a datagram. The server's own first datagram went intact: its record
// 0 was the ID, so the datagram was record 1 (up to 2372 bytes).
// observed: one UDP session per client address, each on its own pooled connection (`udp` signal
// with `remote` = the client's ip:port); the ingress loop handles datagrams one at a time, so a
// new client waits for its pooled connection (IncomingGet, up to 5 s) before the next datagram.

import dgram from 'node:dgram';
import type { GoConn } from './conn';
import type { Common } from './common';
import { Chan, type Context } from './go';
import { send } from './control';
import type { GoSignal } from './wire';

function udpKey(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** commonUDPLoop: the ingress side, reading the target address's UDP socket. */
export async function commonUDPLoop(c: Common): Promise<void> {
  const ctx = c.ctx;
  const queue = c.datagramQueue;
  const sock = c.targetUdp;
  if (!sock) return;
  for (;;) {
    const d = await queue.recv(ctx);
    if (d === null) return;
    const payload = d.payload.subarray(0, c.env.udpDataBufSize);
    c.udpRX += payload.length;
    const key = udpKey(d.from.address, d.from.port);
    c.log.debug(`Target connection: ${c.targets[0].host}:${c.targets[0].port} <-> ${key}`);
    let session = c.udpSessions.get(key) as GoConn | undefined;
    if (!session) {
      if (!c.tryAcquireSlot(true)) {
        c.log.error(`commonUDPLoop: UDP slot limit reached: ${c.udpSlot}/${c.slotLimit}`);
        continue;
      }
      let got: { id: string; conn: GoConn };
      try {
        got = await c.pool!.incomingGet(c.env.poolGetTimeoutMs);
      } catch (e) {
        c.log.warn(`commonUDPLoop: request timeout: ${(e as Error).message}`);
        c.releaseSlot(true);
        continue;
      }
      session = got.conn;
      c.udpSessions.set(key, session);
      c.log.debug(`Tunnel connection: get ${got.id} <- pool active ${c.pool!.active()}`);
      void replies(c, ctx, sock, got.conn, d.from, key, got.id);
      send(c, { action: 'udp', remote: key, id: got.id });
      c.log.debug(`UDP launch signal: cid ${got.id} -> ${c.control?.remoteAddr}`);
    }
    try {
      await session.write(payload);
    } catch (e) {
      c.log.error(`commonUDPLoop: write to tunnel failed: ${(e as Error).message}`);
      c.udpSessions.delete(key);
      session.close();
    }
  }
}

/** The session's reader: every read of the pooled connection is one datagram to the client. */
async function replies(c: Common, ctx: Context, sock: dgram.Socket, conn: GoConn, to: dgram.RemoteInfo, key: string, id: string): Promise<void> {
  try {
    while (!ctx.err) {
      let b: Buffer;
      try {
        b = await conn.read(c.env.udpDataBufSize, c.env.udpReadTimeoutMs);
      } catch (e) {
        const err = e as Error & { kind?: string };
        if (err.kind === 'timeout') c.log.debug(`UDP session abort: ${err.message}`);
        else if (err.kind !== 'eof') c.log.error(`commonUDPLoop: read from tunnel failed: ${err.message}`);
        return;
      }
      try {
        await new Promise<void>((resolve, reject) => sock.send(b, to.port, to.address, (e) => (e ? reject(e) : resolve())));
        c.udpTX += b.length;
      } catch (e) {
        c.log.error(`commonUDPLoop: writeToUDP failed: ${(e as Error).message}`);
        return;
      }
    }
  } finally {
    if (c.udpSessions.get(key) === conn) c.udpSessions.delete(key);
    c.releaseSlot(true);
    conn.close();
    c.log.debug(`Tunnel connection: closed ${id}`);
  }
}

/** A connected UDP socket to the target, read with a deadline like Go's conn.Read. */
class TargetUdp {
  private readonly queue = new Chan<Buffer>(4096);

  constructor(
    readonly sock: dgram.Socket,
    private readonly ctx: Context,
  ) {
    sock.on('message', (m) => this.queue.trySend(m));
  }

  async read(max: number, timeoutMs: number): Promise<Buffer | null> {
    const m = await this.queue.recv(this.ctx, timeoutMs);
    return m ? m.subarray(0, max) : null;
  }

  write(b: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(b, (e) => (e ? reject(e) : resolve())));
  }

  close(): void {
    try {
      this.sock.close();
    } catch {
      // already closed
    }
  }
}

/** commonUDPOnce: the egress side of a `udp` signal. */
export async function commonUDPOnce(c: Common, s: GoSignal): Promise<void> {
  const id = s.id ?? '';
  c.log.debug(`UDP launch signal: cid ${id} <- ${c.control?.remoteAddr}`);
  const pool = c.pool!;
  let conn: GoConn;
  try {
    conn = await pool.outgoingGet(id, c.env.poolGetTimeoutMs);
  } catch (e) {
    c.log.error(`commonUDPOnce: request timeout: ${(e as Error).message}`);
    pool.addError();
    return;
  }
  const key = s.remote ?? '';
  let target = c.udpSessions.get(key) as TargetUdp | undefined;
  const isNew = !target;
  if (!target) {
    if (!c.tryAcquireSlot(true)) {
      c.log.error(`commonUDPOnce: UDP slot limit reached: ${c.udpSlot}/${c.slotLimit}`);
      conn.close();
      return;
    }
    try {
      target = await dialUdp(c);
    } catch (e) {
      c.log.error(`commonUDPOnce: dialWithRotation failed: ${(e as Error).message}`);
      c.releaseSlot(true);
      conn.close();
      return;
    }
    c.udpSessions.set(key, target);
  }
  const t = target;
  const ctx = c.ctx;
  const abort = (e: unknown) => {
    const err = e as Error & { kind?: string };
    if (err.kind === 'timeout') c.log.debug(`UDP session abort: ${err.message}`);
    else if (err.kind !== 'eof' && err.kind !== 'closed') c.log.error(`commonUDPOnce: ${err.message}`);
  };
  const toTarget = (async () => {
    try {
      while (!ctx.err) {
        const b = await conn.read(c.env.udpDataBufSize, c.env.udpReadTimeoutMs);
        await t.write(b);
        c.udpTX += b.length;
      }
    } catch (e) {
      abort(e);
    }
  })();
  const toTunnel = (async () => {
    try {
      while (!ctx.err) {
        const b = await t.read(c.env.udpDataBufSize, c.env.udpReadTimeoutMs);
        if (b === null) return c.log.debug('UDP session abort: i/o timeout');
        c.udpRX += b.length;
        await conn.write(b);
      }
    } catch (e) {
      abort(e);
    }
  })();
  await Promise.race([toTarget, toTunnel]);
  conn.close();
  c.log.debug(`Tunnel connection: closed ${id}`);
  if (isNew) {
    c.udpSessions.delete(key);
    t.close();
    c.releaseSlot(true);
  }
}

function dialUdp(c: Common): Promise<TargetUdp> {
  const target = c.targets[0];
  const sock = c.track(dgram.createSocket(target.host.includes(':') ? 'udp6' : 'udp4'));
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.connect(target.port, target.host, () => {
      sock.off('error', reject);
      sock.on('error', () => {});
      resolve(new TargetUdp(sock, c.ctx));
    });
  });
}

// The control channel of v1.14 (Go: setControlConn, commonControl, commonQueue, commonOnce,
// healthCheck, incomingVerify, outgoingVerify), on both sides.
//
// observed (Go server + Go client at log=debug): `Marking tunnel handshake as complete` on each
// side, a ping at once (the first CHECK_POINT within a few ms), then one per report interval; at
// tls=1 each side sends `verify` naming one of its idle pooled connections one or two intervals
// later and closes that connection right away; the peer takes it with OutgoingGet (50 ms polls,
// up to 5 s), compares fingerprints, logs `TLS certificate fingerprint verified: sha256:…`, and
// only then does the ingress side accept users. A failed OutgoingGet or a mismatch cancels the
// session (`Client error: …`, restart after 3 s).
// observed: the control connection's reads time out after 3 report intervals of silence.

import { GoError, type GoConn } from './conn';
import type { Common } from './common';
import { Chan, Ticker, sleep } from './go';
import { commonTCPOnce } from './tcp';
import { commonUDPOnce } from './udp';
import { decodeLine, encodeLine, fingerprint, type GoSignal } from './wire';

/** bufio.Reader.ReadBytes('\n') over a conn.TimeoutReader. */
class LineReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly conn: GoConn,
    private readonly timeoutMs: number,
  ) {}

  async readLine(): Promise<Buffer> {
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl >= 0) {
        const line = this.buf.subarray(0, nl);
        this.buf = this.buf.subarray(nl + 1);
        return line;
      }
      const chunk = await this.conn.read(4096, this.timeoutMs);
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    }
  }
}

export function send(c: Common, s: GoSignal): void {
  c.sendSignal(s, (x) => encodeLine(x, c.key));
}

/** setControlConn: wait for an idle pooled connection, then take `00000000`. */
export async function setControlConn(c: Common): Promise<void> {
  const pool = c.pool!;
  const start = Date.now();
  while (!c.ctx.err) {
    if (pool.ready() && pool.active() > 0) break;
    if (Date.now() - start > c.env.handshakeTimeoutMs) throw new Error('setControlConn: handshake timeout');
    await sleep(50, c.ctx);
  }
  if (c.ctx.err) throw new Error('setControlConn: context error: context canceled');
  let conn: GoConn;
  try {
    conn = await pool.outgoingGet('00000000', c.env.poolGetTimeoutMs);
  } catch (e) {
    throw new Error(`setControlConn: outgoingGet failed: ${(e as Error).message}`);
  }
  c.control = conn;
  c.log.info(`Marking tunnel handshake as complete in ${Date.now() - c.handshakeStart}ms`);
  // The writer goroutine: one write at a time, in queue order.
  const ctx = c.ctx;
  const writes = c.writeChan;
  void (async () => {
    for (;;) {
      const data = await writes.recv(ctx);
      if (data === null) return;
      await conn.write(data).catch((e: Error) => c.log.error(`startWriter: write failed: ${e.message}`));
    }
  })();
  if (c.tlsCode !== '0') c.log.info('TLS certificate fingerprint verifying...');
}

/** commonControl: the signal reader, the health check; the first to fail ends the session. */
export async function commonControl(c: Common): Promise<void> {
  const ctx = c.ctx;
  const errors = new Chan<Error>(3);
  void commonQueue(c).then((e) => errors.trySend(e));
  void healthCheck(c).then((e) => errors.trySend(e));
  const err = await errors.recv(ctx);
  throw new Error(err ? `commonControl: ${err.message}` : 'commonControl: context error: context canceled');
}

async function commonQueue(c: Common): Promise<Error> {
  const reader = new LineReader(c.control!, 3 * c.env.reportIntervalMs);
  while (!c.ctx.err) {
    let line: Buffer;
    try {
      line = await reader.readLine();
    } catch (e) {
      return new Error(`commonQueue: readBytes failed: ${e instanceof GoError ? e.message : String(e)}`);
    }
    const r = decodeLine(line, c.key);
    if (!r.ok) {
      c.log.error(`commonQueue: ${r.error}`);
      await sleep(50, c.ctx);
      continue;
    }
    // commonOnce takes it off signalChan and starts a goroutine per signal: the same as here.
    dispatch(c, r.signal);
  }
  return new Error('commonQueue: context error: context canceled');
}

function dispatch(c: Common, s: GoSignal): void {
  switch (s.action) {
    case 'verify':
      if (c.tlsCode !== '0') void outgoingVerify(c, s);
      break;
    case 'tcp':
      void commonTCPOnce(c, s);
      break;
    case 'udp':
      void commonUDPOnce(c, s);
      break;
    case 'flush': {
      c.pool!.flush();
      c.pool!.resetError();
      const pool = c.pool!;
      void sleep(c.env.reportIntervalMs, c.ctx).then((ok) => ok && c.log.debug(`Tunnel pool flushed: ${pool.active()} active connections`));
      break;
    }
    case 'ping':
      send(c, { action: 'pong' });
      break;
    case 'pong':
      c.log.event(c.checkPointLine(Date.now() - c.checkPoint));
      break;
    default:
  }
}

async function healthCheck(c: Common): Promise<Error> {
  const ctx = c.ctx;
  const ticker = new Ticker(c.env.reportIntervalMs);
  const withVerify = c.tlsCode !== '0';
  // Which waiter the first tick wakes depends on who waits first (see CommonOptions.verifyTick).
  const startVerify = () =>
    void ticker.next(ctx).then((ticked) => {
      if (ticked) void incomingVerify(c);
    });
  if (withVerify && c.verifyTick === 1) startVerify();
  let first = true;
  try {
    while (!ctx.err) {
      const pool = c.pool!;
      if (pool.errorCount() > Math.floor(pool.active() / 2)) {
        send(c, { action: 'flush' });
        pool.flush();
        pool.resetError();
        if (!(await ticker.next(ctx))) break;
        c.log.debug(`Tunnel pool flushed: ${pool.active()} active connections`);
      }
      c.checkPoint = Date.now();
      send(c, { action: 'ping' });
      const tick = ticker.next(ctx);
      if (first && withVerify && c.verifyTick === 2) startVerify();
      first = false;
      if (!(await tick)) break;
    }
  } finally {
    ticker.stop();
  }
  return new Error('healthCheck: context error: context canceled');
}

/** incomingVerify: name an idle pooled connection and our view of the certificate, close it. */
async function incomingVerify(c: Common): Promise<void> {
  const pool = c.pool!;
  while (!c.ctx.err && !(pool.ready() && pool.active() > 0)) await sleep(50, c.ctx);
  let got: { id: string; conn: GoConn };
  try {
    got = await pool.incomingGet(c.env.poolGetTimeoutMs);
  } catch (e) {
    c.log.error(`incomingVerify: incomingGet failed: ${(e as Error).message}`);
    c.ctx.cancel();
    return;
  }
  let fp = '';
  if (c.coreType === 'server') {
    if (c.ownCertDer) fp = fingerprint(c.ownCertDer);
  } else {
    const der = got.conn.peerCert();
    if (der) fp = fingerprint(der);
  }
  send(c, { action: 'verify', id: got.id, fp });
  c.log.debug(`TLS verify signal: cid ${got.id} -> ${c.control?.remoteAddr}`);
  got.conn.close();
}

/** outgoingVerify: take the named connection, compare, release the ingress side on a match. */
async function outgoingVerify(c: Common, s: GoSignal): Promise<void> {
  const fail = (msg: string) => {
    c.log.error(msg);
    c.ctx.cancel();
  };
  const theirs = s.fp ?? '';
  if (theirs === '') return fail('outgoingVerify: no fingerprint in signal');
  c.log.debug(`TLS verify signal: cid ${s.id} <- ${c.control?.remoteAddr}`);
  let conn: GoConn;
  try {
    conn = await c.pool!.outgoingGet(s.id ?? '', c.env.poolGetTimeoutMs);
  } catch (e) {
    return fail(`outgoingVerify: request timeout: ${(e as Error).message}`);
  }
  try {
    let server: string, client: string;
    if (c.coreType === 'server') {
      if (!c.ownCertDer) return fail('outgoingVerify: no local certificate');
      server = fingerprint(c.ownCertDer);
      client = theirs;
    } else {
      // A pooled connection without TLS: Go returns here without a word (and never releases).
      if (!conn.isTls) return;
      const der = conn.peerCert();
      if (!der) return fail('outgoingVerify: no peer certificates found');
      client = fingerprint(der);
      server = theirs;
    }
    if (server !== client) return fail(`outgoingVerify: certificate fingerprint mismatch: server: ${server} - client: ${client}`);
    c.log.info(`TLS certificate fingerprint verified: ${theirs}`);
    c.verifyChan?.trySend(true);
  } finally {
    conn.close();
  }
}

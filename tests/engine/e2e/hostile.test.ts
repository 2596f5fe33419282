// Hostile peers against a real server process: garbage control lines, bogus launch signals,
// pooled connections that close early, a handshake flood and a slowloris on the tunnel port.
// Each time the server keeps serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { echoServer, freePort, randomData, roundTrip, sha256, type TestServer } from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';
import { authToken } from '../../../engine/wire/token';
import { decodeSignal, encodeSignal } from '../../../engine/wire/signal';

let echo: TestServer;
const group = new ProcessGroup();
before(async () => {
  echo = await echoServer();
});
after(async () => {
  await group.stopAll();
  await echo.close();
});

const KEY = 'hostile-test-key';

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.on('error', reject);
  });
}

function readBytes(s: net.Socket, n: number, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= n) {
        s.off('data', onData);
        clearTimeout(t);
        s.pause();
        if (buf.length > n) s.unshift(buf.subarray(n));
        resolve(buf.subarray(0, n));
      }
    };
    const t = setTimeout(() => reject(new Error(`wanted ${n} bytes, got ${buf.length}`)), timeoutMs);
    s.on('data', onData);
    s.resume();
  });
}

/** Does the HTTP handshake by hand and returns the server's offer. */
async function handshake(port: number): Promise<string> {
  const s = await connect(port);
  s.write(`GET / HTTP/1.1\r\nHost: none\r\nAuthorization: Bearer ${authToken(KEY)}\r\n\r\n`);
  const body = await new Promise<string>((resolve) => {
    let d = '';
    s.on('data', (c) => (d += c));
    s.on('end', () => resolve(d));
  });
  s.destroy();
  assert.match(body, /^HTTP\/1\.1 200 OK/);
  return body.slice(body.indexOf('\r\n\r\n') + 4);
}

test('garbage on the control channel, bogus signals and early-closed pooled connections', async () => {
  const tunnel = await freePort();
  const entry = await freePort();
  const server = group.start(`server://${KEY}@127.0.0.1:${tunnel}/127.0.0.1:${entry}?mode=1&log=debug`, { NP_POOL_GET_TIMEOUT: '1s' });
  await server.waitFor(/Pending tunnel handshake/);
  const offer = JSON.parse(await handshake(tunnel));
  assert.deepEqual(offer, { flow: '-', max: 1024, tls: '0', type: '0' });
  // Our own "client": the first pooled connection is the control channel (ID 00000000).
  const control = await connect(tunnel);
  assert.equal((await readBytes(control, 4)).toString('hex'), '00000000');
  const pooled: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const p = await connect(tunnel);
    await readBytes(p, 4);
    pooled.push(p);
  }
  const key = Buffer.from(KEY);
  const lines: string[] = [];
  let buf = '';
  control.on('data', (c) => {
    buf += c.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const r = decodeSignal(buf.slice(0, nl), key);
      buf = buf.slice(nl + 1);
      if (r.ok) lines.push(r.signal.action);
    }
  });
  control.resume();
  const xorB64 = (text: string) => Buffer.from(Buffer.from(text).map((b, i) => b ^ key[i % key.length])).toString('base64');
  control.write('!!!! not base64 !!!!\n');
  control.write(xorB64('{"action": "tcp", "id": ') + '\n'); // truncated JSON
  control.write(xorB64('{"action":"launch-missiles"}') + '\n');
  control.write(xorB64('{"action":"tcp","remote":"1.2.3.4:5","id":"../../etc"}') + '\n');
  control.write('A'.repeat(1024 * 1024) + '\n'); // a 1 MiB line
  control.write(encodeSignal({ action: 'tcp', remote: '1.2.3.4:5', id: 'deadbeef' }, key)); // no such pooled conn
  for (const p of pooled.splice(0, 2)) p.destroy(); // pooled connections closing early
  control.write(encodeSignal({ action: 'ping' }, key));
  await server.waitFor(/commonQueue: decode signal failed: illegal base64 data/);
  await server.waitFor(/commonQueue: unmarshal signal failed/);
  await server.waitFor(/commonOnce: tcp signal with invalid id "\.\.\/\.\.\/etc"/);
  await server.waitFor(/commonQueue: signal line of \d+ bytes exceeds the limit, dropped/);
  await server.waitFor(/commonTCPOnce: request timeout: OutgoingGet: connection deadbeef not found after 1000ms/, 5000);
  // Still alive: it answers our ping and the server side of the pool carries a user connection.
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(lines.includes('pong'), `control lines: ${lines}`);
  assert.doesNotMatch(server.output(), /Server error/);
  // A user connects to the server's target port: the server launches it on our remaining pooled
  // connection and tells us its ID on the control channel.
  const user = await connect(entry);
  user.write('hello');
  const gotData = await readBytes(pooled[0], 5);
  assert.equal(gotData.toString(), 'hello');
  assert.ok(lines.includes('tcp'));
  user.destroy();
  control.destroy();
  pooled[0].destroy();
});

test('handshake flood and slowloris on the tunnel port: cut off, the tunnel keeps serving', async () => {
  const tunnel = await freePort();
  const entry = await freePort();
  const server = group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}`, { NP_HANDSHAKE_TIMEOUT: '1s' });
  await server.waitFor(/Pending tunnel handshake/);
  // Slowloris: one byte every 200 ms never completes a header.
  const slow = await connect(tunnel);
  const slowClosed = new Promise<number>((resolve) => {
    const t0 = Date.now();
    const tick = setInterval(() => !slow.destroyed && slow.write('G'), 200);
    slow.on('close', () => {
      clearInterval(tick);
      resolve(Date.now() - t0);
    });
    slow.on('error', () => {});
  });
  // Flood: 300 wrong-key handshakes at once.
  const statuses = await Promise.all(
    Array.from({ length: 300 }, async () => {
      const s = await connect(tunnel);
      s.write(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'0'.repeat(64)}\r\n\r\n`);
      return new Promise<string>((resolve) => {
        let d = '';
        s.on('data', (c) => (d += c));
        s.on('close', () => resolve(d.split('\r\n')[0]));
        s.on('error', () => resolve('error'));
      });
    }),
  );
  assert.ok(statuses.every((s) => s === 'HTTP/1.1 401 Unauthorized'), [...new Set(statuses)].join(','));
  const slowMs = await slowClosed;
  assert.ok(slowMs < 3000, `slowloris cut after ${slowMs} ms`);
  // An oversized header is refused too.
  const big = await connect(tunnel);
  big.write('GET / HTTP/1.1\r\nX-Big: ' + 'a'.repeat(64 * 1024) + '\r\n\r\n');
  const bigReply = await new Promise<string>((resolve) => {
    let d = '';
    big.on('data', (c) => (d += c));
    big.on('close', () => resolve(d.split('\r\n')[0]));
    big.on('error', () => resolve(d.split('\r\n')[0] || 'reset'));
  });
  assert.match(bigReply, /^(HTTP\/1\.1 400 Bad Request|reset)$/);
  // The real client still gets in and traffic flows.
  const client = group.start(`client://127.0.0.1:${tunnel}/127.0.0.1:${entry}`);
  await client.waitFor(/CHECK_POINT/);
  const d = randomData(256 * 1024);
  assert.equal(sha256(await roundTrip(entry, d)), sha256(d));
});

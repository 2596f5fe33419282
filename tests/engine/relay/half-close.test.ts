// The relay's half-close bound: once one side has sent its FIN, the other may keep answering for as
// long as it keeps sending (gaps shorter than halfCloseMs); silence that long ends the session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { relay } from '../../../engine/relay/tcp-relay';

/** Two connected socket pairs: user ↔ a, b ↔ target, with a and b handed to the relay. */
async function wire(): Promise<{ user: net.Socket; a: net.Socket; b: net.Socket; target: net.Socket; close(): void }> {
  const accepted: net.Socket[] = [];
  const srv = net.createServer({ allowHalfOpen: true }, (s) => accepted.push(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  const dial = () => new Promise<net.Socket>((r) => { const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => r(s)); });
  const user = await dial();
  const target = await dial();
  while (accepted.length < 2) await new Promise((r) => setTimeout(r, 5));
  for (const s of [user, target, ...accepted]) s.on('error', () => {});
  return { user, a: accepted[0], b: accepted[1], target, close: () => { for (const s of [user, target, ...accepted]) s.destroy(); srv.close(); } };
}

test('a reply that keeps coming after the FIN is delivered; silence then ends the session', async () => {
  const w = await wire();
  try {
    const done = relay(w.a, w.b, { idleMs: 0, halfCloseMs: 300 });
    let got = '';
    w.user.on('data', (c) => (got += c));
    let targetSawFin = false;
    let request = '';
    w.target.on('data', (c) => (request += c));
    w.target.on('end', () => (targetSawFin = true));
    w.user.end('request');
    // The target answers slowly for 1 s: gaps of 150 ms, well past 300 ms in total.
    for (let i = 0; i < 7; i++) {
      await new Promise((r) => setTimeout(r, 150));
      w.target.write(`${i}`);
    }
    const t0 = Date.now();
    const why = await done;
    assert.equal(why, 'half-closed session idle for 300ms');
    assert.ok(Date.now() - t0 >= 200 && Date.now() - t0 < 1500, `ended ${Date.now() - t0} ms after the last byte`);
    assert.equal(got, '0123456');
    assert.equal(request, 'request');
    assert.ok(targetSawFin, 'the FIN was passed on');
  } finally {
    w.close();
  }
});

test('halfCloseMs 0 waits as long as it takes; read (idleMs) takes precedence when set', async () => {
  const w = await wire();
  try {
    let settled = false;
    const done = relay(w.a, w.b, { idleMs: 0, halfCloseMs: 0 }).then((r) => ((settled = true), r));
    w.user.end('x');
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(settled, false);
    w.target.end('late reply');
    assert.equal(await done, 'EOF');
  } finally {
    w.close();
  }
  const v = await wire();
  try {
    const done = relay(v.a, v.b, { idleMs: 200, halfCloseMs: 60_000 });
    v.user.end('x');
    assert.equal(await done, 'read timeout after 200ms idle');
  } finally {
    v.close();
  }
});

// bin/nodepass as users run it: usage and exit status on bad input, specific errors, startup
// checks, port conflicts without half-started listeners, and graceful shutdown on signals.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { echoServer, freePort } from '../helpers/net';
import { NodePassProcess, ProcessGroup } from '../helpers/proc';

const group = new ProcessGroup();
after(() => group.stopAll());

async function runToExit(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const p = new NodePassProcess(args[0] ?? '', env, args);
  const code = await p.exited;
  // Give the pipes a moment to deliver the last lines.
  await new Promise((r) => setTimeout(r, 50));
  return { code, out: p.lines.join('\n'), err: p.stderr.join('\n') };
}

test('no URL: usage banner and exit 1', async () => {
  const r = await runToExit([]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^Error: start: empty URL command \[\d+\]$/);
  assert.match(r.out, /server:\/\/password@host\/host\?<query>/);
  assert.match(r.out, /nodepass-v[\d.]+\S* linux\/x64/);
});

test('a bad URL names the parameter and what it accepts', async () => {
  const cases: Array<[string, RegExp]> = [
    ['server://:10101/127.0.0.1:8080?tls=3', /^Error: tls=3: expected 0, 1 or 2 \[\d+\]$/],
    ['ftp://h:1/h:2', /^Error: scheme "ftp": expected server, client or master \[\d+\]$/],
    ['client://h/h:2', /^Error: tunnel address "h": expected host:port \[\d+\]$/],
    ['server://:1/h:2?mode=9&slot=-1', /^Error: mode=9: expected 0, 1 or 2; slot=-1: expected a non-negative integer \(0 for unlimited\) \[\d+\]$/],
  ];
  for (const [url, re] of cases) {
    const r = await runToExit([url]);
    assert.equal(r.code, 1, url);
    assert.match(r.err, re, url);
  }
  const two = await runToExit(['server://:1/h:2', 'extra']);
  assert.equal(two.code, 1);
  assert.match(two.err, /expected exactly one URL argument, got 2/);
  // How a master starts an instance process: the URL by the environment, not the command line.
  const noEnv = await runToExit(['--instance=abc']);
  assert.equal(noEnv.code, 1);
  assert.match(noEnv.err, /^Error: start: --instance=abc expects the instance URL in NPD_INSTANCE_URL \[\d+\]$/);
  const badEnv = await runToExit(['--instance=abc'], { NPD_INSTANCE_URL: 'server://:10101/127.0.0.1:8080?tls=3' });
  assert.equal(badEnv.code, 1);
  assert.match(badEnv.err, /^Error: tls=3: expected 0, 1 or 2 \[\d+\]$/);
});

test('invalid NP_* variables and start-up checks exit 1 with the reason', async () => {
  const env = await runToExit(['server://:10101/127.0.0.1:8080'], { NP_TCP_DIAL_TIMEOUT: 'soon' });
  assert.equal(env.code, 1);
  assert.match(env.err, /Error: NP_TCP_DIAL_TIMEOUT=soon: expected a positive duration/);
  const port = await freePort();
  const loop = await runToExit([`server://127.0.0.1:${port}/127.0.0.1:${port}`]);
  assert.equal(loop.code, 1);
  assert.match(loop.err, new RegExp(`newServer: tunnel port ${port} conflicts with target address 127\\.0\\.0\\.1:${port}`));
  const cert = await runToExit(['server://:10101/127.0.0.1:8080?tls=2&crt=/nonexistent/c.pem&key=/nonexistent/k.pem']);
  assert.equal(cert.code, 1);
  assert.match(cert.err, /newServer: crt=\/nonexistent\/c\.pem: cannot read: ENOENT/);
  const dns = await runToExit(['client://127.0.0.1:10101/no-such-host.invalid:80']);
  assert.equal(dns.code, 1);
  assert.match(dns.err, /newClient: resolve target no-such-host\.invalid:80: lookup no-such-host\.invalid: ENOTFOUND/);
});

test('tunnel port in use: a clear error naming the address, retried, nothing half-started', async () => {
  const blocker = net.createServer();
  const port = await freePort();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
  const target = await freePort();
  const s = group.start(`server://127.0.0.1:${port}/127.0.0.1:${target}?mode=1`, { NP_SERVICE_COOLDOWN: '1s' });
  await s.waitFor(new RegExp(`Server error: start: initTunnelListener failed: listen tcp 127\\.0\\.0\\.1:${port}: bind: address already in use`));
  // The target listener was never opened while the tunnel port could not be.
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(target, '127.0.0.1', () => probe.close(() => resolve()));
  });
  blocker.close();
  await s.waitFor(/Pending tunnel handshake/, 8000);
  await s.stop();
});

test('target port in use in reverse mode: the tunnel listener is released too', async () => {
  const echo = await echoServer();
  after(() => echo.close());
  const tunnel = await freePort();
  const s = group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}?mode=1`, { NP_SERVICE_COOLDOWN: '5s' });
  await s.waitFor(new RegExp(`Server error: start: initTargetListener failed: listen tcp 127\\.0\\.0\\.1:${echo.port}: bind: address already in use`));
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(tunnel, '127.0.0.1', () => probe.close(() => resolve()));
  });
  await s.stop();
});

test('SIGTERM and SIGINT shut down gracefully with exit 0', async () => {
  const echo = await echoServer();
  after(() => echo.close());
  const tunnel = await freePort();
  const s = group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}`);
  await s.waitFor(/Pending tunnel handshake/);
  const c = group.start(`client://127.0.0.1:${tunnel}/127.0.0.1:${await freePort()}`);
  await c.waitFor(/CHECK_POINT/);
  const t0 = Date.now();
  assert.equal(await c.stop('SIGINT'), 0);
  assert.equal(await s.stop('SIGTERM'), 0);
  assert.ok(Date.now() - t0 < 5000);
  await new Promise((r) => setTimeout(r, 50));
  assert.match(c.output(), /Client shutdown complete/);
  assert.match(s.output(), /Server shutdown complete/);
});

test('log levels: none prints nothing, event prints only CHECK_POINT, debug announces itself', async () => {
  const echo = await echoServer();
  try {
    const port = await freePort();
    const quiet = group.start(`client://127.0.0.1:${port}/127.0.0.1:${echo.port}?log=none`);
    const ev = group.start(`client://127.0.0.1:${await freePort()}/127.0.0.1:${echo.port}?log=event`);
    const dbg = group.start(`client://127.0.0.1:${await freePort()}/127.0.0.1:${echo.port}?log=debug`);
    await ev.waitFor(/EVENT {2}CHECK_POINT\|MODE=1/);
    await dbg.waitFor(/DEBUG {2}Init log level: DEBUG/);
    // NodePass announces a non-default level at that level, then only EVENT lines follow.
    assert.match(ev.lines[0], / EVENT {2}Init log level: EVENT$/);
    assert.ok(ev.lines.slice(1).every((l) => / EVENT {2}CHECK_POINT\|/.test(l)), ev.output());
    assert.equal(quiet.lines.length, 0);
  } finally {
    await echo.close();
  }
});

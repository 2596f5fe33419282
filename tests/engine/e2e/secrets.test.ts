// Secrets never reach logs at info level (issue 9). A realistic run — a master at log=info running a
// server+client pair with a chosen tunnel key (traffic, URL change, restart, master restart), and a
// standalone server+client pair plus a wrong-key client — and then every line any of them printed
// (stdout, stderr, the master's echo of instance lines, SSE `log` events) is searched for the keys
// in every form they could take: as written, percent-encoded, and as the handshake's bearer token.
// The API key may appear only where the master announces it (`API Key created/loaded:`, as NodePass
// does). Files: only the state file (and its backup) hold the keys, readable by the owner only.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { echoServer, eventually, freePort, randomData, roundTrip, sha256, type TestServer } from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';
import { EventLog, must, removeDir, startMaster, tempStateDir, type MasterHandle } from '../../helpers/master';
import { authToken } from '../../../engine/wire/token';

const group = new ProcessGroup();
const masters: MasterHandle[] = [];
let echo: TestServer | null = null;
const dir = tempStateDir();
after(async () => {
  for (const m of masters) await m.kill('SIGKILL');
  await group.stopAll();
  await echo?.close();
  removeDir(dir);
});

/** Traffic flows through `port` (within 15 s); on failure, says what the master printed. */
async function flows(port: number, d: Buffer, m: MasterHandle): Promise<void> {
  try {
    await eventually(async () => assert.equal(sha256(await roundTrip(port, d, '127.0.0.1', 2000)), sha256(d)), 15000, 200);
  } catch (e) {
    throw new Error(`no traffic through ${port}: ${(e as Error).message}\n--- master ---\n${m.proc.lines.slice(-40).join('\n')}`);
  }
}

/** Every way a tunnel key could show up in text. */
function forms(key: string): string[] {
  const enc = encodeURIComponent(key);
  return [...new Set([key, enc, enc.toLowerCase(), enc.replace(/%20/g, '+'), authToken(key)])];
}

test('a realistic run at log=info prints no tunnel key, token or API key outside its announcement; only the state file holds them', async () => {
  echo = await echoServer();
  const KEY = 'Tk9 s3cr3t/ключ';
  const SOLO_KEY = 'solo-s3cr3t-7f3a9c';
  const WRONG_KEY = 'wrong-s3cr3t-1b2c3d';
  const lines: Array<{ from: string; line: string }> = [];

  // ---- master + a pair it runs ----
  let m = await startMaster({ stateDir: dir, log: 'info' });
  masters.push(m);
  const apiKey = m.key;
  const events = new EventLog(m.api);
  const tunnel = await freePort();
  const entry = await freePort();
  const enc = encodeURIComponent(KEY);
  const server = must(await m.api.createInstance({ url: `server://${enc}@127.0.0.1:${tunnel}/127.0.0.1:${echo.port}` }));
  // mode=2: on one host, a client in auto mode that starts first would take the tunnel port as a
  // single-end listener (NodePass's mode detection) and the server could never bind it.
  const client = must(await m.api.createInstance({ url: `client://${enc}@127.0.0.1:${tunnel}/127.0.0.1:${entry}?mode=2` }));
  assert.ok(server.url.includes('@') && client.url.includes('@'), 'the API itself returns the URL with its key (by design)');
  const d = randomData(64 * 1024);
  await flows(entry, d, m);
  const entry2 = await freePort();
  must(await m.api.replaceInstance(client.id, { url: `client://${enc}@127.0.0.1:${tunnel}/127.0.0.1:${entry2}?mode=2` }));
  await flows(entry2, d, m);
  must(await m.api.updateInstance(server.id, { action: 'restart' }));
  await flows(entry2, d, m);
  await events.wait((e) => e.type === 'log' && e.instance?.id === server.id && /Server started/.test(e.logs));
  events.close();
  assert.equal(await m.kill('SIGTERM'), 0);
  // Restarted: the instances come back by themselves (Auto-starting … lines).
  const m2 = await startMaster({ stateDir: dir, log: 'info' });
  masters.push(m2);
  await m2.proc.waitFor(/Auto-starting instance: .*\[/, 10000);
  await flows(entry2, d, m2);
  for (const mm of [m, m2]) for (const line of [...mm.proc.lines, ...mm.proc.stderr]) lines.push({ from: 'master', line });
  for (const e of events.events) if (e.type === 'log') lines.push({ from: 'SSE log', line: e.logs });
  assert.ok(events.events.filter((e) => e.type === 'log').length > 10, 'the SSE log events were collected');

  // ---- standalone pair + a client with the wrong key ----
  const soloTunnel = await freePort();
  const soloEntry = await freePort();
  const s = group.start(`server://${SOLO_KEY}@127.0.0.1:${soloTunnel}/127.0.0.1:${echo.port}?log=info`);
  await s.waitFor(/Pending tunnel handshake/);
  const w = group.start(`client://${WRONG_KEY}@127.0.0.1:${soloTunnel}/127.0.0.1:${await freePort()}?log=info`);
  await w.waitFor(/Client error: /);
  await s.waitFor(/wrong tunnel key/);
  await w.stop();
  const c = group.start(`client://${SOLO_KEY}@127.0.0.1:${soloTunnel}/127.0.0.1:${soloEntry}?log=info`);
  await c.waitFor(/CHECK_POINT/);
  assert.equal(sha256(await roundTrip(soloEntry, d)), sha256(d));
  for (const p of [s, c, w]) {
    await p.stop();
    for (const line of [...p.lines, ...p.stderr]) lines.push({ from: p.url.slice(0, 6), line });
  }

  // ---- the search ----
  assert.ok(lines.length > 50, `lines collected: ${lines.length}`);
  assert.ok(lines.some((l) => /Server started: server:\/\/\*\*\*@/.test(l.line)), 'the start lines are there, masked');
  assert.ok(lines.some((l) => /Instance starting: server:\/\/\*\*\*@/.test(l.line)), 'the master names the URL, masked');
  const secrets = [...forms(KEY), ...forms(SOLO_KEY), ...forms(WRONG_KEY)];
  for (const { from, line } of lines) {
    for (const sec of secrets) assert.ok(!line.includes(sec), `${from} printed a secret (${JSON.stringify(sec)}): ${line}`);
    if (line.includes(apiKey)) assert.match(line, /API Key (created|loaded): [0-9a-f]{32}$/, `${from} printed the API key: ${line}`);
  }
  assert.equal(lines.filter((l) => l.line.includes(apiKey)).length, 2, 'announced once per master start');

  // ---- files ----
  const holders: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const text = readFileSync(file, 'utf8');
    if (secrets.some((sec) => text.includes(sec)) || text.includes(apiKey)) holders.push(name);
  }
  assert.deepEqual(holders.sort(), ['master.json', 'master.json.backup']);
  for (const name of holders) assert.equal(statSync(path.join(dir, name)).mode & 0o777, 0o600, `${name} is readable by its owner only`);
  assert.ok(readdirSync(dir).includes('master.traffic.json'), 'the traffic history was written (and holds no secret)');
});

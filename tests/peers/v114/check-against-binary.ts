// Runs the v1.14 peers against the real Go binary: if the Go end works with a peer exactly as it
// works with itself, the peer is faithful. Not part of `npm test` (the binary is not in the repo):
//
//   NODEPASS_BIN=/opt/nodepass-ref/nodepass node --import tsx tests/peers/v114/check-against-binary.ts [filter]
//
// Each scenario pairs a peer with the binary, and, for reference, the binary with itself; both
// must behave the same: the same `verify` outcome, TCP intact both ways, and the same UDP result
// (v1.14 splits a datagram over 1186 bytes that is the first write of the client side of a TLS
// pooled connection; the peer must do that too). `FAIL` marks a peer that differs (exit 1);
// `V1.14` a failure of the binary with itself (seen: the tail of a TCP stream lost over type 3);
// `RACE` a scenario that hit one of v1.14's own races four times in a row (inconclusive).

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, udpEchoServer, type UdpEchoServer } from '../../helpers/net';
import { makePki, type TestPki } from '../../helpers/certs';
import { datagramsInFlight, twoWayTarget, twoWayTransfer, type TwoWayTarget } from '../../helpers/interop-traffic';
import { fileCert, ramCert, startV114Client, startV114Server, type V114Client, type V114Server } from './index';
import { PeerLog } from './log';

const BIN = process.env.NODEPASS_BIN;
if (!BIN) {
  console.error('NODEPASS_BIN is not set (the path of a NodePass v1.14.0 binary)');
  process.exit(2);
}
const REPORT_MS = 1000;
const ENV = { reportIntervalMs: REPORT_MS };

/** A Go process with its log lines in a PeerLog (colours stripped). */
class GoProcess {
  readonly log: PeerLog;
  private readonly child: ChildProcess;

  constructor(name: string, url: string, env: Record<string, string> = {}) {
    this.log = new PeerLog(name);
    this.child = spawn(BIN!, [url], { env: { ...process.env, NP_REPORT_INTERVAL: `${REPORT_MS / 1000}s`, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        // eslint-disable-next-line no-control-regex
        const line = buf.slice(0, nl).replace(/\x1b\[[0-9;]*m/g, '');
        buf = buf.slice(nl + 1);
        const m = /^\S+ \S+\s+(\w+)\s+(.*)$/.exec(line);
        if (m) this.log.log(m[1] as 'INFO', m[2]);
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
  }

  stop(): Promise<void> {
    return new Promise((r) => {
      if (this.child.exitCode !== null) return r();
      this.child.once('exit', () => r());
      this.child.kill('SIGTERM');
    });
  }
}

type End = { log: PeerLog; stop(): Promise<void> };

interface Scenario {
  name: string;
  tls: 0 | 1 | 2;
  flow: 'reverse' | 'forward';
  server: 'go' | 'peer';
  client: 'go' | 'peer';
  /** Pool type (the peer server plays type 0 only). */
  type: 0 | 3;
  /** What the session should come to: traffic, or the line (either side) that ends it. */
  expect: 'traffic' | RegExp;
}

interface Services {
  tcp: TwoWayTarget;
  udp: UdpEchoServer;
  pki: TestPki;
}

async function startServer(s: Scenario, sv: Services, tunnel: number, target: number): Promise<End> {
  const mode = s.flow === 'reverse' ? '1' : '2';
  if (s.server === 'go') {
    const tlsQ = s.tls === 2 ? `tls=2&crt=${sv.pki.certFile}&key=${sv.pki.keyFile}` : `tls=${s.tls}`;
    const p = new GoProcess('go server', `server://127.0.0.1:${tunnel}/127.0.0.1:${target}?log=debug&mode=${mode}&type=${s.type}&${tlsQ}`);
    await p.log.waitFor(/Pending tunnel handshake/, 5000);
    return p;
  }
  const tls = s.tls === 0 ? 0 : { code: s.tls, cert: s.tls === 1 ? await ramCert() : fileCert(readFileSync(sv.pki.certFile), readFileSync(sv.pki.keyFile)) };
  const p: V114Server = startV114Server({ tunnel: { host: '127.0.0.1', port: tunnel }, targets: [{ host: '127.0.0.1', port: target }], tls, mode, env: ENV });
  await p.log.waitFor(/Pending tunnel handshake/, 5000);
  return p;
}

function startClient(s: Scenario, sv: Services, tunnel: number, target: number): End {
  const sni = s.tls === 2 ? 'localhost' : undefined;
  if (s.client === 'go') {
    return new GoProcess('go client', `client://127.0.0.1:${tunnel}/127.0.0.1:${target}?log=debug&mode=2${sni ? `&sni=${sni}` : ''}`, {
      SSL_CERT_FILE: sv.pki.caFile,
    });
  }
  const p: V114Client = startV114Client({
    tunnel: { host: '127.0.0.1', port: tunnel },
    targets: [{ host: '127.0.0.1', port: target }],
    sni,
    ca: readFileSync(sv.pki.caFile),
    env: ENV,
  });
  return p;
}

/**
 * The races v1.14 has with itself: both sides name the same pooled connection in `verify` (their
 * report ticks fall within the signal's trip) and both cancel; or the server closes its HTTP
 * server before the 200 has left. A run that hit one says so and is tried again.
 */
function v114Race(a: PeerLog, b: PeerLog): string | null {
  const named = (l: PeerLog) => l.lines.map((x) => /TLS verify signal: cid (\w+) ->/.exec(x)?.[1]).filter((x): x is string => !!x);
  const same = named(a).find((id) => named(b).includes(id));
  if (same) return `both sides named ${same} in verify`;
  if (a.count(/tunnelHandshake: Get .*: EOF/) + b.count(/tunnelHandshake: Get .*: EOF/) > 0) return 'the 200 of the handshake never left the server';
  return null;
}

class Raced extends Error {}

/** One pair, TCP then UDP (one pair per protocol: the target differs). */
async function run(s: Scenario, sv: Services, proto: 'tcp' | 'udp'): Promise<string> {
  const tunnel = await freePort();
  const entry = await freePort();
  const svc = proto === 'tcp' ? sv.tcp.port : sv.udp.port;
  // Reverse: the server listens on `entry` and the client dials the service; forward: the other way.
  const [serverTarget, clientTarget] = s.flow === 'reverse' ? [entry, svc] : [svc, entry];
  const server = await startServer(s, sv, tunnel, serverTarget);
  const client = startClient(s, sv, tunnel, clientTarget);
  const ingress = s.flow === 'reverse' ? server : client;
  try {
    if (s.expect !== 'traffic') {
      // Whichever side receives a `verify` first cancels; report who and why.
      const strip = (l: string) => l.replace(/^\S+ \S+\s+\w+\s+/, '');
      const re = s.expect;
      const said = await Promise.any([
        client.log.waitFor(re, 20_000).then((l) => `client: ${strip(l)}`),
        server.log.waitFor(re, 20_000).then((l) => `server: ${strip(l)}`),
      ]);
      return `${said}; traffic: ${server.log.count(/Starting exchange/) + client.log.count(/Starting exchange/)} exchanges`;
    }
    if (s.tls !== 0) {
      await client.log.waitFor(/TLS certificate fingerprint verified/, 15_000);
      await server.log.waitFor(/TLS certificate fingerprint verified/, 15_000);
    }
    await ingress.log.waitFor(/CHECK_POINT/, 15_000);
    if (proto === 'tcp') {
      await twoWayTransfer(sv.tcp, entry, 3 << 20, 2 << 20, 30_000);
      await twoWayTransfer(sv.tcp, entry, 1000, 1 << 20, 30_000);
      return 'tcp: 3 MiB up + 2 MiB down, then 1000 B + 1 MiB, intact (sha256)';
    }
    const sizes = [1400, 1400, 3000, 100, ...Array.from({ length: 36 }, (_, i) => 1 + ((i * 389) % 1400))];
    const datagrams = sizes.map((n, i) => Buffer.alloc(n, i + 1));
    const r = await datagramsInFlight(entry, datagrams, 1, 2000);
    return `udp: ${r.intact}/${r.sent} intact (one at a time)${r.foreign.length ? `, pieces back: ${r.foreign.join(',')}` : ''}`;
  } catch (e) {
    const race = v114Race(client.log, server.log);
    throw race ? new Raced(race) : e;
  } finally {
    await client.stop();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const filter = process.argv[2] ?? '';
  const sv: Services = { tcp: await twoWayTarget(), udp: await udpEchoServer(), pki: await makePki(['localhost'], ['127.0.0.1']) };
  const scenarios: Scenario[] = [];
  for (const tls of [1, 0] as const)
    for (const flow of ['reverse', 'forward'] as const)
      for (const [server, client] of [
        ['go', 'go'],
        ['go', 'peer'],
        ['peer', 'go'],
      ] as const)
        scenarios.push({ name: `tls=${tls} ${flow} ${server} server + ${client} client`, tls, flow, server, client, type: 0, expect: 'traffic' });
  for (const flow of ['reverse', 'forward'] as const)
    for (const client of ['go', 'peer'] as const)
      scenarios.push({ name: `type=3 tls=1 ${flow} go server + ${client} client`, tls: 1, flow, server: 'go', client, type: 3, expect: 'traffic' });
  for (const [server, client] of [
    ['go', 'go'],
    ['go', 'peer'],
    ['peer', 'go'],
  ] as const)
    scenarios.push({ name: `tls=2 forward ${server} server + ${client} client`, tls: 2, flow: 'forward', server, client, type: 0, expect: /outgoingVerify: |TLS certificate fingerprint verified/ });
  // A peer scenario failing is a peer that is not faithful; the binary failing with itself is v1.14.
  let failed = 0;
  for (const s of scenarios.filter((x) => x.name.includes(filter))) {
    const reference = s.server === 'go' && s.client === 'go';
    for (const proto of s.expect === 'traffic' ? (['tcp', 'udp'] as const) : (['tcp'] as const)) {
      const races: string[] = [];
      for (let attempt = 1; ; attempt++) {
        try {
          const note = races.length ? ` (after v1.14 races: ${races.join('; ')})` : '';
          console.log(`ok    ${s.name}: ${await run(s, sv, proto)}${note}`);
          break;
        } catch (e) {
          if (e instanceof Raced && attempt < 4) {
            races.push(e.message);
            continue;
          }
          // Four races in a row say nothing either way about the peer.
          const what = e instanceof Raced ? 'RACE ' : reference ? 'V1.14' : 'FAIL ';
          if (what === 'FAIL ') failed++;
          console.log(`${what} ${s.name} (${proto}): ${(e as Error).message.split('\n').slice(0, 40).join('\n      ')}`);
          break;
        }
      }
    }
  }
  await sv.tcp.close();
  await sv.udp.close();
  process.exit(failed ? 1 : 0);
}

void main();

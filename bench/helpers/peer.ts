// A benchmark peer in its own process (so it does not share an event loop with the harness):
//   echo     TCP echo (half-close aware)
//   sink     TCP receiver that counts bytes and times first → last byte
//   udpsink  UDP receiver that counts datagrams and checks each is intact
// It prints {"port":N} once listening, then answers one JSON line per command read on stdin:
// `stats` and `reset`.

import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { UDP_MAGIC, udpTemplate } from './udp-format';

const mode = process.argv[2];
const out = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');

let stats: () => unknown = () => ({});
let reset: () => void = () => {};

if (mode === 'echo') {
  let conns = 0;
  let open = 0;
  const srv = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
    conns++;
    open++;
    s.on('error', () => {});
    s.on('close', () => open--);
    s.pipe(s);
  });
  srv.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => out({ port: (srv.address() as net.AddressInfo).port }));
  stats = () => ({ conns, open });
  reset = () => (conns = 0);
} else if (mode === 'sink') {
  let bytes = 0;
  let first = 0;
  let last = 0;
  let conns = 0;
  const srv = net.createServer({ allowHalfOpen: false }, (s) => {
    conns++;
    s.on('error', () => {});
    s.on('data', (chunk: Buffer) => {
      const now = performance.now();
      if (bytes === 0) first = now;
      last = now;
      bytes += chunk.length;
    });
  });
  srv.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => out({ port: (srv.address() as net.AddressInfo).port }));
  stats = () => ({ bytes, seconds: (last - first) / 1000, conns });
  reset = () => {
    bytes = first = last = conns = 0;
  };
} else if (mode === 'udpsink') {
  const size = Number(process.argv[3] ?? 1400);
  const template = udpTemplate(size);
  let received = 0;
  let intact = 0;
  let bytes = 0;
  const seen = new Set<number>();
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg) => {
    received++;
    bytes += msg.length;
    if (msg.length !== size || msg.readUInt32BE(0) !== UDP_MAGIC) return;
    if (msg.compare(template, 12, size, 12, size) !== 0) return;
    const seq = msg.readUInt32BE(8);
    if (seen.has(seq)) return;
    seen.add(seq);
    intact++;
  });
  sock.bind(0, '127.0.0.1', () => {
    try {
      sock.setRecvBufferSize(8 * 1024 * 1024);
    } catch {
      // The kernel caps it at net.core.rmem_max; the default is what the tunnel gets too.
    }
    out({ port: sock.address().port });
  });
  stats = () => ({ received, intact, bytes });
  reset = () => {
    received = intact = bytes = 0;
    seen.clear();
  };
} else {
  process.stderr.write(`peer: unknown mode ${mode}\n`);
  process.exit(2);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'stats') out(stats());
  else if (cmd === 'reset') {
    reset();
    out({ ok: true });
  }
});
process.stdin.on('end', () => process.exit(0));

// The TCP sockets a process is listening on (Linux): its socket inodes from /proc/<pid>/fd matched
// against /proc/net/tcp and tcp6. What `ss -ltnp` would show, without needing ss.

import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface Listener {
  /** `127.0.0.1`, `0.0.0.0`, `::1`, `::` … */
  address: string;
  port: number;
}

function ipv4(hex: string): string {
  // Little-endian 32-bit word.
  return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}

function ipv6(hex: string): string {
  // Four little-endian 32-bit words.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) for (const i of [3, 2, 1, 0]) bytes.push(parseInt(hex.slice(w * 8 + i * 2, w * 8 + i * 2 + 2), 16));
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[i * 2] << 8) | bytes[i * 2 + 1]).toString(16));
  const text = groups.join(':');
  if (text === '0:0:0:0:0:0:0:0') return '::';
  if (text === '0:0:0:0:0:0:0:1') return '::1';
  return text;
}

export function listenersOf(pid: number): Listener[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const out: Listener[] = [];
  for (const [file, decode] of [['tcp', ipv4], ['tcp6', ipv6]] as const) {
    const rows = readFileSync(`/proc/${pid}/net/${file}`, 'utf8').trim().split('\n').slice(1);
    for (const row of rows) {
      const f = row.trim().split(/\s+/);
      // f[1] local address, f[3] state (0A = LISTEN), f[9] inode
      if (f[3] !== '0A' || !inodes.has(f[9])) continue;
      const [addr, port] = f[1].split(':');
      out.push({ address: decode(addr), port: parseInt(port, 16) });
    }
  }
  return out;
}

// Host figures for GET /info (spec §9.5), read from /proc on Linux the way NodePass reads them;
// other platforms report 0 (cpu −1), as NodePass does.

import { readFile } from 'node:fs/promises';

export interface SysInfo {
  cpu: number;
  mem_total: number;
  mem_used: number;
  swap_total: number;
  swap_used: number;
  netrx: number;
  nettx: number;
  diskr: number;
  diskw: number;
  sysup: number;
}

const EMPTY: SysInfo = { cpu: -1, mem_total: 0, mem_used: 0, swap_total: 0, swap_used: 0, netrx: 0, nettx: 0, diskr: 0, diskw: 0, sysup: 0 };

/** Go's GOOS / GOARCH names, which dashboards display. */
export function goOs(p: NodeJS.Platform = process.platform): string {
  return p === 'win32' ? 'windows' : p === 'sunos' ? 'solaris' : p;
}

export function goArch(a: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle' };
  return map[a] ?? a;
}

async function text(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

function cpuTimes(stat: string): { idle: number; total: number } | null {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return null;
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0); // idle + iowait
  return { idle, total };
}

function parseMeminfo(s: string): Pick<SysInfo, 'mem_total' | 'mem_used' | 'swap_total' | 'swap_used'> {
  const kb = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(s);
    return m ? Number(m[1]) * 1024 : 0;
  };
  const memTotal = kb('MemTotal');
  const swapTotal = kb('SwapTotal');
  return {
    mem_total: memTotal,
    mem_used: Math.max(0, memTotal - kb('MemAvailable')),
    swap_total: swapTotal,
    swap_used: Math.max(0, swapTotal - kb('SwapFree')),
  };
}

const SKIP_NET = ['lo', 'veth', 'docker', 'podman', 'br-', 'virbr'];

function parseNetDev(s: string): { netrx: number; nettx: number } {
  let netrx = 0;
  let nettx = 0;
  for (const line of s.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (SKIP_NET.some((p) => name.startsWith(p))) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length >= 9) {
      netrx += f[0] || 0;
      nettx += f[8] || 0;
    }
  }
  return { netrx, nettx };
}

function parseDiskstats(s: string): { diskr: number; diskw: number } {
  let diskr = 0;
  let diskw = 0;
  for (const line of s.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const name = f[2];
    if (name.includes('loop') || name.includes('ram') || name.startsWith('dm-') || name.startsWith('md') || /\d$/.test(name)) continue;
    diskr += (Number(f[5]) || 0) * 512;
    diskw += (Number(f[9]) || 0) * 512;
  }
  return { diskr, diskw };
}

export async function sysInfo(): Promise<SysInfo> {
  if (process.platform !== 'linux') return { ...EMPTY };
  const a = cpuTimes(await text('/proc/stat'));
  await new Promise((r) => setTimeout(r, 100));
  const [stat, mem, net, disk, up] = await Promise.all([text('/proc/stat'), text('/proc/meminfo'), text('/proc/net/dev'), text('/proc/diskstats'), text('/proc/uptime')]);
  const b = cpuTimes(stat);
  let cpu = -1;
  if (a && b && b.total > a.total) cpu = Math.min(100, Math.round((100 * (b.total - a.total - (b.idle - a.idle))) / (b.total - a.total)));
  const sysup = Math.floor(Number(up.trim().split(/\s+/)[0]) || 0);
  return { cpu, ...parseMeminfo(mem), ...parseNetDev(net), ...parseDiskstats(disk), sysup };
}

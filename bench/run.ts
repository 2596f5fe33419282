// `npm run bench [-- options]`: the loopback benchmark of issue 8. Prints a table per section and
// writes bench/results/<timestamp>.json with a description of the machine.
//
//   --quick (default, ≈2 min) | --full (long: 10 s runs, medians of 3) | --smoke (seconds; tests)
//   --only=throughput,latency,concurrency,udp,footprint,ready   run some sections
//   --out=FILE          where the JSON goes        --no-install  never apt-get iperf3/socat
//   --builtin           built-in sender/receiver even when iperf3 is installed
//   --types=0,2  --tls=0  narrow the pool types / TLS modes tried
//   --profile           our processes run with --cpu-prof (profiles in bench/profiles/; see
//                       bench/profile-summary.ts)
//   NODEPASS_BIN=/path/to/nodepass adds that binary's server and client as extra rows.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROFILES, type Ctx, type Profile } from './lib/context';
import { Peer, ROOT } from './lib/proc';
import { progress, renderSection, type Section } from './lib/report';
import { findTools, toolVersions } from './lib/tools';
import { OURS, nodepassImpl, ourNodeFlags, type Impl } from './lib/tunnel';
import { concurrency } from './sections/concurrency';
import { cpuPerGB, footprint } from './sections/footprint';
import { latency } from './sections/latency';
import { ready } from './sections/ready';
import { throughput } from './sections/throughput';
import { udp } from './sections/udp';

export const SECTIONS = ['throughput', 'cpuPerGB', 'latency', 'concurrency', 'udp', 'footprint', 'ready'] as const;
type SectionId = (typeof SECTIONS)[number];

export interface BenchResult {
  version: 1;
  profile: Profile['name'];
  startedAt: string;
  seconds: number;
  machine: Record<string, unknown>;
  implementations: Array<{ id: string; label: string }>;
  notes: string[];
  sections: Partial<Record<SectionId, Section>>;
}

function parseArgs(argv: string[]) {
  const o = { profile: 'quick' as Profile['name'], only: null as string[] | null, out: '', install: true, builtin: false, cpuProf: false, types: null as number[] | null, tls: null as number[] | null };
  for (const a of argv) {
    if (a === '--quick' || a === '--full' || a === '--smoke') o.profile = a.slice(2) as Profile['name'];
    else if (a.startsWith('--only=')) o.only = a.slice(7).split(',').filter(Boolean);
    else if (a.startsWith('--out=')) o.out = a.slice(6);
    else if (a === '--no-install') o.install = false;
    else if (a === '--builtin') o.builtin = true;
    else if (a === '--profile') o.cpuProf = true;
    else if (a.startsWith('--types=')) o.types = a.slice(8).split(',').map(Number);
    else if (a.startsWith('--tls=')) o.tls = a.slice(6).split(',').map(Number);
    else throw new Error(`unknown option ${a} (expected --quick, --full, --smoke, --only=…, --out=…, --no-install, --builtin, --profile)`);
  }
  const known = ['throughput', 'latency', 'concurrency', 'udp', 'footprint', 'ready'];
  if (o.types?.some((t) => ![0, 1, 2, 3].includes(t))) throw new Error(`--types=${o.types.join(',')}: expected pool types 0-3`);
  if (o.tls?.some((t) => ![0, 1].includes(t))) throw new Error(`--tls=${o.tls.join(',')}: expected 0 and/or 1`);
  for (const s of o.only ?? []) if (!known.includes(s)) throw new Error(`--only=${s}: expected some of ${known.join(', ')}`);
  return o;
}

function softNofile(): number {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) ? n : 1024;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

export async function runBench(argv: string[]): Promise<{ result: BenchResult; file: string }> {
  const args = parseArgs(argv);
  const profile: Profile = { ...PROFILES[args.profile] };
  if (args.types) profile.types = args.types as Profile['types'];
  if (args.tls) profile.tls = profile.tputTls = args.tls as Profile['tls'];
  const started = Date.now();
  if (args.cpuProf) {
    const dir = path.join(ROOT, 'bench/profiles');
    mkdirSync(dir, { recursive: true });
    ourNodeFlags.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const impls: Impl[] = [OURS];
  const np = nodepassImpl();
  if (np) impls.push(np);
  const tools = findTools({ install: args.install && args.profile !== 'smoke', log: progress });
  const useIperf = !!tools.iperf3 && !args.builtin;
  const load0 = os.loadavg();
  const echo = await new Peer('echo').ready();
  const ctx: Ctx = { profile, impls, tools, useIperf, echo, cpu: [], nofile: softNofile(), log: progress };
  const want = (s: string) => !args.only || args.only.includes(s);
  const sections: BenchResult['sections'] = {};
  const show = (id: SectionId, s: Section) => {
    sections[id] = s;
    process.stdout.write(`\n${renderSection(s)}\n`);
  };
  progress(`profile ${profile.name}; implementations: ${impls.map((i) => i.label).join(', ')}; ${useIperf ? 'iperf3' : 'built-in sender/receiver'}`);
  try {
    if (want('throughput')) {
      const t = await throughput(ctx);
      show('throughput', t);
      const socat = t.rows.find((r) => r.label.startsWith('socat') && r.status === 'ok');
      show('cpuPerGB', cpuPerGB(ctx, socat?.values.cpuPerGB ?? null));
    }
    if (want('latency')) show('latency', await latency(ctx));
    if (want('concurrency')) show('concurrency', await concurrency(ctx));
    if (want('udp')) show('udp', await udp(ctx));
    if (want('footprint')) show('footprint', await footprint(ctx));
    if (want('ready')) show('ready', await ready(ctx));
  } finally {
    await echo.stop();
  }
  const cpus = os.cpus();
  const result: BenchResult = {
    version: 1,
    profile: profile.name,
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    machine: {
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryMiB: Math.round(os.totalmem() / 2 ** 20),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      nofile: ctx.nofile,
      loadavgStart: load0.map((x) => Math.round(x * 100) / 100),
      loadavgEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
      tools: toolVersions(tools),
      commit: gitCommit(),
    },
    implementations: impls.map((i) => ({ id: i.id, label: i.label })),
    notes: tools.notes,
    sections,
  };
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const file = args.out || path.join(ROOT, 'bench/results', `${stamp}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  for (const n of tools.notes) process.stdout.write(`\nnote: ${n}\n`);
  process.stdout.write(
    `\nmachine: ${result.machine.cpu}, ${result.machine.cores} cores, load ${load0[0].toFixed(2)} → ${os.loadavg()[0].toFixed(2)}; ${result.seconds} s\nresults: ${path.relative(process.cwd(), file)}\n`,
  );
  return { result, file };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, 'bench/run.ts')) {
  runBench(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: Error) => {
      process.stderr.write(`bench: ${e.message}\n`);
      process.exit(1);
    },
  );
}

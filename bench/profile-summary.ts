// Summarises V8 .cpuprofile files (from `npm run bench -- --profile`, i.e. node --cpu-prof):
// self time per function and inclusive time of the heaviest stacks, as text.
//
//   node --import tsx bench/profile-summary.ts bench/profiles/CPU.*.cpuprofile [--top=30]
//
// For a flame graph, open the same file in Chrome DevTools (Performance → Load profile) or
// speedscope; this prints what the flame graph shows at its widest.

import { readFileSync } from 'node:fs';
import path from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function name(n: Node): string {
  const f = n.callFrame;
  const file = f.url ? path.basename(f.url.replace(/^file:\/\//, '')) : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
}

export function summarise(p: Profile, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Time per sample, attributed to the sampled node (self) and its ancestors (inclusive).
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    total += dt;
    const leaf = byId.get(p.samples[i])!;
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const nm = name(byId.get(id)!);
      if (seen.has(nm)) continue;
      seen.add(nm);
      incl.set(nm, (incl.get(nm) ?? 0) + dt);
    }
  }
  const pct = (v: number) => `${((100 * v) / total).toFixed(1).padStart(5)} %`;
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `  ${pct(v)}  ${k}`)
      .join('\n');
  const idle = self.get('(idle)') ?? 0;
  return [
    `sampled ${(total / 1e6).toFixed(2)} s, busy ${((100 * (total - idle)) / total).toFixed(1)} %`,
    'self time:',
    list(self),
    'inclusive time:',
    list(incl),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith('profile-summary.ts')) {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const topArg = process.argv.find((a) => a.startsWith('--top='));
  const top = topArg ? Number(topArg.slice(6)) : 25;
  for (const f of files) {
    process.stdout.write(`== ${f}\n${summarise(JSON.parse(readFileSync(f, 'utf8')) as Profile, top)}\n\n`);
  }
}

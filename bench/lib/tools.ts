// External tools the benchmark prefers when present: iperf3 (TCP throughput) and socat (a
// one-hop relay baseline). On Debian as root it installs them with apt; elsewhere it says how.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Tools {
  iperf3: string | null;
  socat: string | null;
  notes: string[];
}

function which(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function version(cmd: string, flag: string): string {
  const r = spawnSync(cmd, [flag], { encoding: 'utf8', timeout: 5000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

export function toolVersions(t: Tools): Record<string, string> {
  const v: Record<string, string> = {};
  if (t.iperf3) v.iperf3 = version(t.iperf3, '--version');
  if (t.socat) v.socat = (version(t.socat, '-V').match(/socat version \S+/) ?? [''])[0] || version(t.socat, '-V');
  return v;
}

/** Finds the tools; installs the missing ones with apt-get when allowed and possible. */
export function findTools(opts: { install: boolean; log: (m: string) => void }): Tools {
  const notes: string[] = [];
  let iperf3 = which('iperf3');
  let socat = which('socat');
  const missing = [!iperf3 && 'iperf3', !socat && 'socat'].filter(Boolean) as string[];
  if (missing.length > 0) {
    const canApt = existsSync('/etc/debian_version') && which('apt-get') !== null && process.getuid?.() === 0;
    if (opts.install && canApt) {
      opts.log(`installing ${missing.join(' ')} with apt-get (pass --no-install to skip)`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      let r = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { env, encoding: 'utf8', timeout: 300_000 });
      if (r.status !== 0) {
        spawnSync('apt-get', ['update', '-qq'], { env, timeout: 300_000 });
        r = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { env, encoding: 'utf8', timeout: 300_000 });
      }
      if (r.status !== 0) notes.push(`apt-get install ${missing.join(' ')} failed: ${(r.stderr ?? '').trim().split('\n').pop()}`);
      iperf3 = which('iperf3');
      socat = which('socat');
    } else {
      const how = canApt ? `apt-get install ${missing.join(' ')}` : `install ${missing.join(' and ')} with your package manager`;
      notes.push(`${missing.join(' and ')} not installed (${how}) — ${!iperf3 ? 'using the built-in sender/receiver' : ''}${!iperf3 && !socat ? '; ' : ''}${!socat ? 'no socat baseline' : ''}`);
    }
  }
  return { iperf3, socat, notes };
}

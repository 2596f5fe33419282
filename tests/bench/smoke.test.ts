// Smoke test of `npm run bench`: the harness runs end to end at tiny sizes (built-in
// sender/receiver, no installs) and writes JSON with every section and figures that make sense.
// It asserts shape and sanity only, never speed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/proc';

test('npm run bench --smoke writes every section with sane values', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'np-bench-'));
  const out = path.join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--builtin', '--no-install', `--out=${out}`], {
      cwd: ROOT,
      env: { ...process.env, NODEPASS_BIN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0, `bench exited ${code}\n${stdout}\n${stderr}`);

    // The table is printed and progress was shown.
    assert.match(stdout, /## TCP throughput/);
    assert.match(stdout, /## Time to ready/);
    assert.match(stderr, /throughput: direct, 1 stream/);

    const r = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(r.profile, 'smoke');
    assert.equal(r.machine.cores, os.cpus().length);
    assert.equal(typeof r.machine.node, 'string');
    assert.deepEqual(Object.keys(r.sections).sort(), ['concurrency', 'cpuPerGB', 'footprint', 'latency', 'ready', 'throughput', 'udp']);
    const get = (section: string, label: string) => {
      const row = r.sections[section].rows.find((x: { label: string }) => x.label === label);
      assert.ok(row, `${section}: no row ${label}; rows: ${r.sections[section].rows.map((x: { label: string }) => x.label).join(', ')}`);
      assert.equal(row.status, 'ok', `${section} ${label}: ${row.note}`);
      return row;
    };

    const direct = get('throughput', 'direct');
    const tunnel0 = get('throughput', 'ours type 0 tls=0');
    const tunnel1 = get('throughput', 'ours type 0 tls=1');
    for (const row of [direct, tunnel0, tunnel1]) {
      for (const k of ['s1', 's2']) assert.ok(row.values[k] > 0.01 && row.values[k] < 1000, `${row.label} ${k} = ${row.values[k]} Gbit/s`);
    }
    // A ratio is the figure over the same run's direct figure.
    assert.ok(Math.abs(tunnel0.ratios.s1 - tunnel0.values.s1 / direct.values.s1) < 0.01);
    assert.ok(tunnel0.values.cpuPerGB > 0 && tunnel0.values.cpuPerGB < 100, `cpu s/GB ${tunnel0.values.cpuPerGB}`);
    assert.ok(get('cpuPerGB', 'ours type 0 tls=1').values.cpuPerGB > 0);

    for (const label of ['direct', 'ours type 0 tls=0']) {
      const l = get('latency', label).values;
      assert.equal(l.failed, 0);
      assert.ok(l.p50 > 0 && l.p50 <= l.p99 && l.p99 <= l.max, `${label}: p50 ${l.p50} p99 ${l.p99} max ${l.max}`);
    }

    const conc = get('concurrency', 'ours type 0 tls=0 20').values;
    assert.equal(conc.success, 100);
    assert.ok(conc.seconds > 0);
    assert.equal(get('concurrency', 'direct 20').values.success, 100);

    assert.equal(get('udp', 'direct').values.r1000pct, 100);
    const udpTunnel = r.sections.udp.rows.find((x: { label: string }) => x.label === 'ours type 0 tls=0');
    assert.ok(udpTunnel && ['ok', 'skipped'].includes(udpTunnel.status), JSON.stringify(udpTunnel));

    const fp = get('footprint', 'ours type 0 tls=0').values;
    assert.ok(fp.serverRssMiB > 10 && fp.serverRssMiB < 1024, `server RSS ${fp.serverRssMiB} MiB`);
    assert.ok(fp.clientRssMiB > 10 && fp.clientRssMiB < 1024, `client RSS ${fp.clientRssMiB} MiB`);
    assert.ok(fp.serverCpuPct >= 0 && fp.serverCpuPct <= 200);

    const ready = get('ready', 'ours type 0 tls=0').values;
    assert.ok(ready.median > 0 && ready.median < 20_000, `ready ${ready.median} ms`);
    assert.ok(get('ready', 'bare node (direct)').values.median > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

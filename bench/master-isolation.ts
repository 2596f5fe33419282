// Worker thread vs child process per instance: idle memory of 20 instances, throughput
// of one server+client pair, and start time. Run: node --import tsx bench/master-isolation.ts
// (npm run build first). Prints one JSON line per isolation mode.
import { echoServer, freePort, randomData, roundTrip, sha256 } from '../scripts/lib/net';
import { must, startMaster } from './lib/master';
import { childrenOf, rssKiBOf } from './lib/proc';

const MiB = 1024 * 1024;

/** VmRSS in bytes (0 once the process is gone). */
const rssOf = (pid: number): number => (rssKiBOf(pid) ?? 0) * 1024;

function treeRss(pid: number): { total: number; master: number; children: number[] } {
  const kids = childrenOf(pid);
  const master = rssOf(pid);
  const children = kids.map(rssOf);
  return { total: master + children.reduce((a, b) => a + b, 0), master, children };
}

async function measure(isolation: 'worker' | 'process', count: number, bulkMiB: number) {
  const m = await startMaster({ NP_ISOLATION: isolation });
  const pid = m.pid;
  const baseline = rssOf(pid);
  const t0 = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const inst = must(await m.api.createInstance({ url: `server://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}` }));
    ids.push(inst.id);
  }
  for (;;) {
    const list = must(await m.api.listInstances()).filter((i) => ids.includes(i.id));
    if (list.every((i) => i.status === 'running' && i.mode === 1)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const startMs = Date.now() - t0;
  await new Promise((r) => setTimeout(r, 3000));
  const idle = treeRss(pid);

  const echo = await echoServer();
  const tunnel = await freePort();
  const entry = await freePort();
  must(await m.api.createInstance({ url: `server://127.0.0.1:${tunnel}/127.0.0.1:${entry}?log=warn` }));
  must(await m.api.createInstance({ url: `client://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}?mode=2&log=warn` }));
  const warm = randomData(1024);
  for (;;) {
    try {
      if (sha256(await roundTrip(entry, warm, '127.0.0.1', 3000)) === sha256(warm)) break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const data = randomData(bulkMiB * MiB);
  const t1 = performance.now();
  const back = await roundTrip(entry, data, '127.0.0.1', 120000);
  const secs = (performance.now() - t1) / 1000;
  if (sha256(back) !== sha256(data)) throw new Error('bulk data corrupted');
  const busy = treeRss(pid);
  await m.stop();
  await echo.close();
  return {
    isolation,
    instances: count,
    masterBaselineMB: +(baseline / MiB).toFixed(1),
    idleTotalMB: +(idle.total / MiB).toFixed(1),
    idleMasterMB: +(idle.master / MiB).toFixed(1),
    idlePerInstanceMB: +((idle.total - baseline) / count / MiB).toFixed(1),
    startAllMs: startMs,
    throughputMiBps: +((2 * bulkMiB) / secs).toFixed(1),
    afterBulkTotalMB: +(busy.total / MiB).toFixed(1),
  };
}

const count = Number(process.env.COUNT ?? 20);
const bulk = Number(process.env.BULK_MIB ?? 128);
for (const iso of (process.env.MODES ?? 'worker,process').split(',') as Array<'worker' | 'process'>) {
  console.log(JSON.stringify(await measure(iso, count, bulk)));
}

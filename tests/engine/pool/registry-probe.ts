// Run by registry.test.ts in a fresh process: which transport libraries are in memory after the
// engine is imported and a server of the type named on the command line is prepared.
import { createRequire } from 'node:module';
import { createInstance } from '../../../engine/instance/index';

const req = createRequire(import.meta.url);
const loaded = () => ({
  ws: Object.keys(req.cache).some((k) => k.includes('/node_modules/ws/')),
  http2: (process as unknown as { moduleLoadList: string[] }).moduleLoadList.includes('NativeModule http2'),
  quiche: Object.keys(req.cache).some((k) => k.includes('/node_modules/@matrixai/quic')),
});

const type = Number(process.argv[2]);
const report: Record<string, unknown> = { imported: loaded() };
const r = createInstance(`server://127.0.0.1:10101/127.0.0.1:8080?type=${type}&tls=1&mode=2&log=none`, { env: {} });
if (!r.ok) throw new Error(r.message);
await r.instance.prepare();
report.prepared = loaded();
console.log(JSON.stringify(report));

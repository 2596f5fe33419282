// A master process (bin/nodepass master://…) with its state in a temp dir and our HTTP client
// pointed at it, for benchmarks of the instances it runs.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiResult } from '../../engine/api/contract';
import { HttpApi } from '../../engine/api/http-client';
import { NodePassProcess } from '../../scripts/lib/proc';

export interface BenchMaster {
  pid: number;
  api: HttpApi;
  /** Kills the master (its instances go with it) and removes its state. */
  stop(): Promise<void>;
}

export async function startMaster(env: Record<string, string>): Promise<BenchMaster> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'np-bench-master-'));
  const proc = new NodePassProcess('master://127.0.0.1:0/api?log=info', { NP_MASTER_STATE: path.join(stateDir, 'master.json'), ...env });
  const started = await proc.waitFor(/Master started: 127\.0\.0\.1:(\d+)\//, 15_000);
  const keyLine = await proc.waitFor(/API Key (created|loaded): [0-9a-f]{32}/, 5000);
  const port = Number(/127\.0\.0\.1:(\d+)\//.exec(started)![1]);
  const key = /([0-9a-f]{32})/.exec(keyLine)![1];
  const api = new HttpApi({ baseUrl: `http://127.0.0.1:${port}/api/v1`, apiKey: key });
  return {
    pid: proc.child.pid!,
    api,
    stop: async () => {
      await proc.stop('SIGKILL');
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export function must<T>(r: ApiResult<T>): T {
  if (!r.ok) throw new Error(`API call failed: ${r.status} ${r.error}`);
  return r.value;
}

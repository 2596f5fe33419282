// The worker-thread side of WorkerRunner (built to dist/engine/instance-worker.mjs): runs one
// instance and reports log lines, stats and state to the master as messages.

import { parentPort, workerData } from 'node:worker_threads';
import { createInstance } from '../instance/index';
import type { RunnerControl, RunnerMessage } from '../instance/runner-channel';
import type { WorkerData } from './runner-worker';

const port = parentPort!;
const data = workerData as WorkerData;
const post = (m: RunnerMessage) => port.postMessage(m);

async function main(): Promise<void> {
  const created = createInstance(data.url, { statsIntervalMs: data.statsIntervalMs, env: process.env });
  if (!created.ok) {
    post({ type: 'state', state: 'error', message: created.message });
    throw new Error(created.message);
  }
  const { instance, logger, cfg } = created;
  const name = cfg.scheme === 'server' ? 'Server' : 'Client';
  logger.addSink((r) => post({ type: 'log', line: r.line }));
  if (cfg.log !== 'info' && cfg.log !== 'none') logger.log(cfg.log === 'debug' ? 'debug' : cfg.log, `Init log level: ${cfg.log.toUpperCase()}`);
  for (const p of cfg.unknown) logger.warn(`Unknown parameter ignored: ${p}`);
  instance.on('stats', (s) => post({ type: 'stats', stats: s }));
  instance.on('state', (e) => post({ type: 'state', state: e.state, message: e.message }));

  let stopping = false;
  port.on('message', (m: RunnerControl) => {
    if (m.type === 'stop' && !stopping) {
      stopping = true;
      void instance.stop().finally(() => {
        logger.info(`${name} shutdown complete`);
        // Let the last messages leave before the thread ends.
        setImmediate(() => process.exit(0));
      });
    } else if (m.type === 'fault' && data.faults) {
      if (m.kind === 'throw') setImmediate(() => {
        throw new Error('injected fault');
      });
      else if (m.kind === 'hang') setImmediate(() => {
        for (;;);
      });
      else if (m.kind === 'exit') process.exit(3);
    }
  });

  try {
    await instance.checkAddresses();
    await instance.prepare();
  } catch (e) {
    const msg = `${cfg.scheme === 'server' ? 'newServer' : 'newClient'}: ${(e as Error).message}`;
    logger.error(msg);
    post({ type: 'state', state: 'error', message: msg });
    process.exit(1);
  }
  await instance.run();
}

main().catch((e: Error) => {
  // Reported to the master through the worker's `error` event.
  throw e;
});

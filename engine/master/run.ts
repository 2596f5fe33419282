// master:// entry point for `bin/nodepass` (spec §9): start, then stop everything gracefully on
// SIGINT/SIGTERM within NP_SHUTDOWN_TIMEOUT.

import { parseEnv } from '../url/env';
import { startMaster, MasterStartError } from './master';

export async function runMaster(url: string, fail: (message: string) => never): Promise<void> {
  let master;
  try {
    master = await startMaster({ url });
  } catch (e) {
    if (e instanceof MasterStartError) fail(e.message);
    throw e;
  }
  const env = parseEnv(process.env);
  const timeoutMs = env.ok ? env.value.shutdownTimeoutMs : 5000;
  const m = master;
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      m.logger.error(`Master shutdown error: timeout after ${timeoutMs}ms`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    m.shutdown().then(
      () => {
        m.logger.info('Master shutdown complete');
        process.exit(0);
      },
      (e: Error) => {
        m.logger.error(`Master shutdown error: ${e.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

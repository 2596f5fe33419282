// bin/nodepass "<url>": the same single-URL interface as the Go binary (spec §2.1).

import { createInstance, ENGINE_VERSION } from './instance/index';
import { attachParent, INSTANCE_URL_ENV, watchParent } from './instance/runner-channel';
import { stdoutSink } from './instance/logger';
import { parseNodePassUrl } from './url/model';

function banner(): string {
  const lines = [
    'server://password@host/host?<query>',
    'client://password@host/host?<query>',
    'master://hostname:port/path?<query>',
    '',
    `nodepass-${ENGINE_VERSION} ${process.platform}/${process.arch}`,
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 2;
  const bar = '─'.repeat(width);
  return [
    `╭${bar}╮`,
    ...lines.map((l) => `│ ${l.padEnd(width - 2)} │`),
    `╰${bar}╯`,
    '',
    'Usage: nodepass "<url>"',
    'Examples:',
    '  nodepass "server://:10101/127.0.0.1:8080?tls=1"',
    '  nodepass "client://server.example.com:10101/127.0.0.1:8080"',
    '  nodepass "master://127.0.0.1:9090/api?log=info"',
    '',
  ].join('\n');
}

function fail(message: string): never {
  process.stderr.write(`Error: ${message} [${process.pid}]\n`);
  process.stdout.write(banner());
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  // A reader that goes away (a closed pipe) must not take the tunnel down with EPIPE.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  if (process.send) watchParent();
  if (argv.length !== 1 || argv[0].trim() === '') {
    fail(argv.length > 1 ? `start: expected exactly one URL argument, got ${argv.length}` : 'start: empty URL command');
  }
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(banner());
    process.exit(0);
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`nodepass-${ENGINE_VERSION} ${process.platform}/${process.arch}\n`);
    process.exit(0);
  }
  let url = argv[0];
  if (url.startsWith('--instance=')) {
    // Started by a master (runner-process.ts): the URL, key included, comes by the environment,
    // and leaves it at once so nothing this process starts inherits it.
    url = process.env[INSTANCE_URL_ENV] ?? '';
    delete process.env[INSTANCE_URL_ENV];
    if (!url) fail(`start: ${argv[0]} expects the instance URL in ${INSTANCE_URL_ENV}`);
  }
  const structural = parseNodePassUrl(url);
  if (structural.ok && structural.value.scheme === 'master') {
    const { runMaster } = await import('./master/run');
    return runMaster(url, fail);
  }
  const created = createInstance(url, { statsIntervalMs: process.send ? Number(process.env.NPD_STATS_INTERVAL ?? 1000) : 0 });
  if (!created.ok) fail(created.message);
  const { instance, logger, cfg, env } = created;
  logger.addSink(stdoutSink);
  if (cfg.log !== 'info' && cfg.log !== 'none') logger.log(cfg.log === 'debug' ? 'debug' : cfg.log, `Init log level: ${cfg.log.toUpperCase()}`);
  for (const name of cfg.unknown) logger.warn(`Unknown parameter ignored: ${name}`);
  try {
    await instance.checkAddresses();
    await instance.prepare();
  } catch (e) {
    fail(`${cfg.scheme === 'server' ? 'newServer' : 'newClient'}: ${(e as Error).message}`);
  }
  if (process.send) {
    attachParent(instance);
  }

  const name = cfg.scheme === 'server' ? 'Server' : 'Client';
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      logger.error(`${name} shutdown error: timeout after ${env.shutdownTimeoutMs}ms`);
      process.exit(0);
    }, env.shutdownTimeoutMs);
    timer.unref();
    instance.stop().then(
      () => {
        logger.info(`${name} shutdown complete`);
        process.exit(0);
      },
      (e: Error) => {
        logger.error(`${name} shutdown error: ${e.message}`);
        process.exit(0);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await instance.run();
}

main(process.argv.slice(2)).catch((e: Error) => fail(e.stack ?? e.message));

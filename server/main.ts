// Composition root: read config, start everything, stop cleanly on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startOnair } from './onair.js';
import { publicUrlNotice } from './http/urls.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`onair: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  const server = await startOnair(config, logger);
  const where = config.publicUrlSet ? `Watch and sign up at ${config.publicUrl}/  ·  stream to ${config.rtmpPublicUrl}` : `Watch and sign up at http://<this machine's address>:${server.httpPort}/`;
  console.log(`Onair is up. ${where}  (RTMP port ${server.rtmpPort}, HTTP port ${server.httpPort})`);
  console.log(`${publicUrlNotice(config)}.`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err: (err as Error).message }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  console.error(`onair: could not start: ${(err as Error).message}`);
  process.exit(1);
});

// Composition root: read config, start everything, stop cleanly on SIGTERM/SIGINT.
import { networkInterfaces } from 'node:os';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startOnair } from './onair.js';
import { publicUrlNotice } from './http/urls.js';

/** Where people on this machine and on the network can open the site (ONAIR_PUBLIC_URL unset). */
function siteAddresses(httpHost: string, port: number): string[] {
  const wildcard = httpHost === '0.0.0.0' || httpHost === '::' || httpHost === '';
  const hosts = wildcard
    ? [
        'localhost',
        ...Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address)),
      ]
    : [httpHost.includes(':') ? `[${httpHost}]` : httpHost];
  return hosts.map((h) => `http://${h}:${port}/`);
}

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
  const server = await startOnair(config, logger).catch((err: unknown) => {
    // A certificate file that cannot be read is a setting to fix, said in one line like the others.
    if (err instanceof ConfigError) {
      console.error(`onair: ${err.message}`);
      process.exit(2);
    }
    throw err;
  });
  const where = config.publicUrlSet
    ? `Watch and sign up at ${config.publicUrl}/  ·  stream to ${config.rtmpPublicUrl}`
    : `Watch and sign up at ${siteAddresses(config.httpHost, server.httpPort).join(' or ')}`;
  const rtmps = server.rtmpsPort ? `, RTMPS port ${server.rtmpsPort}` : '';
  const srt = server.srtPort ? `, SRT port ${server.srtPort} (UDP)` : '';
  console.log(`Onair is up. ${where}  (RTMP port ${server.rtmpPort}${rtmps}, HTTP port ${server.httpPort}${srt})`);
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

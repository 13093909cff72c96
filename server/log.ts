import { pino, type Logger } from 'pino';

export type { Logger };

// Fields that may hold a secret are censored wherever they appear, as a second line of defence:
// code should never pass a stream key, password or token to the logger in the first place.
const REDACT = [
  'streamKey',
  '*.streamKey',
  'key',
  '*.key',
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'cookie',
  '*.cookie',
];

/** `level` comes from the config (OnairConfig.logLevel); tests and tools pass their own. */
export function createLogger(opts: { level?: string; name?: string } = {}, destination?: NodeJS.WritableStream): Logger {
  const options = {
    name: opts.name ?? 'onair',
    level: opts.level ?? 'info',
    redact: { paths: REDACT, censor: '[secret]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that drops everything, for tests and tools that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

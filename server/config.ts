// Settings: embedded defaults, then an optional JSON config file, then environment variables (highest). This is the
// only server module that reads the environment (the linter holds every other one to that): the server reads its
// settings once at start and hands them down. README's settings table lists every variable read here.
//
// Resource limits are named constants. The server-wide ones are LIMITS below; the others sit beside the code they
// bound, one table per module:
//   server/rtmp/limits.ts        DEFAULT_RTMP_LIMITS (timeouts, queues, GOP cache of RTMP connections)
//   server/rtmp/chunk.ts         DEFAULT_CHUNK_READER_LIMITS (RTMP chunk and message sizes)
//   server/srt/limits.ts         DEFAULT_SRT_LIMITS (SRT connections, handshakes, buffers, timeouts)
//   server/media/packager.ts     PACKAGER_LIMITS (segments and playlists in memory)
//   server/api/chat.ts           CHAT_LIMITS (message sizes, rates, history; shared with the apps)
//   server/access/access.ts      ACCESS_LIMITS; server/access/change-bus.ts ACCESS_CHANGE_LIMITS
//   server/db/database.ts        DB_LIMITS; server/db/validation.ts ACCOUNT_LIMITS; server/api/tag-rules.ts TAG_LIMITS;
//   server/db/social.ts          SOCIAL_LIMITS; server/db/replays.ts REPLAY_LIMITS;
//   server/db/rate-limit.ts      LOGIN_RATE_LIMITS; server/db/auth-tokens.ts TOKEN_LIMITS
//   server/cluster/rate-windows.ts RATE_WINDOW_LIMITS (how long a rate limit waits for Redis)
//   server/api/types.ts          WEBHOOK_LIMITS (per channel, URL length, attempts, deadline; shared with the apps);
//   server/webhooks/dispatcher.ts DELIVERY_LIMITS (retry backoff, queue per webhook, test sends)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import proxyAddr from '@fastify/proxy-addr';
import type { SignupMode } from './api/types.js';
import type { OnairConfig } from './config-types.js';

export type { AuthConfig, MediaConfig, OnairConfig, RestreamConfig, WebhooksConfig } from './config-types.js';

/** Who may create an account through the site and the API (ONAIR_SIGNUPS); the operator CLI always may. */
export const SIGNUP_MODES: readonly SignupMode[] = ['open', 'invite', 'closed'];

export const LIMITS = {
  /** Request bodies on the JSON API. */
  httpBodyBytes: 64 * 1024,
  /** One path segment matched by a route parameter (e.g. /api/channels/:name); longer ones are answered 414. */
  httpParamChars: 100,
  /** After answering a request the HTTP parser refused, the connection is closed at the latest this much later. */
  clientErrorLingerMs: 1000,
  /** Failed logins per IP and username before a lock-out. */
  loginFailures: 5,
  loginWindowSeconds: 300,
  /** Registrations per IP in the window below. */
  registrationsPerIp: 50,
  registrationWindowSeconds: 3600,
  /** Unknown invite tokens per IP in the window below before GET/redeem answer 429. */
  inviteMisses: 20,
  inviteMissWindowSeconds: 600,
  /** /api/admin/users and /api/admin/replays: rows per page at most and by default; the user search's length. */
  adminPageMax: 100,
  adminPageDefault: 25,
  adminSearchMax: 64,
  /** Samples of the server process kept for /admin's charts (at ONAIR_METRICS_SECONDS each: 10 minutes by default). */
  systemHistorySamples: 60,
  /** Replay retention sweep period. */
  retentionSweepSeconds: 600,
  /** A stream folder with no replay, no publisher and a journal this still was left by a process that died. */
  interruptedStreamQuietSeconds: 120,
  /** An ffmpeg child (ABR, thumbnail) that exceeds this without output is killed. */
  ffmpegStallSeconds: 20,
} as const;

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

const DEFAULTS = {
  httpHost: '0.0.0.0',
  httpPort: 8080,
  mediaLane: true,
  rtmpHost: '0.0.0.0',
  rtmpPort: 1935,
  rtmpMaxPerAddress: 32,
  rtmpsPort: 1936,
  srtPort: 8890,
  srtLatencyMs: 120,
  dataDir: './data',
  logLevel: 'info',
  chatRetentionDays: 90,
  metricsIntervalSeconds: 10,
  signups: 'open' as SignupMode,
  media: {
    segmentSeconds: 1,
    liveWindowSegments: 10,
    lowLatency: true,
    partSeconds: 0.2,
    gracePeriodSeconds: 10,
    abr: false,
    thumbnailIntervalSeconds: 10,
    replayRetentionDays: 30,
    replayRetentionBytes: 20 * 1024 ** 3,
    ffmpegPath: '',
    poisonReleasedMedia: false,
  },
  auth: { sessionDays: 30, bearerDays: 365 },
  webhooks: { allowPrivateAddresses: false },
  restream: { allowPrivateAddresses: false },
};

export class ConfigError extends Error {
  readonly code = 'config_invalid';
}

function num(name: string, raw: unknown, min: number, max: number): number {
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function bool(name: string, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const s = String(raw).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

/**
 * Reads the config. `ONAIR_CONFIG` (or ./onair.config.json when present) names a JSON file whose keys mirror
 * OnairConfig; environment variables override it.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): OnairConfig {
  const file = env.ONAIR_CONFIG ?? (existsSync(path.join(cwd, 'onair.config.json')) ? path.join(cwd, 'onair.config.json') : '');
  let fromFile: any = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
  }
  const pick = (envName: string, fileValue: unknown, def: unknown) => env[envName] ?? fileValue ?? def;
  const m = fromFile.media ?? {};
  const a = fromFile.auth ?? {};
  const w = fromFile.webhooks ?? {};
  const rs = fromFile.restream ?? {};

  const httpPort = num('ONAIR_HTTP_PORT', pick('ONAIR_HTTP_PORT', fromFile.httpPort, DEFAULTS.httpPort), 0, 65535);
  const rtmpPort = num('ONAIR_RTMP_PORT', pick('ONAIR_RTMP_PORT', fromFile.rtmpPort, DEFAULTS.rtmpPort), 0, 65535);
  const publicUrl = String(pick('ONAIR_PUBLIC_URL', fromFile.publicUrl, `http://localhost:${httpPort}`)).replace(/\/+$/, '');
  let host: string;
  try {
    host = new URL(publicUrl).hostname;
  } catch {
    throw new ConfigError(`ONAIR_PUBLIC_URL must be a URL such as https://live.example.com, got ${JSON.stringify(publicUrl)}`);
  }
  const rtmpPublicUrl = String(
    pick('ONAIR_RTMP_PUBLIC_URL', fromFile.rtmpPublicUrl, `rtmp://${host}${rtmpPort === 1935 ? '' : `:${rtmpPort}`}/live`),
  ).replace(/\/+$/, '');

  const certFile = String(pick('ONAIR_TLS_CERT', fromFile.tlsCert, ''));
  const keyFile = String(pick('ONAIR_TLS_KEY', fromFile.tlsKey, ''));
  const rtmpsPortRaw = pick('ONAIR_RTMPS_PORT', fromFile.rtmpsPort, undefined);
  if (!certFile !== !keyFile)
    throw new ConfigError('RTMPS needs both ONAIR_TLS_CERT and ONAIR_TLS_KEY (PEM files: the certificate chain and its private key).');
  if (rtmpsPortRaw !== undefined && !certFile)
    throw new ConfigError('ONAIR_RTMPS_PORT needs ONAIR_TLS_CERT and ONAIR_TLS_KEY: RTMPS cannot run without a certificate.');
  const rtmps = certFile
    ? {
        port: num('ONAIR_RTMPS_PORT', rtmpsPortRaw ?? DEFAULTS.rtmpsPort, 0, 65535),
        certFile: path.resolve(cwd, certFile),
        keyFile: path.resolve(cwd, keyFile),
      }
    : null;
  const rtmpsPublicUrl = rtmps ? rtmpsUrlBeside(rtmpPublicUrl, rtmps.port) : '';

  const srtPortRaw = String(pick('ONAIR_SRT_PORT', fromFile.srtPort, DEFAULTS.srtPort))
    .trim()
    .toLowerCase();
  const srtPort = srtPortRaw === 'off' ? 0 : srtPortRaw === 'auto' ? -1 : num('ONAIR_SRT_PORT', srtPortRaw, 0, 65535);
  const srt =
    srtPort === 0
      ? null
      : {
          port: Math.max(0, srtPort),
          host: String(pick('ONAIR_SRT_HOST', fromFile.srtHost, pick('ONAIR_RTMP_HOST', fromFile.rtmpHost, DEFAULTS.rtmpHost))),
          latencyMs: num('ONAIR_SRT_LATENCY_MS', pick('ONAIR_SRT_LATENCY_MS', fromFile.srtLatencyMs, DEFAULTS.srtLatencyMs), 20, 8000),
        };
  const srtPublicUrl = srt ? srtUrlBeside(rtmpPublicUrl, srt.port) : '';

  const databaseUrl = String(pick('DATABASE_URL', fromFile.databaseUrl, ''));
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql:// (leave it unset for the embedded SQLite file)');
  }

  const nodeUrl = String(pick('ONAIR_NODE_URL', fromFile.nodeUrl, '')).replace(/\/+$/, '');
  if (nodeUrl && !/^https?:\/\/[^/?#]+$/.test(nodeUrl))
    throw new ConfigError(`ONAIR_NODE_URL must be a base URL such as http://10.0.0.5:8080, got ${JSON.stringify(nodeUrl)}`);
  const clusterName = String(pick('ONAIR_CLUSTER', fromFile.clusterName, 'onair'));
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(clusterName))
    throw new ConfigError(`ONAIR_CLUSTER must be 1 to 64 letters, digits, '.', '_' or '-', got ${JSON.stringify(clusterName)}`);

  const secret = String(pick('ONAIR_SECRET', fromFile.secret, ''));
  if (secret && secret.length < 32)
    throw new ConfigError('ONAIR_SECRET must be at least 32 characters (e.g. the output of `openssl rand -base64 32`).');

  const trustRaw = pick('ONAIR_TRUST_PROXY', fromFile.trustProxy, '');
  const trustProxy = (Array.isArray(trustRaw) ? trustRaw.map(String) : String(trustRaw).split(',')).map((t) => t.trim()).filter(Boolean);
  try {
    proxyAddr.compile(trustProxy);
  } catch (err) {
    throw new ConfigError(
      `ONAIR_TRUST_PROXY must list addresses, CIDRs or loopback/linklocal/uniquelocal, comma-separated: ${(err as Error).message}`,
    );
  }

  const originsRaw = pick('ONAIR_ALLOWED_ORIGINS', fromFile.allowedOrigins, '');
  const allowedOrigins = (Array.isArray(originsRaw) ? originsRaw.map(String) : String(originsRaw).split(',')).map((o) => o.trim()).filter(Boolean);
  for (const o of allowedOrigins) {
    let ok = false;
    try {
      const u = new URL(o);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o.replace(/\/+$/, '');
    } catch {}
    if (!ok)
      throw new ConfigError(
        `ONAIR_ALLOWED_ORIGINS must list origins such as https://friends.example.com (scheme, host and port only), got ${JSON.stringify(o)}`,
      );
  }

  const signups = String(pick('ONAIR_SIGNUPS', fromFile.signups, DEFAULTS.signups)).toLowerCase() as SignupMode;
  if (!SIGNUP_MODES.includes(signups))
    throw new ConfigError(`ONAIR_SIGNUPS must be one of ${SIGNUP_MODES.join(', ')}, got ${JSON.stringify(signups)}`);

  const logLevel = String(pick('ONAIR_LOG_LEVEL', fromFile.logLevel, DEFAULTS.logLevel));
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`ONAIR_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);

  const partSeconds = num('ONAIR_PART_SECONDS', pick('ONAIR_PART_SECONDS', m.partSeconds, DEFAULTS.media.partSeconds), 0.05, 2);
  const segmentSeconds = num('ONAIR_SEGMENT_SECONDS', pick('ONAIR_SEGMENT_SECONDS', m.segmentSeconds, DEFAULTS.media.segmentSeconds), 0.5, 10);
  if (partSeconds >= segmentSeconds)
    throw new ConfigError(`ONAIR_PART_SECONDS (${partSeconds}) must be less than ONAIR_SEGMENT_SECONDS (${segmentSeconds}).`);

  return {
    configFile: file ? path.resolve(cwd, file) : '',
    httpHost: String(pick('ONAIR_HTTP_HOST', fromFile.httpHost, DEFAULTS.httpHost)),
    httpPort,
    mediaLane: bool('ONAIR_MEDIA_LANE', pick('ONAIR_MEDIA_LANE', fromFile.mediaLane, DEFAULTS.mediaLane)),
    rtmpHost: String(pick('ONAIR_RTMP_HOST', fromFile.rtmpHost, DEFAULTS.rtmpHost)),
    rtmpPort,
    rtmpMaxPerAddress: num(
      'ONAIR_RTMP_MAX_PER_ADDRESS',
      pick('ONAIR_RTMP_MAX_PER_ADDRESS', fromFile.rtmpMaxPerAddress, DEFAULTS.rtmpMaxPerAddress),
      1,
      100_000,
    ),
    rtmps,
    rtmpsPublicUrl,
    srt,
    srtPublicUrl,
    dataDir: path.resolve(cwd, String(pick('ONAIR_DATA_DIR', fromFile.dataDir, DEFAULTS.dataDir))),
    publicUrl,
    publicUrlSet: pick('ONAIR_PUBLIC_URL', fromFile.publicUrl, undefined) !== undefined,
    rtmpPublicUrl,
    rtmpPublicUrlSet: pick('ONAIR_RTMP_PUBLIC_URL', fromFile.rtmpPublicUrl, undefined) !== undefined,
    databaseUrl,
    redisUrl: String(pick('REDIS_URL', fromFile.redisUrl, '')),
    nodeUrl,
    clusterName,
    logLevel,
    chatRetentionDays: num(
      'ONAIR_CHAT_RETENTION_DAYS',
      pick('ONAIR_CHAT_RETENTION_DAYS', fromFile.chatRetentionDays, DEFAULTS.chatRetentionDays),
      0,
      36500,
    ),
    adminToken: String(pick('ONAIR_ADMIN_TOKEN', fromFile.adminToken, '')),
    metricsIntervalSeconds: num(
      'ONAIR_METRICS_SECONDS',
      pick('ONAIR_METRICS_SECONDS', fromFile.metricsIntervalSeconds, DEFAULTS.metricsIntervalSeconds),
      0.2,
      3600,
    ),
    signups,
    secret,
    trustProxy,
    allowedOrigins,
    media: {
      segmentSeconds,
      liveWindowSegments: num('ONAIR_LIVE_WINDOW', pick('ONAIR_LIVE_WINDOW', m.liveWindowSegments, DEFAULTS.media.liveWindowSegments), 3, 100),
      lowLatency: bool('ONAIR_LOW_LATENCY', pick('ONAIR_LOW_LATENCY', m.lowLatency, DEFAULTS.media.lowLatency)),
      partSeconds,
      gracePeriodSeconds: num('ONAIR_GRACE_SECONDS', pick('ONAIR_GRACE_SECONDS', m.gracePeriodSeconds, DEFAULTS.media.gracePeriodSeconds), 0, 600),
      abr: bool('ONAIR_ABR', pick('ONAIR_ABR', m.abr, DEFAULTS.media.abr)),
      thumbnailIntervalSeconds: num(
        'ONAIR_THUMBNAIL_SECONDS',
        pick('ONAIR_THUMBNAIL_SECONDS', m.thumbnailIntervalSeconds, DEFAULTS.media.thumbnailIntervalSeconds),
        0,
        3600,
      ),
      replayRetentionDays: num('ONAIR_REPLAY_DAYS', pick('ONAIR_REPLAY_DAYS', m.replayRetentionDays, DEFAULTS.media.replayRetentionDays), 0, 36500),
      replayRetentionBytes: num(
        'ONAIR_REPLAY_BYTES',
        pick('ONAIR_REPLAY_BYTES', m.replayRetentionBytes, DEFAULTS.media.replayRetentionBytes),
        0,
        Number.MAX_SAFE_INTEGER,
      ),
      ffmpegPath: String(pick('FFMPEG_PATH', m.ffmpegPath, DEFAULTS.media.ffmpegPath)),
      poisonReleasedMedia: bool(
        'ONAIR_POISON_RELEASED_MEDIA',
        pick('ONAIR_POISON_RELEASED_MEDIA', m.poisonReleasedMedia, DEFAULTS.media.poisonReleasedMedia),
      ),
    },
    auth: {
      sessionDays: num('ONAIR_SESSION_DAYS', pick('ONAIR_SESSION_DAYS', a.sessionDays, DEFAULTS.auth.sessionDays), 1, 3650),
      bearerDays: num('ONAIR_BEARER_DAYS', pick('ONAIR_BEARER_DAYS', a.bearerDays, DEFAULTS.auth.bearerDays), 1, 3650),
      secureCookies: publicUrl.startsWith('https://'),
    },
    webhooks: {
      allowPrivateAddresses: bool(
        'ONAIR_WEBHOOKS_ALLOW_PRIVATE',
        pick('ONAIR_WEBHOOKS_ALLOW_PRIVATE', w.allowPrivateAddresses, DEFAULTS.webhooks.allowPrivateAddresses),
      ),
    },
    restream: {
      allowPrivateAddresses: bool(
        'ONAIR_RESTREAM_ALLOW_PRIVATE',
        pick('ONAIR_RESTREAM_ALLOW_PRIVATE', rs.allowPrivateAddresses, DEFAULTS.restream.allowPrivateAddresses),
      ),
    },
  };
}

/** The RTMPS twin of an RTMP URL: same host and path, the RTMPS port (443, the scheme's own, left out). */
export function rtmpsUrlBeside(rtmpUrl: string, port: number): string {
  const m = /^rtmps?:\/\/([^/:]+|\[[^\]]+\])(?::\d+)?(\/.*)?$/.exec(rtmpUrl);
  return `rtmps://${m?.[1] ?? 'localhost'}${port === 443 ? '' : `:${port}`}${m?.[2] ?? '/live'}`;
}

/** The SRT URL beside an RTMP URL: the same host, the SRT port (the stream key goes in ?streamid=). */
export function srtUrlBeside(rtmpUrl: string, port: number): string {
  const m = /^rtmps?:\/\/([^/:]+|\[[^\]]+\])/.exec(rtmpUrl);
  return `srt://${m?.[1] ?? 'localhost'}:${port}`;
}

/**
 * Ephemeral ports (0, as in tests): once bound, the URLs shown to people name the ports actually bound, and the
 * config says them too.
 */
export function adoptBoundPorts(config: OnairConfig, bound: { http: number; rtmp: number; rtmps?: number; srt?: number }): void {
  const zeroPort = /:0(?=\/|$)/;
  if (config.httpPort === 0) config.publicUrl = config.publicUrl.replace(zeroPort, `:${bound.http}`);
  if (config.rtmpPort === 0) config.rtmpPublicUrl = config.rtmpPublicUrl.replace(zeroPort, `:${bound.rtmp}`);
  if (config.rtmps?.port === 0 && bound.rtmps) {
    config.rtmps.port = bound.rtmps;
    config.rtmpsPublicUrl = config.rtmpsPublicUrl.replace(zeroPort, `:${bound.rtmps}`);
  }
  if (config.srt?.port === 0 && bound.srt) {
    config.srt.port = bound.srt;
    config.srtPublicUrl = config.srtPublicUrl.replace(/:0$/, `:${bound.srt}`);
  }
}

/** The RTMPS certificate and key, read at start: a file that cannot be read stops the start in words. */
export function readTlsFiles(files: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (name: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(`${name}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: read('ONAIR_TLS_CERT', files.certFile), key: read('ONAIR_TLS_KEY', files.keyFile) };
}

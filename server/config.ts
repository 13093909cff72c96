// Settings: embedded defaults, then an optional JSON config file, then environment variables (highest). This is the
// only server module that reads the environment (the linter holds every other one to that): the server reads its
// settings once at start and hands them down. README's settings table lists every variable read here.
//
// Resource limits are named constants. The server-wide ones are LIMITS below; the others sit beside the code they
// bound, one table per module:
//   server/rtmp/limits.ts        DEFAULT_RTMP_LIMITS (timeouts, queues, GOP cache of RTMP connections)
//   server/rtmp/chunk.ts         DEFAULT_CHUNK_READER_LIMITS (RTMP chunk and message sizes)
//   server/media/packager.ts     PACKAGER_LIMITS (segments and playlists in memory)
//   server/api/chat.ts           CHAT_LIMITS (message sizes, rates, history; shared with the apps)
//   server/access/access.ts      ACCESS_LIMITS; server/access/change-bus.ts ACCESS_CHANGE_LIMITS
//   server/db/database.ts        DB_LIMITS; server/db/validation.ts ACCOUNT_LIMITS, TAG_LIMITS;
//   server/db/social.ts          SOCIAL_LIMITS; server/db/replays.ts REPLAY_LIMITS;
//   server/db/rate-limit.ts      LOGIN_RATE_LIMITS; server/db/auth-tokens.ts TOKEN_LIMITS
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import proxyAddr from '@fastify/proxy-addr';

export interface OnairConfig {
  httpHost: string;
  httpPort: number;
  rtmpHost: string;
  rtmpPort: number;
  /** RTMP connections one address (IPv6: one /64) may hold open; more are refused. */
  rtmpMaxPerAddress: number;
  /** Root for the SQLite file and media. */
  dataDir: string;
  /**
   * Base URL viewers use, e.g. https://live.example.com. Defaults to http://localhost:<httpPort>, which links use
   * only when a request's Host is unusable: unset, links follow the address each visitor used (http/urls.ts).
   */
  publicUrl: string;
  /** Whether ONAIR_PUBLIC_URL (or the file's publicUrl) was given: then every link uses it. */
  publicUrlSet: boolean;
  /** RTMP URL shown to streamers. Defaults to rtmp://<host of publicUrl, or the visitor's host>:<rtmpPort>/live. */
  rtmpPublicUrl: string;
  /** Whether ONAIR_RTMP_PUBLIC_URL (or the file's rtmpPublicUrl) was given. */
  rtmpPublicUrlSet: boolean;
  /** postgres://… to use PostgreSQL; empty for the embedded SQLite file. */
  databaseUrl: string;
  /** redis://… for chat and counts across processes; empty for one process. */
  redisUrl: string;
  /** pino level: trace, debug, info, warn, error, fatal or silent. */
  logLevel: string;
  /** Bearer token that opens the operator routes (/stat, /api/stats, /metrics) to other hosts; empty: none. */
  adminToken: string;
  /**
   * HMAC key for guest grants and media tokens (ONAIR_SECRET, at least 32 characters). Empty: a random one is
   * generated on first start and stored in the database (`settings` table).
   */
  secret: string;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (ONAIR_TRUST_PROXY: addresses, CIDRs or the names loopback,
   * linklocal, uniquelocal, comma-separated). Empty: the socket peer is the client.
   */
  trustProxy: string[];
  /**
   * Origins besides our own whose pages may send state-changing requests with a visitor's cookies and open chat
   * connections (ONAIR_ALLOWED_ORIGINS, comma-separated, e.g. a site that embeds the player and chat).
   */
  allowedOrigins: string[];
  media: MediaConfig;
  auth: AuthConfig;
}

export interface MediaConfig {
  /** Target segment length; segments cut at the first keyframe at or after it. */
  segmentSeconds: number;
  /** Segments in the live playlist. */
  liveWindowSegments: number;
  /** Low-Latency HLS: partial segments, blocking playlist reload, delta playlists. Off: plain live playlists. */
  lowLatency: boolean;
  /** Target partial segment length (LL-HLS); parts are cut on frame boundaries within it. */
  partSeconds: number;
  /** How long a dropped publisher may take to come back into the same playlist. */
  gracePeriodSeconds: number;
  /** Add 720p and 480p renditions with a master playlist (costs an encode per stream). */
  abr: boolean;
  thumbnailIntervalSeconds: number;
  /** Replays older than this are deleted; 0 keeps them forever. */
  replayRetentionDays: number;
  /** Replays beyond this many bytes in total are deleted, oldest first; 0 for no limit. */
  replayRetentionBytes: number;
  /** ffmpeg binary (FFMPEG_PATH); empty: the ffmpeg-static package, else `ffmpeg` on PATH. */
  ffmpegPath: string;
}

export interface AuthConfig {
  /** Lifetime of a sign-in session cookie. */
  sessionDays: number;
  /** Lifetime of a bearer token (the desktop app's sign-in). */
  bearerDays: number;
  /** Mark the session cookie Secure (set when publicUrl is https). */
  secureCookies: boolean;
}

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
  rtmpHost: '0.0.0.0',
  rtmpPort: 1935,
  rtmpMaxPerAddress: 32,
  dataDir: './data',
  logLevel: 'info',
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
  },
  auth: { sessionDays: 30, bearerDays: 365 },
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

  const databaseUrl = String(pick('DATABASE_URL', fromFile.databaseUrl, ''));
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql:// (leave it unset for the embedded SQLite file)');
  }

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

  const logLevel = String(pick('ONAIR_LOG_LEVEL', fromFile.logLevel, DEFAULTS.logLevel));
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`ONAIR_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);

  const partSeconds = num('ONAIR_PART_SECONDS', pick('ONAIR_PART_SECONDS', m.partSeconds, DEFAULTS.media.partSeconds), 0.05, 2);
  const segmentSeconds = num('ONAIR_SEGMENT_SECONDS', pick('ONAIR_SEGMENT_SECONDS', m.segmentSeconds, DEFAULTS.media.segmentSeconds), 0.5, 10);
  if (partSeconds >= segmentSeconds)
    throw new ConfigError(`ONAIR_PART_SECONDS (${partSeconds}) must be less than ONAIR_SEGMENT_SECONDS (${segmentSeconds}).`);

  return {
    httpHost: String(pick('ONAIR_HTTP_HOST', fromFile.httpHost, DEFAULTS.httpHost)),
    httpPort,
    rtmpHost: String(pick('ONAIR_RTMP_HOST', fromFile.rtmpHost, DEFAULTS.rtmpHost)),
    rtmpPort,
    rtmpMaxPerAddress: num(
      'ONAIR_RTMP_MAX_PER_ADDRESS',
      pick('ONAIR_RTMP_MAX_PER_ADDRESS', fromFile.rtmpMaxPerAddress, DEFAULTS.rtmpMaxPerAddress),
      1,
      100_000,
    ),
    dataDir: path.resolve(cwd, String(pick('ONAIR_DATA_DIR', fromFile.dataDir, DEFAULTS.dataDir))),
    publicUrl,
    publicUrlSet: pick('ONAIR_PUBLIC_URL', fromFile.publicUrl, undefined) !== undefined,
    rtmpPublicUrl,
    rtmpPublicUrlSet: pick('ONAIR_RTMP_PUBLIC_URL', fromFile.rtmpPublicUrl, undefined) !== undefined,
    databaseUrl,
    redisUrl: String(pick('REDIS_URL', fromFile.redisUrl, '')),
    logLevel,
    adminToken: String(pick('ONAIR_ADMIN_TOKEN', fromFile.adminToken, '')),
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
    },
    auth: {
      sessionDays: num('ONAIR_SESSION_DAYS', pick('ONAIR_SESSION_DAYS', a.sessionDays, DEFAULTS.auth.sessionDays), 1, 3650),
      bearerDays: num('ONAIR_BEARER_DAYS', pick('ONAIR_BEARER_DAYS', a.bearerDays, DEFAULTS.auth.bearerDays), 1, 3650),
      secureCookies: publicUrl.startsWith('https://'),
    },
  };
}

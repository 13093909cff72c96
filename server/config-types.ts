// The shape of the server's settings, as loadConfig (config.ts) reads them and hands them down. Each field says what
// it sets; README's settings table names the environment variable of each.
import type { SignupMode } from './api/types.js';

export interface OnairConfig {
  /** The JSON settings file that was read (absolute), or empty when none was. */
  configFile: string;
  httpHost: string;
  httpPort: number;
  /** Live media requests answered on the raw connection before node:http (server/http/media-lane.ts). */
  mediaLane: boolean;
  rtmpHost: string;
  rtmpPort: number;
  /** RTMP connections one address (IPv6: one /64) may hold open; more are refused. */
  rtmpMaxPerAddress: number;
  /**
   * RTMPS (RTMP over TLS) on a port of its own: on when ONAIR_TLS_CERT and ONAIR_TLS_KEY name a PEM certificate
   * chain and key; ONAIR_RTMPS_PORT (default 1936; 0 picks a free one). Null: off.
   */
  rtmps: { port: number; certFile: string; keyFile: string } | null;
  /** The RTMPS URL shown to streamers when RTMPS is on: rtmps://<host of the RTMP URL>:<port>/live. */
  rtmpsPublicUrl: string;
  /**
   * SRT ingest (MPEG-TS over SRT, caller mode, stream id = stream key): UDP port (ONAIR_SRT_PORT, default 8890;
   * null: off, from 0 or `off`; `auto` picks a free one), interface (ONAIR_SRT_HOST, default the RTMP one) and the
   * latency we ask for (ONAIR_SRT_LATENCY_MS, default 120; the larger of it and the encoder's is used).
   */
  srt: { port: number; host: string; latencyMs: number } | null;
  /** The SRT URL shown to streamers when SRT is on: srt://<host of the RTMP URL>:<port> (the key goes in ?streamid=). */
  srtPublicUrl: string;
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
  /** redis://… for chat, counts and rate limits across processes; empty for one process. */
  redisUrl: string;
  /**
   * Cluster mode (REDIS_URL and a PostgreSQL DATABASE_URL): this node's base URL as the other nodes reach it
   * (ONAIR_NODE_URL, e.g. http://10.0.0.5:8080). Empty: http://127.0.0.1:<HTTP port>, right only for nodes on one
   * machine.
   */
  nodeUrl: string;
  /** Name of this deployment in Redis keys (ONAIR_CLUSTER): deployments sharing one Redis server use different names. */
  clusterName: string;
  /** pino level: trace, debug, info, warn, error, fatal or silent. */
  logLevel: string;
  /**
   * Chat messages (and moderation log entries) older than this many days are deleted (ONAIR_CHAT_RETENTION_DAYS);
   * 0 keeps them forever. Default 90: past the 30 days replays are kept, so a replay's chat outlives it, and long
   * enough to look into a complaint about a past stream, while a busy chat's table stays bounded.
   */
  chatRetentionDays: number;
  /** Bearer token that opens the operator routes (/stat, /api/stats, /metrics) to other hosts; empty: none. */
  adminToken: string;
  /** Seconds between samples of each live stream for its dashboard, and of the server for /admin (ONAIR_METRICS_SECONDS). */
  metricsIntervalSeconds: number;
  /**
   * open: anyone signs up; invite: only with a valid channel invite (the new account also gets that invite's
   * access); closed: only the operator CLI creates accounts.
   */
  signups: SignupMode;
  /**
   * HMAC key for guest grants and media tokens, and the key invite tokens are sealed under (ONAIR_SECRET, at least
   * 32 characters). Empty: a random one is generated on first start and stored in the database (`settings` table).
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
  webhooks: WebhooksConfig;
  restream: RestreamConfig;
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
  /** Fill media memory with 0xEE as it is released (tests: a frame read after its release fails to decode). */
  poisonReleasedMedia: boolean;
}

export interface WebhooksConfig {
  /**
   * Channel webhooks may post to this machine and private networks (loopback, 10/8, 192.168/16, link-local, …).
   * Off by default: anyone with an account can add a webhook.
   */
  allowPrivateAddresses: boolean;
}

export interface RestreamConfig {
  /**
   * Restream destinations may name this machine and private networks (loopback, 10/8, 192.168/16, link-local, …).
   * Off by default: anyone with an account can add a destination, and it makes this server open TCP connections.
   */
  allowPrivateAddresses: boolean;
}

export interface AuthConfig {
  /** Lifetime of a sign-in session cookie. */
  sessionDays: number;
  /** Lifetime of a bearer token (the desktop app's sign-in). */
  bearerDays: number;
  /** Mark the session cookie Secure (set when publicUrl is https). */
  secureCookies: boolean;
}

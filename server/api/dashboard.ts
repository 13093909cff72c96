// The HTTP API's payloads for the streamer's dashboard (/api/me/streams) and the operator's /admin. Re-exported by
// types.ts.
import type { StreamStats } from './types.js';

// ---- The streamer's dashboard (GET /api/me/streams...) ----

/** A stream of the caller's channel: the live one or a past one (a replay: its charts are pruned with it). */
export interface MyStream {
  /** The stream id (the replay's id once it ended). */
  id: string;
  live: boolean;
  title: string;
  startedAt: string; // ISO 8601
  /** Null while live. */
  endedAt: string | null;
  durationSeconds: number;
  /** Over the samples taken; 0 when none. */
  peakViewers: number;
  averageViewers: number;
}

/** GET /api/me/streams: newest first, the live stream (if any) on top. */
export interface MyStreams {
  streams: MyStream[];
  /** Seconds between samples (ONAIR_METRICS_INTERVAL_SECONDS). */
  intervalSeconds: number;
}

/** Health events on a stream's time axis. */
export type StreamEventKind =
  /** The publisher's connection dropped; the stream waits out the grace period. */
  | 'publisher-lost'
  /** The publisher came back within the grace period (a reconnect). */
  | 'publisher-returned'
  /** Keyframes come far too rarely for the segment target. */
  | 'keyframe-warning';

export interface StreamEvent {
  at: number; // epoch ms
  kind: StreamEventKind;
  /** Plain words. */
  detail: string;
}

/** GET /api/me/streams/:id/metrics: columns of equal length, one entry per sample (epoch ms). */
export interface StreamMetrics {
  stream: MyStream;
  series: {
    at: number[];
    viewers: number[];
    bitrateKbps: number[];
    /** Video frames per second received; null without video. */
    fps: Array<number | null>;
    /** People's chat messages per minute over the interval before the sample. */
    chatPerMinute: number[];
  };
  events: StreamEvent[];
}

// ---- The operator's page (/admin, GET /api/admin/...) ----

/** A live stream as the operator sees it. The publisher address is shown whole: admins are the operator. */
export interface AdminLiveStream extends StreamStats {
  title: string;
  owner: string;
}

/** GET /api/admin/overview. */
export interface AdminOverview {
  uptimeSeconds: number;
  version: string;
  streams: AdminLiveStream[];
  users: { total: number; admins: number; disabled: number };
  storage: { replays: number; replayBytes: number; diskFreeBytes: number | null; diskTotalBytes: number | null };
}

export interface AdminUser {
  id: number;
  username: string;
  createdAt: string; // ISO 8601
  admin: boolean;
  disabled: boolean;
  live: boolean;
  replays: number;
  replayBytes: number;
}

/** GET /api/admin/users?q=&offset=&limit= */
export interface AdminUsers {
  users: AdminUser[];
  total: number;
  offset: number;
  limit: number;
}

export interface AdminReplay {
  id: string;
  channel: string;
  title: string;
  startedAt: string; // ISO 8601
  durationSeconds: number;
  bytes: number;
}

/** GET /api/admin/replays?offset=&limit= (largest first). */
export interface AdminReplays {
  replays: AdminReplay[];
  total: number;
  totalBytes: number;
  offset: number;
  limit: number;
}

/** One sample of the server process. */
export interface SystemSample {
  at: number; // epoch ms
  /** Process CPU time over wall time since the previous sample, 100 = one core. */
  cpuPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Mean event-loop delay over the interval, ms. */
  eventLoopDelayMs: number;
  rtmpConnections: number;
  httpConnections: number;
  chatConnections: number;
}

/** GET /api/admin/system: the newest sample and a short history (oldest first). */
export interface AdminSystem {
  now: SystemSample;
  history: SystemSample[];
  intervalSeconds: number;
}

/** POST /api/admin/users/:name/reset-key. The new key is not returned: the owner reads it on their settings page. */
export interface AdminUserChange {
  user: AdminUser;
}

// The HTTP API's payloads, declared once: the server, the desktop app and the viewer app import these.
// docs/API.md documents each route with these names. Four rooms of their own, re-exported here: outbound.ts
// (webhooks, restream destinations), dashboard.ts (the streamer's dashboard, /admin), moderation.ts, social.ts
// (follows, the live directory, invites).
export * from './outbound.js';
export * from './dashboard.js';
export * from './moderation.js';
export * from './social.js';
import type { DestinationStats } from './outbound.js';

export interface ApiUser {
  id: number;
  username: string;
  createdAt: string; // ISO 8601
  /** An admin account opens the operator routes (/stat, /api/stats, /metrics); the operator CLI sets it. */
  admin: boolean;
}

/**
 * How a sign-in is carried: `bearer` (the default) returns a token for the `Authorization` header and sets no
 * cookie (Onair Studio, scripts); `cookie` sets the HttpOnly session cookie and returns no token (the browser app).
 */
export type SessionMode = 'bearer' | 'cookie';

/** POST /api/auth/register and POST /api/auth/login body. */
export interface Credentials {
  username: string;
  password: string;
  /** Default `bearer`. */
  session?: SessionMode;
  /**
   * Register only: the token of a channel invite link (`/i/<token>`). One of its uses is counted and the new account
   * may watch that channel; with ONAIR_SIGNUPS=invite a sign-up needs one.
   */
  invite?: string;
}

/** Who may create an account here (ONAIR_SIGNUPS): anyone, someone with an invite link, or only the operator. */
export type SignupMode = 'open' | 'invite' | 'closed';

/** GET /api/auth/signups. */
export interface SignupPolicy {
  mode: SignupMode;
}

/** 201 from register, 200 from login. `token` is the bearer token, or null when `session` was `cookie`. */
export interface AuthResult {
  user: ApiUser;
  token: string | null;
}

/** POST /api/me/password body. */
export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

/** GET /api/me/channel: the owner's view, with the stream key. */
export interface MyChannel {
  name: string;
  title: string;
  streamKey: string;
  /** Server URL as OBS asks for it ("Server"); the key goes in "Stream Key". */
  rtmpUrl: string;
  /** The same server over TLS (RTMPS), when the operator turned it on; the same key. */
  rtmpsUrl?: string;
  /**
   * SRT ingest (srt://HOST:8890), when the operator turned it on: an encoder sends MPEG-TS there with the stream key
   * as its stream id (`srt://HOST:8890?streamid=KEY`).
   */
  srtUrl?: string;
  hlsUrl: string;
  dashUrl: string;
  live: boolean;
  /** Normalised tags, in the owner's order (at most 5). */
  tags: string[];
  visibility: ChannelVisibility;
  /** The publisher's keyframe cadence while live on this server process (null when not live here). */
  keyframes: KeyframeCadence | null;
}

/**
 * How often the publisher sends video keyframes, measured on what the server receives since the publisher
 * (re)connected. Segments can only be cut at keyframes, so this is the floor of the segment length.
 */
export interface KeyframeCadence {
  /** The longest interval between keyframes over the last few GOPs, seconds; null before two keyframes (or without video). */
  maxIntervalSeconds: number | null;
  /** The median interval over the same GOPs, seconds. */
  medianIntervalSeconds: number | null;
  /** Intervals measured since the publisher (re)connected. */
  intervals: number;
  /** Set while keyframes come far too rarely for the segment target (at least two intervals seen). */
  warning: KeyframeWarning | null;
}

/** Keyframes too rare for the segment target: what happens and the encoder setting that fixes it, in plain words. */
export interface KeyframeWarning {
  /** The longest recent keyframe interval, seconds. */
  intervalSeconds: number;
  /** ONAIR_SEGMENT_SECONDS. */
  segmentTargetSeconds: number;
  /** Intervals longer than this (2 × the segment target, with 10 % slack) bring the warning. */
  thresholdSeconds: number;
  message: string;
  /** The setting to change (OBS's path to its Keyframe Interval, and what to set). */
  fix: string;
}

/**
 * Who may watch a channel (live, replays, every segment):
 * - `public`: anyone;
 * - `followers`: the owner and signed-in users who follow the channel (anyone may follow: a soft gate);
 * - `invite`: the owner, signed-in users who redeemed an invite, and guests holding a guest grant.
 * Invite holders may watch `followers` channels too.
 */
export type ChannelVisibility = 'public' | 'followers' | 'invite';

/** PATCH /api/me/channel body. Absent fields stay as they are; a refused field changes nothing. Answer: MyChannel. */
export interface ChannelSettingsUpdate {
  title?: string;
  /** Each trimmed and lowercased (inner spaces become "-"), `[a-z0-9-]`, 2–24 characters; at most 5, duplicates removed. */
  tags?: string[];
  visibility?: ChannelVisibility;
}

/** POST /api/me/channel/stream-key. */
export interface NewStreamKey {
  streamKey: string;
}

/**
 * GET /api/channels/:name. For a channel the caller may not watch, only `name`, `visibility`, `followers` and
 * `following` are real: `title` is empty for invite-only channels (kept for followers-only ones, so people know
 * what they would follow), `live` is false, URLs are null, `tags` is empty and `viewers` 0.
 */
export interface PublicChannel {
  name: string;
  title: string;
  live: boolean;
  hlsUrl: string | null;
  dashUrl: string | null;
  thumbnailUrl: string | null;
  /** People with the channel's player or chat open, each once (docs/API.md, *Viewer count*). */
  viewers: number;
  tags: string[];
  visibility: ChannelVisibility;
  /** Follower count. */
  followers: number;
  /** Whether the caller follows the channel (false when not signed in). */
  following: boolean;
  /** Whether the caller may watch (the owner, an allowed user, a guest of this channel, or anyone when public). */
  canWatch: boolean;
  /** The channel's vertical companion while it is on air (and the caller may watch), else null. */
  vertical: VerticalRendition | null;
}

/**
 * A channel's vertical companion (a second publisher with the stream key at rtmp://HOST/vertical): its HLS URL
 * (same access rules as the channel's) and picture size (0 until its first picture is packaged).
 */
export interface VerticalRendition {
  hlsUrl: string;
  width: number;
  height: number;
}

/** GET /api/channels/:name/media-token. */
export interface MediaToken {
  token: string;
  expiresAt: string;
}

/**
 * Who a request or a chat connection is: a signed-in user, or a guest who redeemed an invite (guests are bound to
 * one channel). Produced by AccessControl.resolveIdentity (server/access/access.ts).
 */
export type Identity =
  { kind: 'user'; userId: number; username: string } | { kind: 'guest'; guestId: string; displayName: string; channelId: number; inviteId?: number };

/** An item of GET /api/channels/:name/replays. */
export interface ApiReplay {
  id: string;
  title: string;
  /** The replay's page, `<base>/replay/<id>`: the link to share (it carries no token). */
  pageUrl: string;
  startedAt: string;
  durationSeconds: number;
  hlsUrl: string;
  dashUrl: string;
  thumbnailUrl: string | null;
}

/** GET /api/replays/:id: a replay, its channel, and the vertical companion it kept (null when none). */
export interface ApiReplayDetail extends ApiReplay {
  channel: string | null;
  vertical: VerticalRendition | null;
}

/** PATCH /api/replays/:id body (the channel's owner only). Answer: ApiReplay. */
export interface ReplayUpdate {
  /** 1–140 characters (grapheme clusters), trimmed; no line breaks, control or bidi characters. */
  title: string;
}

/** Every error answer: a stable code for programs and a reason in plain words for people. */
export interface ApiError {
  error: {
    code: ApiErrorCode;
    message: string;
    retryAfterSeconds?: number;
    /**
     * `forbidden` answers about a channel the caller may not watch name it, so a page opened from a link (a
     * replay) can say whose it is and how to get in. Never a title or anything else of the channel.
     */
    channel?: string;
  };
}

export type ApiErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'invalid_username'
  | 'weak_password'
  | 'username_taken'
  | 'bad_credentials'
  | 'account_disabled'
  | 'admin_only'
  | 'rate_limited'
  | 'unauthorized'
  | 'forbidden'
  | 'cross_site'
  | 'not_found'
  | 'invalid_tags'
  | 'signups_closed'
  | 'invite_required'
  | 'invite_expired'
  | 'invite_used_up'
  | 'invite_revoked'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'unsupported_media_type'
  | 'unavailable'
  | 'internal';

/** GET /api/stats. */
export interface ServerStats {
  uptimeSeconds: number;
  streams: StreamStats[];
  totals: { streams: number; viewers: number; bytesIn: number; bandwidthInBps: number };
}

export interface StreamStats {
  channel: string;
  streamId: string;
  uptimeSeconds: number;
  publisherAddress: string | null;
  /** 'live' while a publisher sends; 'waiting' during the reconnect grace period. */
  state: 'live' | 'waiting';
  video: { codec: string; width: number; height: number; fps: number | null; profile: string | null; level: string | null } | null;
  audio: { codec: string; sampleRate: number; channels: number; profile: string | null } | null;
  bitrateKbps: number;
  bytesIn: number;
  /** As PublicChannel.viewers. */
  viewers: number;
  segments: number;
  keyframes: KeyframeCadence;
  /** Cluster mode: the node that is the stream's origin (its id, as in /healthz). */
  node?: string;
  /** Restream destinations being pushed to (absent when none). */
  destinations?: DestinationStats[];
  /** The publisher sends over SRT (absent for RTMP): its link as the SRT receiver sees it. */
  srt?: SrtIngestStats;
}

/** An SRT publisher's link: packets since it connected. */
export interface SrtIngestStats {
  /** The latency in use: the larger of the server's and the encoder's. */
  latencyMs: number;
  rttMs: number;
  packetsReceived: number;
  /** Packets found missing (each asked for again). */
  packetsLost: number;
  retransmitted: number;
  /** Packets that never came in time: each is a hole in the picture or sound. */
  dropped: number;
}

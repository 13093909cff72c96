// The HTTP API's payloads, declared once: the server, the desktop app and the viewer app import these.
// docs/API.md documents each route with these names.

export interface ApiUser {
  id: number;
  username: string;
  createdAt: string; // ISO 8601
}

/** POST /api/auth/register and POST /api/auth/login body. */
export interface Credentials {
  username: string;
  password: string;
}

/** 201 from register, 200 from login. `token` is a bearer token for the desktop app and scripts. */
export interface AuthResult {
  user: ApiUser;
  token: string;
}

/** GET /api/me/channel: the owner's view, with the stream key. */
export interface MyChannel {
  name: string;
  title: string;
  streamKey: string;
  /** Server URL as OBS asks for it ("Server"); the key goes in "Stream Key". */
  rtmpUrl: string;
  hlsUrl: string;
  dashUrl: string;
  live: boolean;
}

/** POST /api/me/channel/stream-key. */
export interface NewStreamKey {
  streamKey: string;
}

/** GET /api/channels/:name (public view). */
export interface PublicChannel {
  name: string;
  title: string;
  live: boolean;
  hlsUrl: string | null;
  dashUrl: string | null;
  thumbnailUrl: string | null;
  viewers: number;
}

/** An item of GET /api/channels/:name/replays. */
export interface ApiReplay {
  id: string;
  title: string;
  startedAt: string;
  durationSeconds: number;
  hlsUrl: string;
  dashUrl: string;
  thumbnailUrl: string | null;
}

/** Every error answer: a stable code for programs and a reason in plain words for people. */
export interface ApiError {
  error: {
    code: ApiErrorCode;
    message: string;
    retryAfterSeconds?: number;
  };
}

export type ApiErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'invalid_username'
  | 'weak_password'
  | 'username_taken'
  | 'bad_credentials'
  | 'rate_limited'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'payload_too_large'
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
  viewers: number;
  segments: number;
}

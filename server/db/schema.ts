// Kysely table types. Column names are snake_case as stored; repositories map rows to camelCase objects.
//
// Portable conventions (the same migrations run on SQLite and PostgreSQL):
// - timestamps are integer epoch milliseconds (`bigint` on PostgreSQL, parsed to a JS number by database.ts);
// - booleans are integers 0/1;
// - fractional numbers are `double precision` (REAL affinity on SQLite).
import type { Generated } from 'kysely';

export type TokenKind = 'session' | 'bearer';

export type ChannelVisibility = 'public' | 'followers' | 'invite';

export interface UsersTable {
  id: Generated<number>;
  /** As the user typed it at signup. */
  username: string;
  /** Lowercased, unique: usernames are case-insensitive. */
  username_lower: string;
  /** `scrypt$N$r$p$salt$hash`; never leaves the repository layer. */
  password_hash: string;
  created_at: number;
  /** 0 | 1: an admin account opens the operator routes (0009_user_admin). */
  is_admin: Generated<number>;
  /** Epoch ms the operator disabled the account (0012_stream_metrics); null while it may sign in and publish. */
  disabled_at: Generated<number | null>;
}

export interface AuthTokensTable {
  id: Generated<number>;
  user_id: number;
  /** sha256 hex of the raw token; the raw token is never stored. */
  token_hash: string;
  kind: TokenKind;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
}

export interface ChannelsTable {
  id: Generated<number>;
  user_id: number;
  /** The username lowercased; used in URLs. */
  name: string;
  stream_key: string;
  title: string;
  created_at: number;
  key_updated_at: number;
  /** 'public' | 'followers' | 'invite' (0003_social). */
  visibility: Generated<ChannelVisibility>;
}

export interface ReplaysTable {
  /** The stream id from the media layer. */
  id: string;
  channel_id: number;
  title: string;
  started_at: number;
  ended_at: number;
  duration_seconds: number;
  bytes: number;
  /** 0 | 1 */
  has_discontinuity: number;
  deleted_at: number | null;
  /** Cluster mode: the node holding the files (0008_replay_nodes); null on a single server. */
  node_url: Generated<string | null>;
}

export interface ChannelTagsTable {
  channel_id: number;
  /** As server/api/tag-rules.ts stores it: lowercase a–z, digits, single spaces and "-", 2–25 characters. */
  tag: string;
  /** Order the owner gave, from 0. */
  position: number;
}

export interface FollowsTable {
  user_id: number;
  channel_id: number;
  created_at: number;
}

export interface InvitesTable {
  id: Generated<number>;
  channel_id: number;
  /** sha256 hex of the raw token; the raw token is never stored. */
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  max_uses: number | null;
  uses: Generated<number>;
  revoked_at: number | null;
  /**
   * The raw token sealed (AES-256-GCM) with a key derived from the server secret, for its owner to copy the link
   * again (0007_invite_links). Null for invites made before that, and for revoked ones.
   */
  token_sealed: Generated<string | null>;
}

export interface InviteGrantsTable {
  user_id: number;
  channel_id: number;
  invite_id: number;
  created_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** Changes that take access back, for every server process sharing the database to act on (0005_access_changes). */
export interface AccessChangesTable {
  id: Generated<number>;
  created_at: number;
  /** JSON of an AccessChange (server/access/changes.ts): ids and names only, never a secret. */
  body: string;
}

/** A channel's outgoing webhooks (0006_webhooks). */
export interface WebhooksTable {
  id: Generated<number>;
  channel_id: number;
  /** Secret-bearing (a Discord webhook URL carries a token): never logged, shown only masked. */
  url: string;
  /** 'json' | 'discord' */
  format: string;
  /** Comma-separated events: 'live', 'ended'. */
  events: string;
  /** The site address the owner used when saving it ('' when unknown): links in deliveries without ONAIR_PUBLIC_URL. */
  link_base: Generated<string>;
  created_at: number;
  /** The last delivery attempt: event ('live' | 'ended' | 'test'), end time, ok 0/1, HTTP status, error words, attempts, retrying 0/1. */
  last_event: string | null;
  last_at: number | null;
  last_ok: number | null;
  last_status: number | null;
  last_error: string | null;
  last_attempts: number | null;
  last_retrying: number | null;
}

/** A channel's restream destinations (0010_restream_destinations). */
export interface RestreamDestinationsTable {
  id: Generated<number>;
  channel_id: number;
  name: string;
  /** rtmp:// or rtmps:// address, without the key. */
  url: string;
  /** The stream key sealed under the server secret: never logged, never returned. */
  key_sealed: string;
  /** 0/1 */
  enabled: Generated<number>;
  created_at: number;
}

/** One sample of a live stream, every few seconds (0012_stream_metrics). */
export interface StreamSamplesTable {
  id: Generated<number>;
  stream_id: string;
  channel_id: number;
  at: number;
  viewers: number;
  bitrate_kbps: number;
  /** Video frames per second received; null without video. */
  fps: number | null;
  /** People's chat messages since the previous sample. */
  chat_messages: number;
}

/** A health event of a live stream (0012_stream_metrics): kind as StreamEventKind in api/types.ts. */
export interface StreamEventsTable {
  id: Generated<number>;
  stream_id: string;
  channel_id: number;
  at: number;
  kind: string;
  detail: Generated<string>;
}

export interface Database {
  users: UsersTable;
  auth_tokens: AuthTokensTable;
  channels: ChannelsTable;
  replays: ReplaysTable;
  channel_tags: ChannelTagsTable;
  follows: FollowsTable;
  invites: InvitesTable;
  invite_grants: InviteGrantsTable;
  settings: SettingsTable;
  access_changes: AccessChangesTable;
  webhooks: WebhooksTable;
  restream_destinations: RestreamDestinationsTable;
  stream_samples: StreamSamplesTable;
  stream_events: StreamEventsTable;
}

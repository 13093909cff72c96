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
}

export interface ChannelTagsTable {
  channel_id: number;
  /** Normalised: lowercase [a-z0-9-], 2–24 characters. */
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
}

// Plain objects returned by the repositories (camelCase), and the row -> object mappers.
// None of them carries a password hash, a token hash or anything else that must not leave this layer.
import type { Selectable } from 'kysely';
import type { ChannelsTable, ChannelVisibility, ReplaysTable, TokenKind, UsersTable } from './schema.js';

export type { TokenKind, ChannelVisibility };

export interface User {
  id: number;
  username: string;
  createdAt: number;
  /** Opens the operator routes (/stat, /api/stats, /metrics) like ONAIR_ADMIN_TOKEN. */
  admin: boolean;
  /** Disabled by the operator: cannot sign in or publish. */
  disabled: boolean;
}

export interface Channel {
  id: number;
  userId: number;
  /** Lowercased username; the channel's URL name. */
  name: string;
  /** Secret: never log it. */
  streamKey: string;
  title: string;
  createdAt: number;
  keyUpdatedAt: number;
  visibility: ChannelVisibility;
}

export interface Replay {
  id: string;
  channelId: number;
  title: string;
  startedAt: number;
  endedAt: number;
  durationSeconds: number;
  bytes: number;
  hasDiscontinuity: boolean;
  deletedAt: number | null;
  /** Cluster mode: the base URL of the node whose disk holds the files; null on a single server. */
  nodeUrl: string | null;
}

export interface ResolvedToken {
  userId: number;
  kind: TokenKind;
  expiresAt: number;
}

/** Options every repository accepts. `now` is injectable so tests can move the clock. */
export interface RepoOptions {
  now?: () => number;
}

/** The user columns a User is made of (never the password hash). */
export const USER_COLUMNS = ['id', 'username', 'created_at', 'is_admin', 'disabled_at'] as const;

export function toUser(row: Pick<Selectable<UsersTable>, (typeof USER_COLUMNS)[number]>): User {
  return {
    id: row.id,
    username: row.username,
    createdAt: Number(row.created_at),
    admin: Number(row.is_admin) === 1,
    disabled: row.disabled_at !== null,
  };
}

export function toChannel(row: Selectable<ChannelsTable>): Channel {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    streamKey: row.stream_key,
    title: row.title,
    createdAt: Number(row.created_at),
    keyUpdatedAt: Number(row.key_updated_at),
    visibility: toVisibility(row.visibility),
  };
}

/** Unknown stored values (a newer server wrote them) are treated as the most private setting. */
export function toVisibility(v: unknown): ChannelVisibility {
  return v === 'public' || v === 'followers' ? v : 'invite';
}

export function toReplay(row: Selectable<ReplaysTable>): Replay {
  return {
    id: row.id,
    channelId: row.channel_id,
    title: row.title,
    startedAt: Number(row.started_at),
    endedAt: Number(row.ended_at),
    durationSeconds: Number(row.duration_seconds),
    bytes: Number(row.bytes),
    hasDiscontinuity: Number(row.has_discontinuity) === 1,
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
    nodeUrl: row.node_url ?? null,
  };
}

// Chat moderation persistence (server/chat/community.ts): a channel's moderators, its chat modes and its
// moderation log. Tables from migration 0011_chat_moderation.
import type { Generated, Kysely, Selectable } from 'kysely';
import { CHAT_SETTINGS_OFF, type ChatSettings } from '../api/chat.js';
import type { ModerationAction } from '../api/types.js';
import type { Db } from './database.js';
import type { RepoOptions } from './models.js';
import type { Database } from './schema.js';

export interface ChatModeratorsTable {
  channel_id: number;
  user_id: number;
  created_at: number;
}

export interface ChatSettingsTable {
  channel_id: number;
  slow_mode_seconds: number | null;
  followers_only_minutes: number | null;
  signed_in_only: number;
  /** JSON array of strings. */
  blocked_terms: string;
  first_message_delay_minutes: number | null;
  updated_at: number;
}

export interface ModerationLogTable {
  id: Generated<number>;
  channel_id: number;
  actor_user_id: number | null;
  actor_name: string;
  action: string;
  target_user_id: number | null;
  target_guest_id: string | null;
  target_name: string | null;
  detail: string | null;
  created_at: number;
}

interface ModerationDatabase extends Database {
  chat_moderators: ChatModeratorsTable;
  chat_settings: ChatSettingsTable;
  moderation_log: ModerationLogTable;
}

export interface StoredModerator {
  userId: number;
  username: string;
  since: number;
}

export interface NewLogEntry {
  channelId: number;
  actor: { userId: number; name: string };
  action: ModerationAction;
  target?: { userId?: number; guestId?: string; name: string } | null;
  detail?: string | null;
}

export interface StoredLogEntry {
  id: number;
  at: number;
  action: ModerationAction;
  actor: { userId: number | null; name: string };
  target: { name: string; userId?: number; guestId?: string } | null;
  detail: string | null;
}

const toEntry = (r: Selectable<ModerationLogTable>): StoredLogEntry => ({
  id: r.id,
  at: Number(r.created_at),
  action: r.action as ModerationAction,
  actor: { userId: r.actor_user_id, name: r.actor_name },
  target:
    r.target_name === null
      ? null
      : {
          name: r.target_name,
          ...(r.target_user_id !== null ? { userId: r.target_user_id } : {}),
          ...(r.target_guest_id !== null ? { guestId: r.target_guest_id } : {}),
        },
  detail: r.detail,
});

function parseTerms(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

export class ChatModerationRepo {
  private readonly k: Kysely<ModerationDatabase>;
  private readonly now: () => number;

  constructor(
    private readonly db: Pick<Db, 'kysely' | 'dialect'>,
    private readonly opts: RepoOptions = {},
  ) {
    this.k = db.kysely as unknown as Kysely<ModerationDatabase>;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Runs `work` in one database transaction, with a repository whose queries all belong to it: everything commits
   * together or nothing does. On PostgreSQL the channel's row is locked first, so two changes to the same channel's
   * settings run one after the other (each reads what the other wrote); SQLite runs one transaction at a time anyway.
   */
  inChannelTransaction<T>(channelId: number, work: (repo: ChatModerationRepo) => Promise<T>): Promise<T> {
    return this.db.kysely.transaction().execute(async (trx) => {
      if (this.db.dialect === 'postgres') await trx.selectFrom('channels').select('id').where('id', '=', channelId).forUpdate().execute();
      return work(new ChatModerationRepo({ kysely: trx, dialect: this.db.dialect }, this.opts));
    });
  }

  // ---- moderators ----

  async moderators(channelId: number): Promise<StoredModerator[]> {
    const rows = await this.k
      .selectFrom('chat_moderators as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.username', 'm.created_at'])
      .where('m.channel_id', '=', channelId)
      .orderBy('u.username_lower')
      .execute();
    return rows.map((r) => ({ userId: r.user_id, username: r.username, since: Number(r.created_at) }));
  }

  async moderatorIds(channelId: number): Promise<number[]> {
    const rows = await this.k.selectFrom('chat_moderators').select('user_id').where('channel_id', '=', channelId).execute();
    return rows.map((r) => r.user_id);
  }

  /** True when the user was appointed now (false: already a moderator). */
  async addModerator(channelId: number, userId: number): Promise<boolean> {
    const res = await this.k
      .insertInto('chat_moderators')
      .values({ channel_id: channelId, user_id: userId, created_at: this.now() })
      .onConflict((oc) => oc.columns(['channel_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async removeModerator(channelId: number, userId: number): Promise<boolean> {
    const res = await this.k.deleteFrom('chat_moderators').where('channel_id', '=', channelId).where('user_id', '=', userId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  // ---- chat modes ----

  async settings(channelId: number): Promise<ChatSettings> {
    const r = await this.k.selectFrom('chat_settings').selectAll().where('channel_id', '=', channelId).executeTakeFirst();
    if (!r) return { ...CHAT_SETTINGS_OFF, blockedTerms: [] };
    return {
      slowModeSeconds: r.slow_mode_seconds,
      followersOnlyMinutes: r.followers_only_minutes,
      signedInOnly: Number(r.signed_in_only) === 1,
      blockedTerms: parseTerms(r.blocked_terms),
      firstMessageDelayMinutes: r.first_message_delay_minutes,
    };
  }

  async saveSettings(channelId: number, s: ChatSettings): Promise<void> {
    const row = {
      slow_mode_seconds: s.slowModeSeconds,
      followers_only_minutes: s.followersOnlyMinutes,
      signed_in_only: s.signedInOnly ? 1 : 0,
      blocked_terms: JSON.stringify(s.blockedTerms),
      first_message_delay_minutes: s.firstMessageDelayMinutes,
      updated_at: this.now(),
    };
    await this.k
      .insertInto('chat_settings')
      .values({ channel_id: channelId, ...row })
      .onConflict((oc) => oc.column('channel_id').doUpdateSet(row))
      .execute();
  }

  // ---- facts the modes need ----

  /** When the user followed the channel (epoch ms), or null. */
  async followedAt(channelId: number, userId: number): Promise<number | null> {
    const r = await this.k
      .selectFrom('follows')
      .select('created_at')
      .where('channel_id', '=', channelId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r ? Number(r.created_at) : null;
  }

  /** When the account was created (epoch ms), or null. */
  async accountCreatedAt(userId: number): Promise<number | null> {
    const r = await this.k.selectFrom('users').select('created_at').where('id', '=', userId).executeTakeFirst();
    return r ? Number(r.created_at) : null;
  }

  async usernameOf(userId: number): Promise<string | null> {
    const r = await this.k.selectFrom('users').select('username').where('id', '=', userId).executeTakeFirst();
    return r?.username ?? null;
  }

  // ---- the log ----

  async log(e: NewLogEntry): Promise<void> {
    await this.k
      .insertInto('moderation_log')
      .values({
        channel_id: e.channelId,
        actor_user_id: e.actor.userId,
        actor_name: e.actor.name,
        action: e.action,
        target_user_id: e.target?.userId ?? null,
        target_guest_id: e.target?.guestId ?? null,
        target_name: e.target?.name ?? null,
        detail: e.detail ?? null,
        created_at: this.now(),
      })
      .execute();
  }

  /** Newest first, ids below `before` when given. */
  async logPage(channelId: number, limit: number, before?: number): Promise<StoredLogEntry[]> {
    let q = this.k.selectFrom('moderation_log').selectAll().where('channel_id', '=', channelId);
    if (before !== undefined) q = q.where('id', '<', before);
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toEntry);
  }

  /** Retention: deletes log entries older than `cutoff` (epoch ms); returns how many. */
  async pruneLog(cutoff: number): Promise<number> {
    const res = await this.k.deleteFrom('moderation_log').where('created_at', '<', cutoff).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

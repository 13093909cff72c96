// Follows and server settings. Tables from 0003_social; its invites (and the grants they give signed-in users) are
// in invites.ts.
import type { Db } from './database.js';
import { DbError } from './errors.js';
import { toVisibility, type ChannelVisibility, type RepoOptions } from './models.js';

export interface FollowerRow {
  userId: number;
  username: string;
  /** The follower's own channel name. */
  channelName: string;
  followedAt: number;
}

export interface FollowedChannelRow {
  channelId: number;
  name: string;
  title: string;
  visibility: ChannelVisibility;
  ownerId: number;
  followedAt: number;
}

export const SOCIAL_LIMITS = {
  /** Longest list answer for followers / following. */
  maxListRows: 500,
  /** Live invites per channel (not revoked, not expired, not used up). */
  maxActiveInvites: 100,
  /** Longest invite lifetime, and max uses per invite. */
  maxInviteSeconds: 365 * 86400,
  maxInviteUses: 100_000,
  /** Presented tokens longer than this are not looked up. */
  maxTokenLength: 128,
} as const;

export class FollowsRepo {
  private readonly now: () => number;
  constructor(
    private readonly db: Db,
    opts: RepoOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Idempotent. Refuses following one's own channel. Returns true when a new follow was written. */
  async follow(userId: number, channelId: number): Promise<boolean> {
    const ch = await this.db.kysely.selectFrom('channels').select('user_id').where('id', '=', channelId).executeTakeFirst();
    if (!ch) throw new DbError('not_found', 'No such channel.');
    if (ch.user_id === userId) throw new DbError('cannot_follow_self', 'You cannot follow your own channel.');
    const res = await this.db.kysely
      .insertInto('follows')
      .values({ user_id: userId, channel_id: channelId, created_at: this.now() })
      .onConflict((oc) => oc.columns(['user_id', 'channel_id']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Idempotent. Returns true when a follow was removed. */
  async unfollow(userId: number, channelId: number): Promise<boolean> {
    const res = await this.db.kysely.deleteFrom('follows').where('user_id', '=', userId).where('channel_id', '=', channelId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async isFollowing(userId: number, channelId: number): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom('follows')
      .select('user_id')
      .where('user_id', '=', userId)
      .where('channel_id', '=', channelId)
      .executeTakeFirst();
    return !!row;
  }

  async countFollowers(channelId: number): Promise<number> {
    const row = await this.db.kysely
      .selectFrom('follows')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('channel_id', '=', channelId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async countFollowing(userId: number): Promise<number> {
    const row = await this.db.kysely
      .selectFrom('follows')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** User ids following a channel (for "X went live" notifications). */
  async followersOf(channelId: number): Promise<number[]> {
    const rows = await this.db.kysely.selectFrom('follows').select('user_id').where('channel_id', '=', channelId).orderBy('user_id').execute();
    return rows.map((r) => r.user_id);
  }

  /** Newest followers first. */
  async listFollowers(channelId: number, limit: number = SOCIAL_LIMITS.maxListRows): Promise<FollowerRow[]> {
    const rows = await this.db.kysely
      .selectFrom('follows')
      .innerJoin('users', 'users.id', 'follows.user_id')
      .leftJoin('channels', 'channels.user_id', 'users.id')
      .select(['users.id as user_id', 'users.username', 'channels.name as channel_name', 'follows.created_at'])
      .where('follows.channel_id', '=', channelId)
      .orderBy('follows.created_at', 'desc')
      .orderBy('users.id', 'desc')
      .limit(Math.min(limit, SOCIAL_LIMITS.maxListRows))
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      username: r.username,
      channelName: r.channel_name ?? r.username.toLowerCase(),
      followedAt: Number(r.created_at),
    }));
  }

  /** Channels a user follows, newest follow first. */
  async listFollowing(userId: number, limit: number = SOCIAL_LIMITS.maxListRows): Promise<FollowedChannelRow[]> {
    const rows = await this.db.kysely
      .selectFrom('follows')
      .innerJoin('channels', 'channels.id', 'follows.channel_id')
      .select([
        'channels.id as channel_id',
        'channels.name',
        'channels.title',
        'channels.visibility',
        'channels.user_id as owner_id',
        'follows.created_at',
      ])
      .where('follows.user_id', '=', userId)
      .orderBy('follows.created_at', 'desc')
      .orderBy('channels.id', 'desc')
      .limit(Math.min(limit, SOCIAL_LIMITS.maxListRows))
      .execute();
    return rows.map((r) => ({
      channelId: r.channel_id,
      name: r.name,
      title: r.title,
      visibility: toVisibility(r.visibility),
      ownerId: r.owner_id,
      followedAt: Number(r.created_at),
    }));
  }
}

export class SettingsRepo {
  constructor(private readonly db: Db) {}

  async get(key: string): Promise<string | null> {
    const row = await this.db.kysely.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value ?? null;
  }

  /**
   * The stored value, or `make()` stored and returned when there is none. Several processes starting at once
   * agree on one value: the insert does nothing on conflict and everyone reads back the winner.
   */
  async getOrCreate(key: string, make: () => string): Promise<string> {
    const existing = await this.get(key);
    if (existing !== null) return existing;
    await this.db.kysely
      .insertInto('settings')
      .values({ key, value: make() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const value = await this.get(key);
    if (value === null) throw new DbError('not_found', `Setting ${key} could not be stored.`);
    return value;
  }
}

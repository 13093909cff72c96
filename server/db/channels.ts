// Channels are created with their user (accounts.ts). A channel's name is its owner's username, lowercased.
import type { Db } from './database.js';
import { DbError } from './errors.js';
import { toChannel, type Channel, type ChannelVisibility, type RepoOptions } from './models.js';
import { newStreamKey } from './tokens.js';
import { normalizeTags, validateTitle, validateVisibility } from './validation.js';

/** What PATCH /api/me/channel may change; absent fields stay as they are. */
export interface ChannelSettings {
  title?: string;
  tags?: string[];
  visibility?: ChannelVisibility;
}

/** Presented stream keys longer than this are rejected without a query. */
const MAX_KEY_LENGTH = 128;

export class ChannelsRepo {
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    opts: RepoOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async byId(id: number): Promise<Channel | null> {
    const row = await this.db.kysely.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toChannel(row) : null;
  }

  async byUserId(userId: number): Promise<Channel | null> {
    const row = await this.db.kysely.selectFrom('channels').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row ? toChannel(row) : null;
  }

  /** Case-insensitive. */
  async byName(name: string): Promise<Channel | null> {
    if (typeof name !== 'string' || name.length > 64) return null;
    const row = await this.db.kysely.selectFrom('channels').selectAll().where('name', '=', name.toLowerCase()).executeTakeFirst();
    return row ? toChannel(row) : null;
  }

  /**
   * The channel a publisher's key belongs to, or null. An indexed equality lookup: the timing reveals at most
   * whether a B-tree probe matched, not how much of a key was right.
   */
  async byStreamKey(key: string): Promise<Channel | null> {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) return null;
    const row = await this.db.kysely.selectFrom('channels').selectAll().where('stream_key', '=', key).executeTakeFirst();
    return row ? toChannel(row) : null;
  }

  /** All channels, oldest first. */
  async list(): Promise<Channel[]> {
    const rows = await this.db.kysely.selectFrom('channels').selectAll().orderBy('id').execute();
    return rows.map(toChannel);
  }

  /** Replaces the stream key; the old one stops working at once. Returns the new key. */
  async regenerateKey(userId: number): Promise<string> {
    const key = newStreamKey();
    const res = await this.db.kysely
      .updateTable('channels')
      .set({ stream_key: key, key_updated_at: this.now() })
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new DbError('not_found', 'This user has no channel.');
    return key;
  }

  /** Sets the title (trimmed, at most 140 characters, no control characters). Returns the updated channel. */
  async setTitle(userId: number, title: string): Promise<Channel> {
    const t = validateTitle(title);
    const row = await this.db.kysely.updateTable('channels').set({ title: t }).where('user_id', '=', userId).returningAll().executeTakeFirst();
    if (!row) throw new DbError('not_found', 'This user has no channel.');
    return toChannel(row);
  }

  /** Channels by name (lowercased), in one query. Unknown names are left out. */
  async byNames(names: string[]): Promise<Channel[]> {
    const wanted = [...new Set(names.map((n) => n.toLowerCase()))].filter((n) => n.length <= 64);
    if (wanted.length === 0) return [];
    const rows = await this.db.kysely.selectFrom('channels').selectAll().where('name', 'in', wanted).execute();
    return rows.map(toChannel);
  }

  /** A channel's tags in the owner's order. */
  async tagsOf(channelId: number): Promise<string[]> {
    return (await this.tagsFor([channelId])).get(channelId) ?? [];
  }

  /** Tags of several channels in one query; channels without tags are absent from the map. */
  async tagsFor(channelIds: number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (channelIds.length === 0) return out;
    const rows = await this.db.kysely
      .selectFrom('channel_tags')
      .select(['channel_id', 'tag'])
      .where('channel_id', 'in', [...new Set(channelIds)])
      .orderBy('channel_id')
      .orderBy('position')
      .execute();
    for (const r of rows) {
      const list = out.get(r.channel_id) ?? [];
      list.push(r.tag);
      out.set(r.channel_id, list);
    }
    return out;
  }

  /**
   * Changes title, tags and visibility together: every field is validated first (tags normalised), then all are
   * written in one transaction, so a refused field changes nothing. Returns the channel and its tags.
   */
  async updateSettings(userId: number, settings: ChannelSettings): Promise<{ channel: Channel; tags: string[] }> {
    const title = settings.title !== undefined ? validateTitle(settings.title) : undefined;
    const tags = settings.tags !== undefined ? normalizeTags(settings.tags) : undefined;
    const visibility = settings.visibility !== undefined ? validateVisibility(settings.visibility) : undefined;
    return this.db.kysely.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('channels').select('id').where('user_id', '=', userId).executeTakeFirst();
      if (!existing) throw new DbError('not_found', 'This user has no channel.');
      if (title !== undefined || visibility !== undefined) {
        await trx
          .updateTable('channels')
          .set({ ...(title !== undefined ? { title } : {}), ...(visibility !== undefined ? { visibility } : {}) })
          .where('id', '=', existing.id)
          .execute();
      }
      if (tags !== undefined) {
        await trx.deleteFrom('channel_tags').where('channel_id', '=', existing.id).execute();
        if (tags.length > 0) {
          await trx
            .insertInto('channel_tags')
            .values(tags.map((tag, position) => ({ channel_id: existing.id, tag, position })))
            .execute();
        }
      }
      const row = await trx.selectFrom('channels').selectAll().where('id', '=', existing.id).executeTakeFirstOrThrow();
      const tagRows = await trx.selectFrom('channel_tags').select('tag').where('channel_id', '=', existing.id).orderBy('position').execute();
      return { channel: toChannel(row), tags: tagRows.map((r) => r.tag) };
    });
  }
}

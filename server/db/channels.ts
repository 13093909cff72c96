// Channels are created with their user (accounts.ts). A channel's name is its owner's username, lowercased.
import type { Db } from './database.js';
import { DbError } from './errors.js';
import { toChannel, type Channel, type RepoOptions } from './models.js';
import { newStreamKey } from './tokens.js';
import { validateTitle } from './validation.js';

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
    const row = await this.db.kysely
      .updateTable('channels')
      .set({ title: t })
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new DbError('not_found', 'This user has no channel.');
    return toChannel(row);
  }
}

// A channel's restream destinations (table from 0010_restream_destinations). The stream key goes in sealed with the
// server secret and comes out only for the pusher (`key`); input is checked before it gets here
// (server/restream/input.ts); this layer keeps the count per channel within the limit.
import type { Selectable, Updateable } from 'kysely';
import { DESTINATION_LIMITS } from '../api/types.js';
import type { InviteTokenSeal } from './invites.js';
import type { Db } from './database.js';
import { DbError } from './errors.js';
import type { RepoOptions } from './models.js';
import type { RestreamDestinationsTable } from './schema.js';

export interface Destination {
  id: number;
  channelId: number;
  name: string;
  url: string;
  enabled: boolean;
  createdAt: number;
  /** The stream key, or null when it cannot be opened (the server secret changed): never log or return it. */
  key: string | null;
}

export interface DestinationFields {
  name: string;
  url: string;
  key: string;
  enabled: boolean;
}

export class DestinationsRepo {
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly seal: InviteTokenSeal,
    opts: RepoOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  private toDestination(row: Selectable<RestreamDestinationsTable>): Destination {
    return {
      id: row.id,
      channelId: row.channel_id,
      name: row.name,
      url: row.url,
      enabled: Number(row.enabled) === 1,
      createdAt: Number(row.created_at),
      key: this.seal.open(row.key_sealed),
    };
  }

  /** The channel's destinations, oldest first. */
  async list(channelId: number): Promise<Destination[]> {
    const rows = await this.db.kysely.selectFrom('restream_destinations').selectAll().where('channel_id', '=', channelId).orderBy('id').execute();
    return rows.map((r) => this.toDestination(r));
  }

  async get(channelId: number, id: number): Promise<Destination | null> {
    const row = await this.db.kysely
      .selectFrom('restream_destinations')
      .selectAll()
      .where('id', '=', id)
      .where('channel_id', '=', channelId)
      .executeTakeFirst();
    return row ? this.toDestination(row) : null;
  }

  /** Adds one; refused once the channel has DESTINATION_LIMITS.maxPerChannel. */
  async create(channelId: number, f: DestinationFields): Promise<Destination> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const { n } = await trx
        .selectFrom('restream_destinations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('channel_id', '=', channelId)
        .executeTakeFirstOrThrow();
      if (Number(n) >= DESTINATION_LIMITS.maxPerChannel) {
        throw new DbError('too_many_destinations', `A channel can have at most ${DESTINATION_LIMITS.maxPerChannel} destinations; delete one first.`);
      }
      const row = await trx
        .insertInto('restream_destinations')
        .values({
          channel_id: channelId,
          name: f.name,
          url: f.url,
          key_sealed: this.seal.seal(f.key),
          enabled: f.enabled ? 1 : 0,
          created_at: this.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return this.toDestination(row);
    });
  }

  /** Changes the given fields; null when the channel has no destination with this id. */
  async update(channelId: number, id: number, patch: Partial<DestinationFields>): Promise<Destination | null> {
    const set: Updateable<RestreamDestinationsTable> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.url !== undefined) set.url = patch.url;
    if (patch.key !== undefined) set.key_sealed = this.seal.seal(patch.key);
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    if (Object.keys(set).length === 0) return this.get(channelId, id);
    const row = await this.db.kysely
      .updateTable('restream_destinations')
      .set(set)
      .where('id', '=', id)
      .where('channel_id', '=', channelId)
      .returningAll()
      .executeTakeFirst();
    return row ? this.toDestination(row) : null;
  }

  /** True when it was there. */
  async remove(channelId: number, id: number): Promise<boolean> {
    const res = await this.db.kysely.deleteFrom('restream_destinations').where('id', '=', id).where('channel_id', '=', channelId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

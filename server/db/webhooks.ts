// A channel's outgoing webhooks (table from 0006_webhooks) and the outcome of each one's last delivery. Input is
// checked before it gets here (server/webhooks/input.ts); this layer keeps the count per channel within the limit.
import type { Selectable, Updateable } from 'kysely';
import { WEBHOOK_LIMITS, type WebhookEvent, type WebhookFormat } from '../api/types.js';
import type { Db } from './database.js';
import { DbError } from './errors.js';
import type { RepoOptions } from './models.js';
import type { WebhooksTable } from './schema.js';

/** The last delivery attempt of a webhook. */
export interface LastDelivery {
  event: WebhookEvent | 'test';
  at: number;
  ok: boolean;
  status: number | null;
  error: string | null;
  attempts: number;
  retrying: boolean;
}

export interface Webhook {
  id: number;
  channelId: number;
  /** Secret-bearing: never log it, show it only masked. */
  url: string;
  format: WebhookFormat;
  events: WebhookEvent[];
  /** The site address the owner used when saving it ('' when unknown). */
  linkBase: string;
  createdAt: number;
  last: LastDelivery | null;
}

export interface WebhookFields {
  url: string;
  format: WebhookFormat;
  events: WebhookEvent[];
  linkBase: string;
}

const EVENTS: readonly WebhookEvent[] = ['live', 'ended'];

function toWebhook(row: Selectable<WebhooksTable>): Webhook {
  const last: LastDelivery | null =
    row.last_at === null
      ? null
      : {
          event: row.last_event === 'live' || row.last_event === 'ended' ? row.last_event : 'test',
          at: Number(row.last_at),
          ok: Number(row.last_ok) === 1,
          status: row.last_status === null ? null : Number(row.last_status),
          error: row.last_error,
          attempts: Number(row.last_attempts ?? 1),
          retrying: Number(row.last_retrying) === 1,
        };
  return {
    id: row.id,
    channelId: row.channel_id,
    url: row.url,
    // Unknown stored values (a newer server wrote them) fall back to the plain JSON body.
    format: row.format === 'discord' ? 'discord' : 'json',
    events: EVENTS.filter((e) => row.events.split(',').includes(e)),
    linkBase: row.link_base,
    createdAt: Number(row.created_at),
    last,
  };
}

export class WebhooksRepo {
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    opts: RepoOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** The channel's webhooks, oldest first. */
  async list(channelId: number): Promise<Webhook[]> {
    const rows = await this.db.kysely.selectFrom('webhooks').selectAll().where('channel_id', '=', channelId).orderBy('id').execute();
    return rows.map(toWebhook);
  }

  /** One of the channel's webhooks; null when there is none with this id on this channel. */
  async get(channelId: number, id: number): Promise<Webhook | null> {
    const row = await this.db.kysely.selectFrom('webhooks').selectAll().where('id', '=', id).where('channel_id', '=', channelId).executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  /** The channel's webhooks that want this event. */
  async forEvent(channelId: number, event: WebhookEvent): Promise<Webhook[]> {
    return (await this.list(channelId)).filter((w) => w.events.includes(event));
  }

  /** Adds a webhook; refused once the channel has WEBHOOK_LIMITS.maxPerChannel. */
  async create(channelId: number, f: WebhookFields): Promise<Webhook> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const { n } = await trx
        .selectFrom('webhooks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('channel_id', '=', channelId)
        .executeTakeFirstOrThrow();
      if (Number(n) >= WEBHOOK_LIMITS.maxPerChannel) {
        throw new DbError('too_many_webhooks', `A channel can have at most ${WEBHOOK_LIMITS.maxPerChannel} webhooks; delete one first.`);
      }
      const row = await trx
        .insertInto('webhooks')
        .values({ channel_id: channelId, url: f.url, format: f.format, events: f.events.join(','), link_base: f.linkBase, created_at: this.now() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toWebhook(row);
    });
  }

  /** Changes the given fields; null when the channel has no webhook with this id. */
  async update(channelId: number, id: number, patch: Partial<WebhookFields>): Promise<Webhook | null> {
    const set: Updateable<WebhooksTable> = {};
    // A new address starts with no delivery history: the old outcome said nothing about it.
    if (patch.url !== undefined) Object.assign(set, { url: patch.url, last_event: null, last_at: null });
    if (patch.format !== undefined) set.format = patch.format;
    if (patch.events !== undefined) set.events = patch.events.join(',');
    if (patch.linkBase !== undefined) set.link_base = patch.linkBase;
    if (Object.keys(set).length === 0) return this.get(channelId, id);
    const row = await this.db.kysely
      .updateTable('webhooks')
      .set(set)
      .where('id', '=', id)
      .where('channel_id', '=', channelId)
      .returningAll()
      .executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  /** True when it was there. */
  async remove(channelId: number, id: number): Promise<boolean> {
    const res = await this.db.kysely.deleteFrom('webhooks').where('id', '=', id).where('channel_id', '=', channelId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Keeps the outcome of a delivery attempt (nothing happens when the webhook was deleted meanwhile). */
  async recordDelivery(id: number, d: LastDelivery): Promise<void> {
    await this.db.kysely
      .updateTable('webhooks')
      .set({
        last_event: d.event,
        last_at: d.at,
        last_ok: d.ok ? 1 : 0,
        last_status: d.status,
        last_error: d.error,
        last_attempts: d.attempts,
        last_retrying: d.retrying ? 1 : 0,
      })
      .where('id', '=', id)
      .execute();
  }
}

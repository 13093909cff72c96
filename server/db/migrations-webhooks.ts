// Migration 0006_webhooks: a channel's outgoing webhooks and the outcome of each one's last delivery.
// Registered in migrations.ts.
import type { Kysely, Migration } from 'kysely';
import { withId, type SqlDialect } from './migrations.js';

export function webhooksMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      // `url` is kept whole (deliveries need it) and never leaves the server unmasked. `events` is a comma-separated
      // list ('live,ended'). `link_base` is the site address the owner used when saving it: links in deliveries
      // use it when ONAIR_PUBLIC_URL is unset. The last_* columns describe the last delivery attempt.
      await withId(db.schema.createTable('webhooks'), dialect)
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('link_base', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_event', 'text')
        .addColumn('last_at', 'bigint')
        .addColumn('last_ok', 'integer')
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('last_attempts', 'integer')
        .addColumn('last_retrying', 'integer')
        .execute();
      await db.schema.createIndex('webhooks_channel_idx').on('webhooks').column('channel_id').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('webhooks').execute();
    },
  };
}

// Migration 0012_stream_metrics: each stream's history for its owner's dashboard (samples every few seconds and
// health events, kept with the replay and pruned with it), and the operator's switch that disables an account.
// Registered in migrations.ts.
import type { Kysely, Migration } from 'kysely';
import { withId, type SqlDialect } from './migrations.js';

export function streamMetricsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      // Keyed by the stream id (the replay's id once it ended). No foreign key to replays: a live stream has no
      // replay row yet. channel_id ties them to their owner and goes with the account.
      await withId(db.schema.createTable('stream_samples'), dialect)
        .addColumn('stream_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('viewers', 'integer', (c) => c.notNull())
        .addColumn('bitrate_kbps', 'double precision', (c) => c.notNull())
        .addColumn('fps', 'double precision')
        .addColumn('chat_messages', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('stream_samples_stream_at_idx').on('stream_samples').columns(['stream_id', 'at']).execute();
      await db.schema.createIndex('stream_samples_channel_idx').on('stream_samples').column('channel_id').execute();

      await withId(db.schema.createTable('stream_events'), dialect)
        .addColumn('stream_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema.createIndex('stream_events_stream_at_idx').on('stream_events').columns(['stream_id', 'at']).execute();
      await db.schema.createIndex('stream_events_channel_idx').on('stream_events').column('channel_id').execute();

      // Set by the operator (/admin): the account cannot sign in or publish. Null while enabled.
      await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('users').dropColumn('disabled_at').execute();
      await db.schema.dropTable('stream_events').execute();
      await db.schema.dropTable('stream_samples').execute();
    },
  };
}

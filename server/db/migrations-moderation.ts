// Migration 0011_chat_moderation: a channel's chat moderators, its chat modes and its moderation log, and an index
// that lets chat retention delete old messages by age. Registered in migrations.ts.
import type { Kysely, Migration } from 'kysely';
import { withId, type SqlDialect } from './migrations.js';

export function chatModerationMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('chat_moderators')
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_moderators_pk', ['channel_id', 'user_id'])
        .execute();
      await db.schema.createIndex('chat_moderators_user_idx').on('chat_moderators').column('user_id').execute();

      // One row per channel that changed its modes; no row: every mode off. blocked_terms is a JSON array of strings.
      await db.schema
        .createTable('chat_settings')
        .addColumn('channel_id', 'integer', (c) => c.primaryKey().references('channels.id').onDelete('cascade'))
        .addColumn('slow_mode_seconds', 'integer')
        .addColumn('followers_only_minutes', 'integer')
        .addColumn('signed_in_only', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('blocked_terms', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('first_message_delay_minutes', 'integer')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      // Names are kept as they were at the time, so the log still reads once an account is gone.
      await withId(db.schema.createTable('moderation_log'), dialect)
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('actor_user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_user_id', 'integer')
        .addColumn('target_guest_id', 'text')
        .addColumn('target_name', 'text')
        .addColumn('detail', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('moderation_log_channel_idx').on('moderation_log').columns(['channel_id', 'id']).execute();
      await db.schema.createIndex('moderation_log_created_at_idx').on('moderation_log').column('created_at').execute();
      await db.schema.createIndex('chat_messages_created_at_idx').on('chat_messages').column('created_at').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('chat_messages_created_at_idx').execute();
      await db.schema.dropTable('moderation_log').execute();
      await db.schema.dropTable('chat_settings').execute();
      await db.schema.dropTable('chat_moderators').execute();
    },
  };
}

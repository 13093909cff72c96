// Migration 0004_chat: chat messages, bans and timeouts (server/chat). Registered in migrations.ts.
import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { SqlDialect } from './migrations.js';

function withId<T extends string>(table: CreateTableBuilder<T, never>, dialect: SqlDialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}

export function chatMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      // One row per message. user_id / guest_id say who wrote it; both null with system_kind set for system
      // messages ("live", "ended"). author_name is kept as shown at the time.
      await withId(db.schema.createTable('chat_messages'), dialect)
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('guest_id', 'text')
        .addColumn('author_name', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('system_kind', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .execute();
      await db.schema.createIndex('chat_messages_channel_id_idx').on('chat_messages').columns(['channel_id', 'id']).execute();

      // A ban names a user, or a guest (with a hash of the guest's IP address, which bans every guest from that
      // address). expires_at null: until unbanned.
      await withId(db.schema.createTable('chat_bans'), dialect)
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('guest_id', 'text')
        .addColumn('guest_ip_hash', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('chat_bans_user_idx').on('chat_bans').columns(['channel_id', 'user_id']).execute();
      await db.schema.createIndex('chat_bans_guest_idx').on('chat_bans').columns(['channel_id', 'guest_id']).execute();
      await db.schema.createIndex('chat_bans_ip_idx').on('chat_bans').columns(['channel_id', 'guest_ip_hash']).execute();

      // A timeout keeps someone in the room but stops them sending until `until`.
      await withId(db.schema.createTable('chat_timeouts'), dialect)
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('guest_id', 'text')
        .addColumn('until', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('chat_timeouts_user_idx').on('chat_timeouts').columns(['channel_id', 'user_id']).execute();
      await db.schema.createIndex('chat_timeouts_guest_idx').on('chat_timeouts').columns(['channel_id', 'guest_id']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('chat_timeouts').execute();
      await db.schema.dropTable('chat_bans').execute();
      await db.schema.dropTable('chat_messages').execute();
    },
  };
}

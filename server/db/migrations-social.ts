// Migration 0003_social: follows, channel tags and visibility, invites, invite grants, server settings.
// Registered in migrations.ts.
import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { SqlDialect } from './migrations.js';

function withId<T extends string>(table: CreateTableBuilder<T, never>, dialect: SqlDialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}

export function socialMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      // 'public' | 'followers' | 'invite' (checked in code: SQLite cannot add a CHECK to an existing table).
      await db.schema
        .alterTable('channels')
        .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('public'))
        .execute();

      await db.schema
        .createTable('channel_tags')
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('channel_tags_pk', ['channel_id', 'tag'])
        .execute();
      await db.schema.createIndex('channel_tags_tag_idx').on('channel_tags').column('tag').execute();

      await db.schema
        .createTable('follows')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('follows_pk', ['user_id', 'channel_id'])
        .execute();
      await db.schema.createIndex('follows_channel_idx').on('follows').columns(['channel_id', 'created_at']).execute();

      // Only the sha256 of an invite token is stored; the token itself is shown once, at creation.
      await withId(db.schema.createTable('invites'), dialect)
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('max_uses', 'integer')
        .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('invites_channel_idx').on('invites').column('channel_id').execute();

      // A signed-in user who redeemed an invite may watch that channel; revoking the invite removes the grant.
      await db.schema
        .createTable('invite_grants')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('invite_id', 'integer', (c) => c.notNull().references('invites.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('invite_grants_pk', ['user_id', 'channel_id'])
        .execute();
      await db.schema.createIndex('invite_grants_invite_idx').on('invite_grants').column('invite_id').execute();

      // Server-wide settings, e.g. the HMAC secret for guest grants and media tokens.
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('settings').execute();
      await db.schema.dropTable('invite_grants').execute();
      await db.schema.dropTable('invites').execute();
      await db.schema.dropTable('follows').execute();
      await db.schema.dropTable('channel_tags').execute();
      await db.schema.alterTable('channels').dropColumn('visibility').execute();
    },
  };
}

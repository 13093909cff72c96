// Migrations live in code (no files to ship or find at runtime). Append new ones with the next number
// (`0003_follows`, ...); never edit or renumber one that has been released.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type CreateTableBuilder } from 'kysely';
import { DbError } from './errors.js';
import { chatMigration } from './migrations-chat.js';
import { chatModerationMigration } from './migrations-moderation.js';
import { streamMetricsMigration } from './migrations-metrics.js';
import { socialMigration } from './migrations-social.js';
import { webhooksMigration } from './migrations-webhooks.js';

export type SqlDialect = 'sqlite' | 'postgres';

/** An auto-incrementing integer primary key, spelled for each dialect. */
export function withId<T extends string>(table: CreateTableBuilder<T, never>, dialect: SqlDialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}

// Portable column types used below:
//   'text'             strings
//   'bigint'           epoch-millisecond timestamps and byte counts (INTEGER affinity on SQLite)
//   'integer'          ids, booleans (0/1)
//   'double precision' fractional numbers (REAL affinity on SQLite)

export function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_accounts': {
      async up(db: Kysely<any>) {
        await withId(db.schema.createTable('users'), dialect)
          .addColumn('username', 'text', (c) => c.notNull())
          .addColumn('username_lower', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await withId(db.schema.createTable('auth_tokens'), dialect)
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint')
          .addCheckConstraint('auth_tokens_kind_check', sql`kind in ('session', 'bearer')`)
          .execute();
        await db.schema.createIndex('auth_tokens_user_id_idx').on('auth_tokens').column('user_id').execute();
        await db.schema.createIndex('auth_tokens_expires_at_idx').on('auth_tokens').column('expires_at').execute();

        await withId(db.schema.createTable('channels'), dialect)
          .addColumn('user_id', 'integer', (c) => c.notNull().unique().references('users.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('stream_key', 'text', (c) => c.notNull().unique())
          .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('key_updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('channels').execute();
        await db.schema.dropTable('auth_tokens').execute();
        await db.schema.dropTable('users').execute();
      },
    },

    '0002_replays': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('replays')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
          .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('ended_at', 'bigint', (c) => c.notNull())
          .addColumn('duration_seconds', 'double precision', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addColumn('has_discontinuity', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('deleted_at', 'bigint')
          .execute();
        await db.schema.createIndex('replays_channel_started_idx').on('replays').columns(['channel_id', 'started_at']).execute();
        await db.schema.createIndex('replays_ended_at_idx').on('replays').column('ended_at').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('replays').execute();
      },
    },
    '0003_social': socialMigration(dialect),
    '0004_chat': chatMigration(dialect),
    '0005_access_changes': {
      async up(db: Kysely<any>) {
        await withId(db.schema.createTable('access_changes'), dialect)
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('access_changes_created_at_idx').on('access_changes').column('created_at').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('access_changes').execute();
      },
    },
    '0006_webhooks': webhooksMigration(dialect),
    '0007_invite_links': {
      // The invite token sealed with the server secret (server/access/invite-seal.ts), so its owner can copy the
      // link again; lookups still go by token_hash. Null for invites made before, and once revoked.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('invites').addColumn('token_sealed', 'text').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.alterTable('invites').dropColumn('token_sealed').execute();
      },
    },
    '0008_replay_nodes': {
      // Cluster mode: the node whose disk holds a replay's files (its ONAIR_NODE_URL); null on a single server.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('replays').addColumn('node_url', 'text').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.alterTable('replays').dropColumn('node_url').execute();
      },
    },
    // Admin accounts open the operator routes (/stat, /api/stats, /metrics) with their own sign-in; set by the
    // operator CLI (`user admin NAME on|off`). 0/1.
    '0009_user_admin': {
      async up(db: Kysely<any>) {
        await db.schema
          .alterTable('users')
          .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.alterTable('users').dropColumn('is_admin').execute();
      },
    },
    // A channel's restream destinations: where its live stream is pushed on (server/restream/). The stream key is
    // kept sealed with a key derived from the server secret (access/invite-seal.ts) and never leaves the server.
    '0010_restream_destinations': {
      async up(db: Kysely<any>) {
        await withId(db.schema.createTable('restream_destinations'), dialect)
          .addColumn('channel_id', 'integer', (c) => c.notNull().references('channels.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('key_sealed', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('restream_destinations_channel_idx').on('restream_destinations').column('channel_id').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('restream_destinations').execute();
      },
    },
    '0011_chat_moderation': chatModerationMigration(dialect),
    '0012_stream_metrics': streamMetricsMigration(dialect),
  };
}

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}

/**
 * Brings the schema up to date. `migrationTableSchema` must be given on PostgreSQL: without it Kysely's
 * "does the migration table exist" check matches a `kysely_migration` table in ANY schema of the database.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: SqlDialect, migrationTableSchema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    // Ours already says what went wrong and what to do (a lock held too long).
    if (error instanceof DbError) throw error;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DbError('migration_failed', `Database migration${failed ? ` ${failed}` : ''} failed: ${reason}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

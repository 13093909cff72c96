// Migrations live in code (no files to ship or find at runtime). Append new ones with the next number
// (`0003_follows`, ...); never edit or renumber one that has been released.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type CreateTableBuilder } from 'kysely';
import { DbError } from './errors.js';
import { chatMigration } from './migrations-chat.js';
import { socialMigration } from './migrations-social.js';

export type SqlDialect = 'sqlite' | 'postgres';

/** An auto-incrementing integer primary key, spelled for each dialect. */
function withId<T extends string>(table: CreateTableBuilder<T, never>, dialect: SqlDialect): CreateTableBuilder<T, 'id'> {
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
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DbError('migration_failed', `Database migration${failed ? ` ${failed}` : ''} failed: ${reason}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

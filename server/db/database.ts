// Opens the database: SQLite (better-sqlite3) by default, PostgreSQL (pg Pool) when a postgres:// URL is given.
// Repositories receive the returned `Db` and use only `db.kysely`, so the same query code serves both.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Logger } from '../log.js';
import type { Database } from './schema.js';
import { DbError } from './errors.js';
import { migrateToLatest, type SqlDialect } from './migrations.js';
import { OnairPostgresDialect } from './pg-dialect.js';

export interface DbConfig {
  /** postgres:// or postgresql:// selects PostgreSQL; empty or absent selects SQLite. */
  databaseUrl?: string;
  /** SQLite file path, or ':memory:'. Its directory is created if missing. */
  sqlitePath: string;
  /** PostgreSQL only: create and use this schema (tests isolate themselves this way). */
  pgSchema?: string;
  /** Optional: where pool errors and migration notes go. */
  logger?: Logger;
}

export interface Db {
  kysely: Kysely<Database>;
  dialect: SqlDialect;
  /**
   * SQLite only: the connection's data_version, which moves when another connection commits. Read synchronously
   * through a statement prepared once: every process polls it twice a second (server/access/change-bus.ts), and a
   * look through Kysely costs about half a millisecond, a third of an idle server's CPU.
   */
  dataVersion?: () => number;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Named limits for the database layer. */
export const DB_LIMITS = {
  sqliteBusyTimeoutMs: 5_000,
  pgPoolMax: 10,
  pgConnectTimeoutMs: 5_000,
  pgIdleTimeoutMs: 30_000,
  /** How long a start waits for another session's migration of the same schema before failing, naming it. */
  pgMigrationLockWaitMs: 60_000,
} as const;

const PG_URL = /^postgres(ql)?:\/\//i;
const PG_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;
const PG_INT8_OID = 20;

export function isPostgresUrl(url: string | undefined): boolean {
  return !!url && PG_URL.test(url);
}

/** A database URL fit to print: its password (in the user part or a `password=` parameter) replaced by ***. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString().replaceAll('%2A%2A%2A', '***');
  } catch {
    return '(a database URL that cannot be read as a URL)';
  }
}

export async function openDatabase(cfg: DbConfig): Promise<Db> {
  const url = cfg.databaseUrl?.trim();
  if (url && !isPostgresUrl(url)) {
    throw new DbError('unsupported_database_url', 'DATABASE_URL must start with postgres:// or postgresql:// (leave it empty to use SQLite).');
  }
  const db = url ? openPostgres(url, cfg) : openSqlite(cfg);
  try {
    let migrationSchema: string | undefined;
    if (db.dialect === 'postgres') {
      if (cfg.pgSchema) {
        await sql`create schema if not exists ${sql.id(cfg.pgSchema)}`.execute(db.kysely);
        migrationSchema = cfg.pgSchema;
      } else {
        const { rows } = await sql<{ s: string | null }>`select current_schema() as s`.execute(db.kysely);
        migrationSchema = rows[0]?.s ?? 'public';
      }
    }
    const applied = await migrateToLatest(db.kysely, db.dialect, migrationSchema);
    if (applied.length > 0) cfg.logger?.info({ migrations: applied, dialect: db.dialect }, 'database migrated');
  } catch (err) {
    await db.close().catch(() => {});
    if (db.dialect === 'postgres' && isConnectionError(err)) {
      // Where it looked, never the password.
      const where = new URL(url!);
      throw new DbError(
        'database_unreachable',
        `PostgreSQL at ${where.hostname}:${where.port || 5432}${where.pathname} is unreachable (${(err as Error).message}); start it, or correct DATABASE_URL.`,
      );
    }
    throw err;
  }
  return db;
}

/** Errors that mean the database server could not be reached (as opposed to a refused query). */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN', '57P01', '57P03'].includes(code)
  )
    return true;
  // node-postgres says these in words only.
  return /Connection terminated|timeout exceeded when trying to connect/.test((err as Error)?.message ?? '');
}

function openSqlite(cfg: DbConfig): Db {
  const path = cfg.sqlitePath;
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  try {
    if (path !== ':memory:') sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${DB_LIMITS.sqliteBusyTimeoutMs}`);
    sqlite.pragma('synchronous = NORMAL');
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  return { kysely, dialect: 'sqlite', dataVersion: () => dataVersion.get() as number, close: once(() => kysely.destroy()) };
}

function openPostgres(url: string, cfg: DbConfig): Db {
  if (cfg.pgSchema !== undefined && !PG_SCHEMA.test(cfg.pgSchema)) {
    throw new DbError('invalid_pg_schema', `Invalid PostgreSQL schema name "${cfg.pgSchema}".`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: DB_LIMITS.pgPoolMax,
    connectionTimeoutMillis: DB_LIMITS.pgConnectTimeoutMs,
    idleTimeoutMillis: DB_LIMITS.pgIdleTimeoutMs,
    application_name: 'onair',
    // Per-pool, not the global pg.types: int8 (bigint columns, count(*)) as a JS number. Our int8 values are
    // epoch milliseconds and byte counts, far below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID && format !== 'binary'
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
    },
    // search_path is set at connection start, so every pooled connection sees the schema.
    ...(cfg.pgSchema ? { options: `-c search_path=${cfg.pgSchema}` } : {}),
  });
  pool.on('error', (err) => cfg.logger?.warn({ err: err.message }, 'postgres idle client error'));
  // The pool listens to idle clients only: a checked-out client whose connection drops (PostgreSQL gone mid-query)
  // emits 'error' to nobody, which would end the process. Its query's promise already carries the error to the caller.
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<Database>({ dialect: new OnairPostgresDialect({ pool }, DB_LIMITS.pgMigrationLockWaitMs) });
  return { kysely, dialect: 'postgres', close: once(() => kysely.destroy()) };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

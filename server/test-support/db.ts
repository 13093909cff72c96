// Test databases: every DB test runs on a real SQLite file AND a real PostgreSQL schema.
//
//   import { DB_KINDS } from '../test-support/db.js';
//   for (const kind of DB_KINDS) describe(kind.name, () => {
//     let db: TestDb;
//     before(async () => { db = await kind.open(); });
//     after(() => db?.cleanup());
//     ...
//   });
//
// Each open() gets a fresh database (SQLite: a file in a new temp dir; PostgreSQL: a new schema in the
// `test` database), migrated; cleanup() closes it and deletes the file / drops the schema.
// PostgreSQL URL: ONAIR_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test. If it is
// unreachable, open() throws and the tests fail. ONAIR_TEST_PG=off drops PostgreSQL from DB_KINDS on a
// machine without it; it is refused when CI is set.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, redactDatabaseUrl, type Db, type DbConfig } from '../db/database.js';

export type TestDb = Db & {
  /** The config it was opened with: openDatabase(db.config) opens the same database again. */
  config: DbConfig;
  /** Closes and deletes the database. Idempotent. */
  cleanup(): Promise<void>;
};

export interface DbKind {
  name: 'sqlite' | 'postgres';
  open(): Promise<TestDb>;
}

export const TEST_PG_URL = process.env.ONAIR_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA_PREFIX = 'onair_t_';
/** Schemas left by crashed runs are dropped once they are this old. */
const STALE_SCHEMA_MS = 60 * 60_000;

const sqliteKind: DbKind = {
  name: 'sqlite',
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'onair-db-'));
    return openRemovable({ sqlitePath: join(dir, 'nested', 'onair.sqlite') }, () => rm(dir, { recursive: true, force: true }));
  },
};

/** Opens the database of `config`; `remove` deletes it, after a failed open or on cleanup (once, after closing). */
async function openRemovable(config: DbConfig, remove: () => Promise<void>): Promise<TestDb> {
  let db: Db;
  try {
    db = await openDatabase(config);
  } catch (err) {
    await remove().catch(() => {});
    throw err;
  }
  let done: Promise<void> | undefined;
  return {
    ...db,
    config,
    cleanup: () =>
      (done ??= (async () => {
        await db.close();
        await remove();
      })()),
  };
}

let staleSweep: Promise<void> | undefined;

async function withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `PostgreSQL test database unreachable at ${redactDatabaseUrl(TEST_PG_URL)} (${reason}). Start PostgreSQL, set ` +
        'ONAIR_TEST_DATABASE_URL, or (outside CI only) set ONAIR_TEST_PG=off to skip the PostgreSQL runs.',
      { cause: err },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * What the test PostgreSQL server is doing besides idling, on one line: other sessions' statements (how long they have
 * run, what they wait for), and every session holding or waiting for an advisory lock, idle ones too (a migration
 * lock's holder is idle between its statements), for the error of a test that waited on it too long.
 */
export async function pgActivity(): Promise<string> {
  try {
    return await withClient(async (c) => {
      const { rows } = await c.query<{ line: string }>(
        `select a.pid || ' ' || coalesce(nullif(a.application_name, ''), '-') || ' ' || coalesce(a.state, '?') || ' ' ||
           coalesce(a.wait_event_type || '/' || a.wait_event, '-') || ' ' ||
           coalesce(round(extract(epoch from now() - a.state_change))::text || ' s', '') ||
           coalesce(' ' || (select string_agg(case when l.granted then 'holds' else 'waits for' end || ' advisory ' ||
             l.classid || '/' || l.objid, ', ') from pg_locks l where l.pid = a.pid and l.locktype = 'advisory'), '') ||
           ': ' || left(a.query, 160) as line
           from pg_stat_activity a
          where a.pid <> pg_backend_pid() and a.backend_type = 'client backend'
            and (a.state is distinct from 'idle' or exists (select 1 from pg_locks l where l.pid = a.pid and l.locktype = 'advisory'))`,
      );
      return rows.length ? rows.map((r) => r.line.replace(/\s+/g, ' ')).join(' | ') : 'no statement running, no advisory lock held';
    });
  } catch (err) {
    return `could not ask: ${(err as Error).message}`;
  }
}

/** How long opening a test database may take before the test fails saying what PostgreSQL was doing. */
// Past the migration lock's own bound (DB_LIMITS.pgMigrationLockWaitMs), whose error names the lock's holder.
const OPEN_BOUND_MS = 90_000;

function sweepStaleSchemas(): Promise<void> {
  return (staleSweep ??= withClient(async (c) => {
    // A schema someone still holds a lock in is left for a later sweep, never waited for.
    await c.query(`set lock_timeout = '2s'`);
    const { rows } = await c.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like $1`, [`${SCHEMA_PREFIX}%`]);
    for (const { nspname } of rows) {
      const born = parseInt(nspname.slice(SCHEMA_PREFIX.length).split('_')[0] ?? '', 36);
      if (Number.isFinite(born) && Date.now() - born > STALE_SCHEMA_MS && /^[a-z0-9_]+$/.test(nspname)) {
        await c.query(`drop schema if exists "${nspname}" cascade`).catch(() => {});
      }
    }
  }));
}

const postgresKind: DbKind = {
  name: 'postgres',
  async open() {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          void pgActivity().then((a) =>
            reject(new Error(`opening a PostgreSQL test database took over ${OPEN_BOUND_MS / 1000} s; PostgreSQL: ${a}`)),
          ),
        OPEN_BOUND_MS,
      );
    });
    try {
      return await Promise.race([openPgSchema(), bound]);
    } finally {
      clearTimeout(timer);
    }
  },
};

async function openPgSchema(): Promise<TestDb> {
  await sweepStaleSchemas();
  const schema = `${SCHEMA_PREFIX}${Date.now().toString(36)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  return openRemovable({ databaseUrl: TEST_PG_URL, sqlitePath: ':memory:', pgSchema: schema }, () =>
    withClient(async (c) => void (await c.query(`drop schema if exists "${schema}" cascade`))),
  );
}

function kinds(): DbKind[] {
  const pgSetting = (process.env.ONAIR_TEST_PG ?? '').toLowerCase();
  if (pgSetting === 'off') {
    if (process.env.CI) throw new Error('ONAIR_TEST_PG=off is not allowed in CI: the PostgreSQL tests must run.');
    return [sqliteKind];
  }
  return [sqliteKind, postgresKind];
}

export const DB_KINDS: readonly DbKind[] = kinds();

/** A fresh PostgreSQL database on the test server, dropped by the returned function. */
export async function freshPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `onair_cluster_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

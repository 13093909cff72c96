// The PostgreSQL migration lock is per schema and bounded (server/db/migration-lock.ts), on the real test server.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Kysely } from 'kysely';
import { openDatabase } from './database.js';
import { DbError } from './errors.js';
import { migrateToLatest, migrations } from './migrations.js';
import { OnairPostgresDialect } from './pg-dialect.js';
import { DB_KINDS, TEST_PG_URL } from '../test-support/db.js';

/** Kysely's own database-wide migration key (kysely/dist/esm/dialect/postgres/postgres-adapter.js). */
const KYSELY_LOCK_ID = '3853314791062309107';

describe('PostgreSQL migration lock', { skip: !DB_KINDS.some((k) => k.name === 'postgres'), timeout: 60_000 }, () => {
  const clients: pg.Client[] = [];
  const schemas: string[] = [];
  const schema = () => {
    // The test support's prefix and birth stamp, so a crashed run's schema is swept like any other.
    const s = `onair_t_${Date.now().toString(36)}_${process.pid}_lock${randomBytes(3).toString('hex')}`;
    schemas.push(s);
    return s;
  };
  const session = async () => {
    const c = new pg.Client({ connectionString: TEST_PG_URL });
    await c.connect();
    clients.push(c);
    return c;
  };
  const lockSchema = (c: pg.Client, s: string) => c.query(`select pg_advisory_lock(hashtext('onair.migrations'), hashtext($1))`, [s]);
  after(async () => {
    const c = await session();
    for (const s of schemas) await c.query(`drop schema if exists "${s}" cascade`);
    for (const x of clients) await x.end().catch(() => {});
  });

  it('two starts on one new schema at once: one migrates, the other waits and finds every migration applied', async () => {
    const s = schema();
    await (await session()).query(`create schema "${s}"`);
    const cfg = { databaseUrl: TEST_PG_URL, sqlitePath: ':memory:', pgSchema: s };
    const [a, b] = await Promise.all([openDatabase(cfg), openDatabase(cfg)]);
    await Promise.all([a.close(), b.close()]);
    const { rows } = await (await session()).query<{ name: string }>(`select name from "${s}".kysely_migration order by name`);
    assert.deepEqual(
      rows.map((r) => r.name),
      Object.keys(migrations('postgres')).sort(),
    );
  });

  it('a start is held up neither by another schema migrating nor by the database-wide key other Kysely apps take', async () => {
    const holder = await session();
    await lockSchema(holder, schema());
    await holder.query(`select pg_advisory_lock(${KYSELY_LOCK_ID})`);
    const started = Date.now();
    const db = await openDatabase({ databaseUrl: TEST_PG_URL, sqlitePath: ':memory:', pgSchema: schema() });
    await db.close();
    assert.ok(Date.now() - started < 20_000, `opened in ${Date.now() - started} ms`);
  });

  it('a start that waits past its bound fails, naming the session that holds the lock; once released it migrates', async () => {
    const s = schema();
    const holder = await session();
    await holder.query(`create schema "${s}"`);
    await lockSchema(holder, s);
    const { rows } = await holder.query<{ pid: number }>('select pg_backend_pid() as pid');
    const pool = new pg.Pool({ connectionString: TEST_PG_URL, options: `-c search_path=${s}` });
    const kysely = new Kysely<any>({ dialect: new OnairPostgresDialect({ pool }, 600) });
    try {
      const started = Date.now();
      await assert.rejects(migrateToLatest(kysely, 'postgres', s), (err: unknown) => {
        assert.ok(err instanceof DbError);
        assert.equal(err.code, 'migration_locked');
        assert.match(err.message, new RegExp(`schema "${s}" for over 1 s .*session ${rows[0]!.pid} .*idle for \\d+ s`));
        return true;
      });
      assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);

      await holder.query(`select pg_advisory_unlock(hashtext('onair.migrations'), hashtext($1))`, [s]);
      assert.deepEqual(await migrateToLatest(kysely, 'postgres', s), Object.keys(migrations('postgres')).sort());
    } finally {
      await kysely.destroy();
    }
  });
});

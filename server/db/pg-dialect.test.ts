// Our PostgreSQL dialect's introspector (server/db/pg-dialect.ts) on the real test server: a start reads its own
// schemas only, so another schema's tables being renamed at the same moment never fail it. Kysely's own introspector
// failed about two reads in three under this test's renames.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Db } from './database.js';
import { DB_KINDS, TEST_PG_URL } from '../test-support/db.js';

describe('PostgreSQL introspection', { skip: !DB_KINDS.some((k) => k.name === 'postgres'), timeout: 60_000 }, () => {
  // The test support's prefix and birth stamp, so a crashed run's schemas are swept like any other.
  const name = (what: string) => `onair_t_${Date.now().toString(36)}_${process.pid}_${what}${randomBytes(3).toString('hex')}`;
  const other = name('busy');
  const own: string[] = [];
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  const opened: Db[] = [];
  after(async () => {
    for (const db of opened) await db.close();
    for (const s of [other, ...own]) await admin.query(`drop schema if exists "${s}" cascade`);
    await admin.end();
  });

  it('starts and table lists are untouched by another schema’s tables renamed meanwhile, and list their own schema only', async () => {
    await admin.connect();
    await admin.query(`create schema "${other}"`);
    const TABLES = 20;
    for (let i = 0; i < TABLES; i++) await admin.query(`create table "${other}".t${i} (id serial primary key, note text)`);

    let renaming = true;
    let renames = 0;
    // Each rename its own statement and transaction: half the time a table is t<i>, half x<i>.
    const renamer = (async () => {
      for (let n = 0; renaming && n < 20_000; n++) {
        const i = n % TABLES;
        await admin.query(`alter table "${other}".t${i} rename to x${i}`);
        await admin.query(`alter table "${other}".x${i} rename to t${i}`);
        renames += 2;
      }
    })();
    try {
      for (let i = 0; i < 3; i++) {
        own.push(name('own'));
        opened.push(await openDatabase({ databaseUrl: TEST_PG_URL, sqlitePath: ':memory:', pgSchema: own.at(-1) }));
      }
      const db = opened[0]!;
      let reads = 0;
      for (const until = Date.now() + 2_000; Date.now() < until && reads < 2_000; reads++) {
        const tables = await db.kysely.introspection.getTables();
        assert.deepEqual([...new Set(tables.map((t) => t.schema))], [own[0]], 'its own schema only');
      }
      assert.ok(reads > 10, `${reads} table lists read`);
    } finally {
      renaming = false;
      await renamer;
    }
    assert.ok(renames > 100, `${renames} renames happened meanwhile`);

    const users = (await opened[0]!.kysely.introspection.getTables()).find((t) => t.name === 'users');
    assert.deepEqual(
      users?.columns.filter((c) => c.isAutoIncrementing).map((c) => c.name),
      ['id'],
      'an identity column is auto-incrementing',
    );
    const withKysely = await opened[0]!.kysely.introspection.getTables({ withInternalKyselyTables: true });
    assert.ok(withKysely.some((t) => t.name === 'kysely_migration'));
    assert.ok(!(await opened[0]!.kysely.introspection.getTables()).some((t) => t.name === 'kysely_migration'));
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { isConnectionError, openDatabase } from './database.js';
import { DbError } from './errors.js';
import { AccountsService } from './accounts.js';
import { TokensRepo } from './auth-tokens.js';
import { ReplaysRepo } from './replays.js';
import { DB_KINDS, TEST_PG_URL, type TestDb } from '../test-support/db.js';
import { stallingRelay } from '../test-support/stalling-relay.js';

const TABLES = [
  'access_changes',
  'auth_tokens',
  'channel_tags',
  'channels',
  'chat_bans',
  'chat_messages',
  'chat_moderators',
  'chat_settings',
  'chat_timeouts',
  'follows',
  'invite_grants',
  'invites',
  'moderation_log',
  'replays',
  'restream_destinations',
  'settings',
  'stream_events',
  'stream_samples',
  'users',
  'webhooks',
];

/** The tables of this database (on PostgreSQL, of its own schema: other tests' servers have theirs). */
async function tableNames(db: TestDb): Promise<string[]> {
  const tables = await db.kysely.introspection.getTables();
  const own = db.dialect === 'postgres' ? tables.filter((t) => t.schema === db.config.pgSchema) : tables;
  return own.map((t) => t.name).sort();
}

for (const kind of DB_KINDS) {
  describe(`database (${kind.name})`, () => {
    let db: TestDb;
    before(async () => {
      db = await kind.open();
    });
    after(() => db?.cleanup());

    it('reports its dialect and creates the tables', async () => {
      assert.equal(db.dialect, kind.name);
      assert.deepEqual(await tableNames(db), TABLES);
    });

    it('migrations are idempotent: opening the same database again applies nothing and keeps data', async () => {
      const accounts = new AccountsService(db);
      await accounts.createUserWithChannel('persistent', 'password123');
      const again = await openDatabase(db.config);
      try {
        const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(again.kysely);
        assert.deepEqual(
          rows.rows.map((r) => r.name),
          [
            '0001_accounts',
            '0002_replays',
            '0003_social',
            '0004_chat',
            '0005_access_changes',
            '0006_webhooks',
            '0007_invite_links',
            '0008_replay_nodes',
            '0009_user_admin',
            '0010_restream_destinations',
            '0011_chat_moderation',
            '0012_stream_metrics',
          ],
        );
        const u = await again.kysely.selectFrom('users').select('username').where('username_lower', '=', 'persistent').executeTakeFirst();
        assert.equal(u?.username, 'persistent');
      } finally {
        await again.close();
      }
      // Again while the first handle is still open: still nothing to apply.
      const third = await openDatabase(db.config);
      await third.close();
      await third.close(); // close is idempotent
    });

    it('returns bigint columns as JS numbers', async () => {
      const { user } = await new AccountsService(db).createUserWithChannel('numbers', 'password123');
      const row = await db.kysely.selectFrom('users').select(['id', 'created_at']).where('id', '=', user.id).executeTakeFirstOrThrow();
      assert.equal(typeof row.id, 'number');
      assert.equal(typeof row.created_at, 'number');
      const count = await db.kysely
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(typeof count.n, 'number');
    });

    it('enforces foreign keys and cascades deletes from users', async () => {
      const { user, channel } = await new AccountsService(db).createUserWithChannel('cascade', 'password123');
      await new TokensRepo(db).issue(user.id, 'session', 3600);
      await new ReplaysRepo(db).insert({
        id: 'cascade-1',
        channelId: channel.id,
        title: 't',
        startedAt: 1,
        endedAt: 2,
        durationSeconds: 1,
        bytes: 10,
        hasDiscontinuity: false,
      });
      await assert.rejects(
        new ReplaysRepo(db).insert({
          id: 'orphan',
          channelId: 999_999,
          title: 't',
          startedAt: 1,
          endedAt: 2,
          durationSeconds: 1,
          bytes: 10,
          hasDiscontinuity: false,
        }),
        'a replay for a missing channel must violate the foreign key',
      );
      await db.kysely.deleteFrom('users').where('id', '=', user.id).execute();
      const left = await Promise.all([
        db.kysely.selectFrom('channels').select('id').where('user_id', '=', user.id).execute(),
        db.kysely.selectFrom('auth_tokens').select('id').where('user_id', '=', user.id).execute(),
        db.kysely.selectFrom('replays').select('id').where('channel_id', '=', channel.id).execute(),
      ]);
      assert.deepEqual(left, [[], [], []]);
    });

    if (kind.name === 'sqlite') {
      it('uses WAL, foreign keys and a busy timeout, and created the missing directory', async () => {
        const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.kysely);
        assert.equal(rows[0]?.journal_mode, 'wal');
        const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db.kysely);
        assert.equal(fk.rows[0]?.foreign_keys, 1);
        const bt = await sql<{ timeout: number }>`pragma busy_timeout`.execute(db.kysely);
        assert.ok((bt.rows[0]?.timeout ?? 0) > 0);
        assert.match(db.config.sqlitePath, /nested/);
      });
    } else {
      it('stays inside its schema', async () => {
        const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely);
        assert.equal(rows[0]?.s, db.config.pgSchema);
        const t = await sql<{ n: number }>`
          select count(*) as n from information_schema.tables
          where table_schema = ${db.config.pgSchema!} and table_name in ('users', 'channels', 'auth_tokens', 'replays', 'kysely_migration')`.execute(
          db.kysely,
        );
        assert.equal(t.rows[0]?.n, 5);
      });
    }
  });
}

describe('openDatabase config errors', () => {
  it('refuses a non-postgres DATABASE_URL', async () => {
    await assert.rejects(openDatabase({ databaseUrl: 'mysql://x@localhost/db', sqlitePath: ':memory:' }), (e: unknown) => {
      assert.ok(e instanceof DbError);
      assert.equal(e.code, 'unsupported_database_url');
      return true;
    });
  });

  it('refuses an unsafe schema name', async () => {
    await assert.rejects(
      openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/test', sqlitePath: ':memory:', pgSchema: 'x"; drop table users; --' }),
      (e: unknown) => e instanceof DbError && e.code === 'invalid_pg_schema',
    );
  });

  it('fails (does not hang) when PostgreSQL is unreachable', async () => {
    await assert.rejects(openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/test', sqlitePath: ':memory:' }));
  });

  it('opens an in-memory SQLite database', async () => {
    const db = await openDatabase({ sqlitePath: ':memory:' });
    try {
      assert.equal(db.dialect, 'sqlite');
      assert.ok((await db.kysely.introspection.getTables()).some((t) => t.name === 'users'));
    } finally {
      await db.close();
    }
  });
});

// PostgreSQL going away while a query runs: the query fails with a connection error and the process lives on. A
// checked-out pg client has no listener of the pool's, so without one of ours its 'error' event ends the process
// (stop 23's CI: the access-change bus was reading when the database-outage test cut the connection).
describe('PostgreSQL lost during a query', () => {
  const pgKind = DB_KINDS.find((k) => k.name === 'postgres');
  it('rejects the query with a connection error and raises nothing else', { skip: !pgKind }, async () => {
    const owner = await pgKind!.open();
    const relay = await stallingRelay(Number(new URL(TEST_PG_URL).port || 5432));
    const viaRelay = new URL(TEST_PG_URL);
    viaRelay.port = String(relay.port);
    const db = await openDatabase({ ...owner.config, databaseUrl: viaRelay.toString() });
    try {
      const running = sql`select pg_sleep(5)`.execute(db.kysely);
      await new Promise((r) => setTimeout(r, 300));
      relay.cut();
      await assert.rejects(running, (e: unknown) => isConnectionError(e));
      // An unheard 'error' event would surface as an uncaught exception on the next turns.
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      relay.close();
      await db.close();
      await owner.cleanup();
    }
  });
});

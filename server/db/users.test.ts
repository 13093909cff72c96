import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AccountsService } from './accounts.js';
import { ChannelsRepo } from './channels.js';
import { DbError, ValidationError } from './errors.js';
import { hashPassword } from './passwords.js';
import { UsersRepo } from './users.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';

const INVALID_USERNAMES: Array<[name: string, value: unknown, code: string]> = [
  ['too short', 'ab', 'invalid_username'],
  ['empty', '', 'invalid_username'],
  ['too long', 'a'.repeat(33), 'invalid_username'],
  ['space', 'has space', 'invalid_username'],
  ['dot', 'john.doe', 'invalid_username'],
  ['slash', 'a/b/c', 'invalid_username'],
  ['path traversal', '..', 'invalid_username'],
  ['non-ascii', 'jösé', 'invalid_username'],
  ['emoji', 'abc😀', 'invalid_username'],
  ['newline', 'abc\n', 'invalid_username'],
  ['not a string', 42, 'invalid_username'],
  ['reserved admin', 'admin', 'username_reserved'],
  ['reserved any case', 'ADMIN', 'username_reserved'],
  ['reserved api', 'api', 'username_reserved'],
  ['reserved hls', 'hls', 'username_reserved'],
  ['reserved dash', 'Dash', 'username_reserved'],
  ['reserved vod', 'vod', 'username_reserved'],
  ['reserved live', 'live', 'username_reserved'],
  ['reserved static', 'static', 'username_reserved'],
  ['reserved stat', 'stat', 'username_reserved'],
  ['reserved metrics', 'metrics', 'username_reserved'],
  ['reserved healthz', 'healthz', 'username_reserved'],
  ['reserved embed', 'embed', 'username_reserved'],
];

const VALID_USERNAMES = ['abc', 'a'.repeat(32), 'Under_score', 'dash-ed', 'MiXeD123', '123'];

for (const kind of DB_KINDS) {
  describe(`users (${kind.name})`, () => {
    let db: TestDb;
    let users: UsersRepo;
    before(async () => {
      db = await kind.open();
      users = new UsersRepo(db);
    });
    after(() => db?.cleanup());

    it('creates a user and verifies the password; wrong password → null', async () => {
      const u = await users.create('Alice', 'correct horse');
      assert.deepEqual(Object.keys(u).sort(), ['admin', 'createdAt', 'disabled', 'id', 'username']);
      assert.equal(u.admin, false, 'a new account is not an admin');
      assert.equal(u.username, 'Alice');
      assert.equal(typeof u.id, 'number');
      assert.ok(Math.abs(u.createdAt - Date.now()) < 60_000);
      assert.deepEqual(await users.verify('Alice', 'correct horse'), u);
      assert.deepEqual(await users.verify('aLiCe', 'correct horse'), u, 'login is case-insensitive');
      assert.equal(await users.verify('Alice', 'correct horsE'), null);
      assert.equal(await users.verify('Alice', ''), null);
      assert.equal(await users.verify('nobody-here', 'correct horse'), null);
      assert.equal(await users.verify('Alice', 'x'.repeat(100_000)), null);
    });

    it('admin on and off (0009_user_admin), read back by isAdmin and on the User', async () => {
      const u = await users.create('admin-to-be', 'password123');
      assert.equal(await users.isAdmin(u.id), false);
      assert.equal(await users.setAdmin(u.id, true), true);
      assert.equal(await users.isAdmin(u.id), true);
      assert.equal((await users.byUsername('ADMIN-TO-BE'))?.admin, true);
      assert.equal((await users.list()).find((x) => x.id === u.id)?.admin, true);
      assert.equal(await users.setAdmin(u.id, false), true);
      assert.equal((await users.byId(u.id))?.admin, false);
      assert.equal(await users.setAdmin(999_999, true), false, 'no such user');
      assert.equal(await users.isAdmin(999_999), false);
    });

    it('disabled on and off (0012), and pages of users by a search that matches wildcards as themselves', async () => {
      const u = await users.create('to_disable', 'password123');
      await users.create('toxdisable', 'password123');
      assert.equal(await users.isDisabled(u.id), false);
      assert.equal(await users.setDisabled(u.id, true), true);
      assert.equal(await users.isDisabled(u.id), true);
      assert.equal((await users.byId(u.id))?.disabled, true);
      assert.equal((await users.verify('to_disable', 'password123'))?.disabled, true, 'the route refuses it, by this flag');
      assert.equal((await users.counts()).disabled, 1);
      assert.equal(await users.setDisabled(u.id, false), true);
      assert.equal(await users.isDisabled(u.id), false);
      assert.equal(await users.setDisabled(999_999, true), false, 'no such user');
      const found = await users.page('O_DIS', 0, 10);
      assert.deepEqual([found.total, found.users.map((x) => x.username)], [1, ['to_disable']]);
      const all = await users.page('', 0, 1);
      assert.equal(all.users.length, 1);
      assert.equal(all.total, (await users.list()).length);
    });

    it('stores a scrypt hash, not the password, and never returns it', async () => {
      const u = await users.create('hashcheck', 'my secret pw');
      const row = await db.kysely.selectFrom('users').selectAll().where('id', '=', u.id).executeTakeFirstOrThrow();
      assert.match(row.password_hash, /^scrypt\$/);
      assert.ok(!row.password_hash.includes('my secret pw'));
      for (const got of [
        u,
        await users.byId(u.id),
        await users.byUsername('hashcheck'),
        await users.verify('hashcheck', 'my secret pw'),
        ...(await users.list()),
      ]) {
        assert.ok(got && !('passwordHash' in got) && !('password_hash' in got), JSON.stringify(got));
      }
    });

    it('refuses duplicates case-insensitively with username_taken', async () => {
      await users.create('Bob', 'password123');
      for (const dup of ['Bob', 'bob', 'BOB']) {
        await assert.rejects(users.create(dup, 'password456'), (e: unknown) => {
          assert.ok(e instanceof DbError, String(e));
          assert.equal(e.code, 'username_taken');
          return true;
        });
      }
      assert.equal((await users.list()).filter((u) => u.username.toLowerCase() === 'bob').length, 1);
    });

    it('refuses a duplicate even when both signups race past the pre-check', async () => {
      const results = await Promise.allSettled([users.create('Racer', 'password123'), users.create('RACER', 'password123')]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(ok.length, 1);
      assert.equal(failed.length, 1);
      assert.equal((failed[0].reason as DbError).code, 'username_taken');
      // The loser left no half-created channel behind.
      const channels = await db.kysely.selectFrom('channels').select('id').where('name', '=', 'racer').execute();
      assert.equal(channels.length, 1);
    });

    for (const [label, value, code] of INVALID_USERNAMES) {
      it(`rejects username: ${label}`, async () => {
        await assert.rejects(users.create(value as string, 'password123'), (e: unknown) => {
          assert.ok(e instanceof ValidationError, String(e));
          assert.equal(e.code, code);
          assert.ok(e.message.length > 0);
          return true;
        });
      });
    }

    it('accepts valid usernames at the edges', async () => {
      for (const name of VALID_USERNAMES) {
        const u = await users.create(name, 'password123');
        assert.equal(u.username, name);
      }
    });

    it('rejects weak and overlong passwords', async () => {
      for (const [pw, code] of [
        ['', 'weak_password'],
        ['1234567', 'weak_password'],
        ['x'.repeat(257), 'password_too_long'],
      ] as const) {
        await assert.rejects(users.create('pwtest', pw), (e: unknown) => e instanceof ValidationError && e.code === code);
      }
      assert.equal(await users.byUsername('pwtest'), null, 'nothing was created');
      await users.create('pwedge', '12345678'); // exactly 8 is fine
    });

    it('byId / byUsername / list', async () => {
      const c = await users.create('Carol', 'password123');
      assert.deepEqual(await users.byId(c.id), c);
      assert.deepEqual(await users.byUsername('CAROL'), c);
      assert.equal(await users.byId(987_654), null);
      assert.equal(await users.byUsername('nobody-at-all'), null);
      const list = await users.list();
      assert.ok(list.some((u) => u.id === c.id));
      assert.deepEqual(
        list.map((u) => u.id),
        [...list.map((u) => u.id)].sort((a, b) => a - b),
        'oldest first',
      );
    });

    it('creates the channel with the user, in the same transaction', async () => {
      const accounts = new AccountsService(db);
      const { user, channel } = await accounts.createUserWithChannel('StreamerOne', 'password123');
      assert.equal(channel.userId, user.id);
      assert.equal(channel.name, 'streamerone');
      assert.match(channel.streamKey, /^live_[A-Za-z0-9_-]{24}$/);
      assert.equal(channel.title, '');
      // UsersRepo.create goes through the same path.
      const u2 = await users.create('StreamerTwo', 'password123');
      const ch2 = await new ChannelsRepo(db).byUserId(u2.id);
      assert.equal(ch2?.name, 'streamertwo');
      assert.notEqual(ch2?.streamKey, channel.streamKey);
    });

    it('setPassword replaces the password', async () => {
      const u = await users.create('changer', 'old password');
      await users.setPassword(u.id, 'new password');
      assert.equal(await users.verify('changer', 'old password'), null);
      assert.deepEqual(await users.verify('changer', 'new password'), u);
      await assert.rejects(users.setPassword(u.id, 'short'), (e: unknown) => e instanceof ValidationError && e.code === 'weak_password');
      await assert.rejects(users.setPassword(123_456, 'long enough'), (e: unknown) => e instanceof DbError && e.code === 'not_found');
    });

    it('upgrades a hash with old parameters on successful login', async () => {
      const u = await users.create('legacy', 'legacy password');
      const old = await hashPassword('legacy password', { N: 2 ** 10, r: 8, p: 1 });
      await db.kysely.updateTable('users').set({ password_hash: old }).where('id', '=', u.id).execute();
      assert.deepEqual(await users.verify('legacy', 'legacy password'), u);
      const row = await db.kysely.selectFrom('users').select('password_hash').where('id', '=', u.id).executeTakeFirstOrThrow();
      assert.notEqual(row.password_hash, old);
      assert.match(row.password_hash, /^scrypt\$32768\$8\$1\$/);
      assert.deepEqual(await users.verify('legacy', 'legacy password'), u);
    });
  });
}

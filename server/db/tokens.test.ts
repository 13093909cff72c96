import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { AccountsService } from './accounts.js';
import { TokensRepo } from './auth-tokens.js';
import { ValidationError } from './errors.js';
import { hashToken, newStreamKey, newToken } from './tokens.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';

describe('random secrets', () => {
  it('newToken: 32 random bytes, base64url, unique', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const t = newToken();
      assert.match(t, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(t, 'base64url').length, 32);
      seen.add(t);
    }
    assert.equal(seen.size, 200);
  });

  it('newStreamKey: live_ + 24 base64url characters, unique', () => {
    const keys = new Set(Array.from({ length: 200 }, newStreamKey));
    assert.equal(keys.size, 200);
    for (const k of keys) assert.match(k, /^live_[A-Za-z0-9_-]{24}$/);
  });

  it('hashToken: sha256 hex, deterministic', () => {
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(hashToken('abc'), hashToken('abc'));
    assert.notEqual(hashToken('abc'), hashToken('abd'));
  });
});

for (const kind of DB_KINDS) {
  describe(`TokensRepo (${kind.name})`, () => {
    let db: TestDb;
    let t = 1_700_000_000_000;
    const clock = { now: () => t };
    let tokens: TokensRepo;
    let userId: number;
    let otherUserId: number;
    before(async () => {
      db = await kind.open();
      tokens = new TokensRepo(db, clock);
      const accounts = new AccountsService(db);
      userId = (await accounts.createUserWithChannel('tokenuser', 'password123')).user.id;
      otherUserId = (await accounts.createUserWithChannel('otheruser', 'password123')).user.id;
    });
    after(() => db?.cleanup());

    it('issues and resolves a token', async () => {
      const raw = await tokens.issue(userId, 'session', 3600);
      assert.match(raw, /^[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(await tokens.resolve(raw), { userId, kind: 'session', expiresAt: t + 3_600_000 });
      const bearer = await tokens.issue(userId, 'bearer', 60);
      assert.equal((await tokens.resolve(bearer))?.kind, 'bearer');
    });

    it('never stores the raw token, only its sha256', async () => {
      const raw = await tokens.issue(userId, 'bearer', 3600);
      const rows = await db.kysely.selectFrom('auth_tokens').selectAll().execute();
      const dump = JSON.stringify(rows);
      assert.ok(!dump.includes(raw), 'raw token found in auth_tokens');
      assert.ok(rows.some((r) => r.token_hash === hashToken(raw)));
      // Also not in any text column of any table (cheap full scan of the small test db).
      for (const table of ['users', 'channels', 'auth_tokens']) {
        const { rows: all } = await sql`select * from ${sql.table(table)}`.execute(db.kysely);
        assert.ok(!JSON.stringify(all).includes(raw), `raw token found in ${table}`);
      }
    });

    it('unknown, malformed and non-string tokens resolve to null', async () => {
      assert.equal(await tokens.resolve(newToken()), null);
      assert.equal(await tokens.resolve(''), null);
      assert.equal(await tokens.resolve('short'), null);
      assert.equal(await tokens.resolve('x'.repeat(10_000)), null);
      assert.equal(await tokens.resolve(undefined as unknown as string), null);
      // The hash itself is not a valid token.
      const raw = await tokens.issue(userId, 'session', 60);
      assert.equal(await tokens.resolve(hashToken(raw)), null);
    });

    it('expires', async () => {
      const raw = await tokens.issue(userId, 'session', 10);
      t += 9_999;
      assert.ok(await tokens.resolve(raw));
      t += 1;
      assert.equal(await tokens.resolve(raw), null);
      t -= 5_000; // even if the clock steps back, the expired token was deleted
      assert.equal(await tokens.resolve(raw), null);
      t += 5_000;
    });

    it('updates last_used_at at most once a minute', async () => {
      const raw = await tokens.issue(userId, 'session', 3600);
      const lastUsed = async () =>
        (await db.kysely.selectFrom('auth_tokens').select('last_used_at').where('token_hash', '=', hashToken(raw)).executeTakeFirstOrThrow())
          .last_used_at;
      assert.equal(await lastUsed(), null);
      const t0 = t;
      await tokens.resolve(raw);
      assert.equal(await lastUsed(), t0);
      t += 59_000;
      await tokens.resolve(raw);
      assert.equal(await lastUsed(), t0, 'not touched within the minute');
      t += 1_000;
      await tokens.resolve(raw);
      assert.equal(await lastUsed(), t0 + 60_000);
    });

    it('revokes one token', async () => {
      const a = await tokens.issue(userId, 'session', 3600);
      const b = await tokens.issue(userId, 'session', 3600);
      assert.equal(await tokens.revoke(a), userId, 'the owner is returned');
      assert.equal(await tokens.revoke(a), null);
      assert.equal(await tokens.resolve(a), null);
      assert.ok(await tokens.resolve(b));
    });

    it('revokes all tokens of a user (optionally by kind), leaving other users alone', async () => {
      const s = await tokens.issue(userId, 'session', 3600);
      const b = await tokens.issue(userId, 'bearer', 3600);
      const other = await tokens.issue(otherUserId, 'session', 3600);
      assert.ok((await tokens.revokeAllForUser(userId, 'bearer')) >= 1);
      assert.equal(await tokens.resolve(b), null);
      assert.ok(await tokens.resolve(s));
      assert.ok((await tokens.revokeAllForUser(userId)) >= 1);
      assert.equal(await tokens.resolve(s), null);
      assert.equal((await tokens.resolve(other))?.userId, otherUserId);
    });

    it('revokes all tokens of a user but the one kept', async () => {
      const keep = await tokens.issue(userId, 'session', 3600);
      const s = await tokens.issue(userId, 'session', 3600);
      const b = await tokens.issue(userId, 'bearer', 3600);
      const other = await tokens.issue(otherUserId, 'bearer', 3600);
      assert.equal(await tokens.revokeAllForUserExcept(userId, keep), 2);
      assert.equal(await tokens.resolve(s), null);
      assert.equal(await tokens.resolve(b), null);
      assert.equal((await tokens.resolve(keep))?.userId, userId);
      assert.equal((await tokens.resolve(other))?.userId, otherUserId, 'other users keep their tokens');
      await tokens.revoke(keep);
      await tokens.revoke(other);
    });

    it('purges expired tokens', async () => {
      await tokens.issue(otherUserId, 'session', 1);
      const keep = await tokens.issue(otherUserId, 'session', 3600);
      t += 2_000;
      assert.ok((await tokens.purgeExpired()) >= 1);
      const left = await db.kysely.selectFrom('auth_tokens').select('expires_at').execute();
      assert.ok(left.every((r) => r.expires_at > t));
      assert.ok(await tokens.resolve(keep));
    });

    it('validates kind and ttl', async () => {
      await assert.rejects(
        tokens.issue(userId, 'root' as 'session', 60),
        (e: unknown) => e instanceof ValidationError && e.code === 'invalid_token_kind',
      );
      for (const ttl of [0, -1, Number.NaN, Infinity, 11 * 365 * 24 * 3600]) {
        await assert.rejects(tokens.issue(userId, 'session', ttl), (e: unknown) => e instanceof ValidationError && e.code === 'invalid_ttl');
      }
    });
  });
}

// The webhooks repository on SQLite and PostgreSQL: one channel's webhooks only, the limit per channel, changes,
// the last delivery kept, and a new URL starting with no history.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WEBHOOK_LIMITS } from '../api/types.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';
import { AccountsService } from './accounts.js';
import { DbError } from './errors.js';
import type { Channel } from './models.js';
import { WebhooksRepo } from './webhooks.js';

for (const kind of DB_KINDS) {
  describe(`webhooks repo (${kind.name})`, () => {
    let db: TestDb;
    let t = 1_700_000_000_000;
    let repo: WebhooksRepo;
    let alice: Channel;
    let bob: Channel;
    before(async () => {
      db = await kind.open();
      const accounts = new AccountsService(db, { now: () => t });
      alice = (await accounts.createUserWithChannel('alice', 'password123')).channel;
      bob = (await accounts.createUserWithChannel('bob', 'password123')).channel;
      repo = new WebhooksRepo(db, { now: () => t });
    });
    after(() => db?.cleanup());

    it("creates, lists and finds a channel's own webhooks only", async () => {
      const a = await repo.create(alice.id, {
        url: 'https://example.com/a',
        format: 'discord',
        events: ['live', 'ended'],
        linkBase: 'http://10.0.0.5:8080',
      });
      t += 1000;
      const b = await repo.create(alice.id, { url: 'https://example.com/b', format: 'json', events: ['ended'], linkBase: '' });
      assert.deepEqual(
        { ...a, id: 0 },
        {
          id: 0,
          channelId: alice.id,
          url: 'https://example.com/a',
          format: 'discord',
          events: ['live', 'ended'],
          linkBase: 'http://10.0.0.5:8080',
          createdAt: t - 1000,
          last: null,
        },
      );
      assert.deepEqual(
        (await repo.list(alice.id)).map((w) => w.id),
        [a.id, b.id],
      );
      assert.deepEqual(await repo.list(bob.id), []);
      assert.equal(await repo.get(bob.id, a.id), null, "another channel's webhook is not found");
      assert.deepEqual(
        (await repo.forEvent(alice.id, 'live')).map((w) => w.id),
        [a.id],
      );
      assert.deepEqual(
        (await repo.forEvent(alice.id, 'ended')).map((w) => w.id),
        [a.id, b.id],
      );
    });

    it('keeps the last delivery; a new URL starts with none; changes and deletes only on the own channel', async () => {
      const [a] = await repo.list(alice.id);
      await repo.recordDelivery(a.id, { event: 'live', at: t, ok: false, status: 500, error: 'answered 500', attempts: 2, retrying: true });
      assert.deepEqual((await repo.get(alice.id, a.id))?.last, {
        event: 'live',
        at: t,
        ok: false,
        status: 500,
        error: 'answered 500',
        attempts: 2,
        retrying: true,
      });
      const sameUrl = await repo.update(alice.id, a.id, { events: ['ended'], format: 'json' });
      assert.deepEqual([sameUrl?.events, sameUrl?.format, sameUrl?.last?.status], [['ended'], 'json', 500]);
      const moved = await repo.update(alice.id, a.id, { url: 'https://example.org/new' });
      assert.deepEqual([moved?.url, moved?.last], ['https://example.org/new', null]);
      assert.equal(await repo.update(bob.id, a.id, { url: 'https://evil.example/' }), null);
      assert.equal(await repo.remove(bob.id, a.id), false);
      assert.equal((await repo.get(alice.id, a.id))?.url, 'https://example.org/new');
      assert.equal(await repo.remove(alice.id, a.id), true);
      assert.equal(await repo.remove(alice.id, a.id), false);
    });

    it(`refuses more than ${WEBHOOK_LIMITS.maxPerChannel} webhooks per channel`, async () => {
      const have = (await repo.list(alice.id)).length;
      for (let i = have; i < WEBHOOK_LIMITS.maxPerChannel; i++)
        await repo.create(alice.id, { url: `https://example.com/${i}`, format: 'json', events: ['live'], linkBase: '' });
      await assert.rejects(
        repo.create(alice.id, { url: 'https://example.com/one-too-many', format: 'json', events: ['live'], linkBase: '' }),
        (e: unknown) => e instanceof DbError && e.code === 'too_many_webhooks' && /at most 10 webhooks/.test(e.message),
      );
      // Another channel has its own allowance.
      await repo.create(bob.id, { url: 'https://example.com/bob', format: 'json', events: ['live'], linkBase: '' });
    });
  });
}

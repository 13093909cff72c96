import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AccountsService } from './accounts.js';
import { ChatRepo } from './chat.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';

const T0 = 1_700_000_000_000;

for (const kind of DB_KINDS) {
  describe(`ChatRepo (${kind.name})`, () => {
    let db: TestDb;
    let t = T0;
    let repo: ChatRepo;
    let chA: number;
    let chB: number;
    let userA: number;
    let userB: number;

    before(async () => {
      db = await kind.open();
      const accounts = new AccountsService(db);
      const a = await accounts.createUserWithChannel('chat-a', 'password123');
      const b = await accounts.createUserWithChannel('chat-b', 'password123');
      chA = a.channel.id;
      chB = b.channel.id;
      userA = a.user.id;
      userB = b.user.id;
      repo = new ChatRepo(db, { now: () => t });
    });
    beforeEach(async () => {
      t = T0;
      const k = db.kysely as any;
      await k.deleteFrom('chat_messages').execute();
      await k.deleteFrom('chat_bans').execute();
      await k.deleteFrom('chat_timeouts').execute();
    });
    after(() => db?.cleanup());

    it('stores messages and returns the newest N oldest first, per channel, without deleted ones', async () => {
      for (let i = 0; i < 120; i++) {
        t = T0 + i;
        await repo.insertMessage({ channelId: chA, userId: userB, authorName: 'chat-b', text: `m${i}` });
      }
      await repo.insertMessage({ channelId: chB, guestId: 'g1', authorName: 'Guest', text: 'other channel' });
      const h = await repo.history(chA, 100);
      assert.equal(h.length, 100);
      assert.equal(h[0].text, 'm20');
      assert.equal(h[99].text, 'm119');
      assert.equal(h[99].createdAt, T0 + 119);
      assert.equal(h[99].userId, userB);
      assert.equal(h[99].guestId, null);

      assert.equal(await repo.deleteMessage(chA, h[99].id), true);
      assert.equal(await repo.deleteMessage(chA, h[99].id), false, 'already deleted');
      assert.equal(await repo.deleteMessage(chB, h[98].id), false, 'wrong channel');
      const h2 = await repo.history(chA, 100);
      assert.equal(h2[99].text, 'm118');
      assert.equal(h2[0].text, 'm19');
      assert.equal((await repo.messageById(chA, h[99].id))?.deletedAt, t);

      const g = await repo.history(chB, 100);
      assert.deepEqual(
        g.map((m) => [m.guestId, m.authorName, m.userId]),
        [['g1', 'Guest', null]],
      );
    });

    it('keeps system messages with their kind', async () => {
      const m = await repo.insertMessage({ channelId: chA, authorName: '', text: 'chat-a is live', systemKind: 'live' });
      assert.equal(m.systemKind, 'live');
      assert.equal(m.userId, null);
      assert.equal(m.guestId, null);
    });

    it('trims the latest unbroken run of stream notices to the newest N, leaving earlier runs and other channels', async () => {
      const notice = (channelId: number, kind: 'live' | 'ended') => repo.insertMessage({ channelId, authorName: '', text: kind, systemKind: kind });
      await notice(chA, 'live');
      await notice(chA, 'ended');
      await repo.insertMessage({ channelId: chA, userId: userB, authorName: 'chat-b', text: 'hello' });
      for (let i = 0; i < 6; i++) await notice(chA, i % 2 === 0 ? 'live' : 'ended');
      for (let i = 0; i < 6; i++) await notice(chB, i % 2 === 0 ? 'live' : 'ended');
      assert.equal(await repo.trimStreamNoticeRun(chA, 4), 2);
      assert.deepEqual(
        (await repo.history(chA, 100)).map((m) => m.text),
        ['live', 'ended', 'hello', 'live', 'ended', 'live', 'ended'],
        'the run before "hello" stays; the newest run keeps its last 4',
      );
      assert.equal(await repo.trimStreamNoticeRun(chA, 4), 0, 'nothing more to trim');
      assert.equal((await repo.history(chB, 100)).length, 6, 'other channels untouched');
      // A deleted message does not break a run.
      const bye = await repo.insertMessage({ channelId: chB, userId: userA, authorName: 'chat-a', text: 'bye' });
      await repo.deleteMessage(chB, bye.id);
      await notice(chB, 'live');
      assert.equal(await repo.trimStreamNoticeRun(chB, 2), 5);
      assert.deepEqual(
        (await repo.history(chB, 100)).map((m) => m.text),
        ['ended', 'live'],
      );
    });

    it('bans users, guests and guest addresses, with expiry and unban', async () => {
      assert.equal(await repo.isBanned(chA, { userId: userB }), false);
      await repo.ban(chA, { userId: userB }, null);
      assert.equal(await repo.isBanned(chA, { userId: userB }), true);
      assert.equal(await repo.isBanned(chB, { userId: userB }), false, 'per channel');
      assert.equal(await repo.isBanned(chA, { userId: userA }), false);

      await repo.ban(chA, { guestId: 'g1', ipHash: 'h1' }, T0 + 1000);
      assert.equal(await repo.isBanned(chA, { guestId: 'g1' }), true);
      assert.equal(await repo.isBanned(chA, { guestId: 'g2', ipHash: 'h1' }), true, 'same address, other guest');
      assert.equal(await repo.isBanned(chA, { guestId: 'g2', ipHash: 'h2' }), false);
      assert.equal(await repo.isBanned(chA, {}), false);
      t = T0 + 1000;
      assert.equal(await repo.isBanned(chA, { guestId: 'g1' }), false, 'expired');
      assert.equal(await repo.purgeExpired(), 1);

      assert.equal(await repo.unban(chA, { userId: userB }), 1);
      assert.equal(await repo.isBanned(chA, { userId: userB }), false);
      assert.equal(await repo.unban(chA, {}), 0);
    });

    it('times out until a moment, replacing earlier timeouts', async () => {
      assert.equal(await repo.timedOutUntil(chA, { userId: userB }), null);
      await repo.setTimeout(chA, { userId: userB }, T0 + 10_000);
      await repo.setTimeout(chA, { userId: userB }, T0 + 5_000);
      assert.equal(await repo.timedOutUntil(chA, { userId: userB }), T0 + 5_000);
      assert.equal(await repo.timedOutUntil(chB, { userId: userB }), null);
      await repo.setTimeout(chA, { guestId: 'g9' }, T0 + 1);
      assert.equal(await repo.timedOutUntil(chA, { guestId: 'g9' }), T0 + 1);
      t = T0 + 5_000;
      assert.equal(await repo.timedOutUntil(chA, { userId: userB }), null);
      assert.equal(await repo.purgeExpired(), 2);
    });
  });
}

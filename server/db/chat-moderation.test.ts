// Moderators, chat modes, the moderation log, hiding a user's messages and chat retention, on SQLite and PostgreSQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHAT_SETTINGS_OFF } from '../api/chat.js';
import { silentLogger } from '../log.js';
import { ChatRetention } from '../services/chat-retention.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';
import { AccountsService } from './accounts.js';
import { ChatModerationRepo } from './chat-moderation.js';
import { ChatRepo } from './chat.js';
import { FollowsRepo } from './social.js';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

for (const kind of DB_KINDS) {
  describe(`ChatModerationRepo (${kind.name})`, () => {
    let db: TestDb;
    let t = T0;
    let repo: ChatModerationRepo;
    let chat: ChatRepo;
    const ids: Record<string, { user: number; channel: number }> = {};

    before(async () => {
      db = await kind.open();
      const accounts = new AccountsService(db, { now: () => t });
      for (const name of ['mod-owner', 'mod-bob', 'mod-carol']) {
        const r = await accounts.createUserWithChannel(name, 'password123');
        ids[name] = { user: r.user.id, channel: r.channel.id };
      }
      repo = new ChatModerationRepo(db, { now: () => t });
      chat = new ChatRepo(db, { now: () => t });
    });
    after(() => db?.cleanup());

    it('appoints, lists and removes moderators, once each', async () => {
      const ch = ids['mod-owner'].channel;
      assert.equal(await repo.addModerator(ch, ids['mod-carol'].user), true);
      assert.equal(await repo.addModerator(ch, ids['mod-bob'].user), true);
      assert.equal(await repo.addModerator(ch, ids['mod-bob'].user), false);
      assert.deepEqual(
        (await repo.moderators(ch)).map((m) => [m.username, m.since]),
        [
          ['mod-bob', T0],
          ['mod-carol', T0],
        ],
      );
      assert.deepEqual((await repo.moderatorIds(ids['mod-bob'].channel)).length, 0);
      assert.equal(await repo.removeModerator(ch, ids['mod-carol'].user), true);
      assert.equal(await repo.removeModerator(ch, ids['mod-carol'].user), false);
      assert.deepEqual(await repo.moderatorIds(ch), [ids['mod-bob'].user]);
    });

    it('keeps chat modes per channel, all off until set', async () => {
      const ch = ids['mod-owner'].channel;
      assert.deepEqual(await repo.settings(ch), CHAT_SETTINGS_OFF);
      const s = { slowModeSeconds: 10, followersOnlyMinutes: 0, signedInOnly: true, blockedTerms: ['a*', 'b c'], firstMessageDelayMinutes: 5 };
      await repo.saveSettings(ch, s);
      assert.deepEqual(await repo.settings(ch), s);
      await repo.saveSettings(ch, { ...CHAT_SETTINGS_OFF, slowModeSeconds: 3 });
      assert.deepEqual(await repo.settings(ch), { ...CHAT_SETTINGS_OFF, slowModeSeconds: 3 });
      assert.deepEqual(await repo.settings(ids['mod-bob'].channel), CHAT_SETTINGS_OFF);
    });

    it('reads follow and account ages', async () => {
      t = T0 + 1000;
      await new FollowsRepo(db, { now: () => t }).follow(ids['mod-bob'].user, ids['mod-owner'].channel);
      assert.equal(await repo.followedAt(ids['mod-owner'].channel, ids['mod-bob'].user), T0 + 1000);
      assert.equal(await repo.followedAt(ids['mod-owner'].channel, ids['mod-carol'].user), null);
      assert.equal(await repo.accountCreatedAt(ids['mod-bob'].user), T0);
      assert.equal(await repo.usernameOf(ids['mod-bob'].user), 'mod-bob');
    });

    it('logs actions newest first, a page at a time, per channel', async () => {
      const ch = ids['mod-owner'].channel;
      const actor = { userId: ids['mod-owner'].user, name: 'mod-owner' };
      for (let i = 0; i < 5; i++) {
        t = T0 + i;
        await repo.log({ channelId: ch, actor, action: 'timeout', target: { userId: ids['mod-bob'].user, name: 'mod-bob' }, detail: `${i} s` });
      }
      await repo.log({ channelId: ch, actor, action: 'ban', target: { guestId: 'g-1', name: 'Guest' } });
      await repo.log({ channelId: ids['mod-bob'].channel, actor, action: 'settings', detail: 'slow mode 3 s' });
      const first = await repo.logPage(ch, 3);
      assert.deepEqual(
        first.map((e) => [e.action, e.detail, e.target]),
        [
          ['ban', null, { name: 'Guest', guestId: 'g-1' }],
          ['timeout', '4 s', { name: 'mod-bob', userId: ids['mod-bob'].user }],
          ['timeout', '3 s', { name: 'mod-bob', userId: ids['mod-bob'].user }],
        ],
      );
      assert.deepEqual(first[0].actor, actor);
      const next = await repo.logPage(ch, 10, first[2].id);
      assert.deepEqual(
        next.map((e) => e.detail),
        ['2 s', '1 s', '0 s'],
      );
    });

    it('hides one author’s messages, and retention deletes old messages and log entries', async () => {
      const ch = ids['mod-owner'].channel;
      t = T0;
      const old = await chat.insertMessage({ channelId: ch, userId: ids['mod-bob'].user, authorName: 'mod-bob', text: 'old' });
      t = T0 + 100 * DAY;
      const a = await chat.insertMessage({ channelId: ch, userId: ids['mod-bob'].user, authorName: 'mod-bob', text: 'new 1' });
      const b = await chat.insertMessage({ channelId: ch, userId: ids['mod-carol'].user, authorName: 'mod-carol', text: 'new 2' });
      const g = await chat.insertMessage({ channelId: ch, guestId: 'g-2', authorName: 'Guest', text: 'new 3' });
      assert.deepEqual((await chat.hideMessagesOf(ch, { userId: ids['mod-bob'].user })).sort(), [old.id, a.id].sort());
      assert.deepEqual(await chat.hideMessagesOf(ch, { userId: ids['mod-bob'].user }), []);
      assert.deepEqual(await chat.hideMessagesOf(ch, { guestId: 'g-2' }), [g.id]);
      assert.deepEqual(
        (await chat.history(ch, 10)).map((m) => m.id),
        [b.id],
      );

      const logBefore = (await repo.logPage(ch, 50)).length;
      await repo.log({ channelId: ch, actor: { userId: ids['mod-owner'].user, name: 'mod-owner' }, action: 'delete', detail: 'x' });
      const retention = new ChatRetention({ chat, moderation: repo, retentionDays: 90, logger: silentLogger(), now: () => t });
      const swept = await retention.sweep();
      assert.equal(swept.messages, 1);
      assert.equal(swept.logEntries, logBefore + 1); // the other channel's entry too
      assert.equal(await chat.messageById(ch, old.id), null);
      assert.ok(await chat.messageById(ch, a.id));
      assert.equal((await repo.logPage(ch, 50)).length, 1);

      const keepAll = new ChatRetention({ chat, moderation: repo, retentionDays: 0, logger: silentLogger(), now: () => t + 1000 * DAY });
      assert.equal((await keepAll.sweep()).messages, 0);
      assert.ok(await chat.messageById(ch, b.id));
    });
  });
}

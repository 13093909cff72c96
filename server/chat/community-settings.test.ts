// A chat-settings change is one transaction (ChatCommunity.updateSettings, used by PATCH
// /api/channels/<name>/chat-settings and the chat `settings` event): saved and logged together or not at all, and
// two changes at once both apply. On SQLite and PostgreSQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { AccountsService } from '../db/accounts.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';
import { ChatCommunity, type CommunityChange } from './community.js';

for (const kind of DB_KINDS) {
  describe(`chat settings changes are transactions (${kind.name})`, () => {
    let db: TestDb;
    let community: ChatCommunity;
    const published: CommunityChange[] = [];
    let channel: { id: number; name: string; ownerUserId: number };
    let actor: { userId: number; name: string };

    before(async () => {
      db = await kind.open();
      const r = await new AccountsService(db).createUserWithChannel('tx-owner', 'password123');
      channel = { id: r.channel.id, name: r.channel.name, ownerUserId: r.user.id };
      actor = { userId: r.user.id, name: 'tx-owner' };
      community = new ChatCommunity(db);
      community.publishWith((c) => {
        community.forget(c);
        published.push(c);
      });
    });
    after(() => db?.cleanup());

    it('rolls the saved settings back when the log entry cannot be written, and announces nothing', async () => {
      await community.updateSettings(channel, actor, { slowModeSeconds: 10 });
      const logged = (await community.repo.logPage(channel.id, 50)).length;
      published.length = 0;
      // A real failure from the database inside the transaction: the log's table is gone for a moment.
      await sql`alter table moderation_log rename to moderation_log_away`.execute(db.kysely);
      try {
        await assert.rejects(community.updateSettings(channel, actor, { slowModeSeconds: 30, signedInOnly: true }));
      } finally {
        await sql`alter table moderation_log_away rename to moderation_log`.execute(db.kysely);
      }
      const s = await community.repo.settings(channel.id);
      assert.equal(s.slowModeSeconds, 10, 'the save was rolled back with the failed log entry');
      assert.equal(s.signedInOnly, false);
      assert.equal((await community.repo.logPage(channel.id, 50)).length, logged);
      assert.deepEqual(published, [], 'a change that did not commit is not announced');
    });

    it('a refused patch changes nothing', async () => {
      await assert.rejects(community.updateSettings(channel, actor, { slowModeSeconds: 10_000 }), { code: 'bad_request' });
      assert.equal((await community.repo.settings(channel.id)).slowModeSeconds, 10);
    });

    it('changes to different fields at the same moment all apply (no change is lost)', async () => {
      await Promise.all([
        community.updateSettings(channel, actor, { slowModeSeconds: 5 }),
        community.updateSettings(channel, actor, { signedInOnly: true }),
        community.updateSettings(channel, actor, { blockedTerms: ['spoiler*'] }),
        community.updateSettings(channel, actor, { firstMessageDelayMinutes: 10 }),
      ]);
      const s = await community.repo.settings(channel.id);
      assert.deepEqual(
        { slow: s.slowModeSeconds, signedIn: s.signedInOnly, terms: s.blockedTerms, delay: s.firstMessageDelayMinutes },
        { slow: 5, signedIn: true, terms: ['spoiler*'], delay: 10 },
      );
      const rules = await community.rules(channel.id);
      assert.equal(rules.blocked?.('no sp0ilers please'), true, 'the cache was dropped after the commit');
    });
  });
}

// End to end, on SQLite and on PostgreSQL: moderators appointed and removed over HTTP (their open chat connection
// gains and loses the rights at once), chat modes read and changed over HTTP and enforced in chat, an unfollow
// that ends followers-only rights at once, the moderation log with paging, and chat retention.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { ModerationLogPage } from './api/types.js';
import { type ChatClient, connectChat, nextEvent, request } from './test-support/chat-client.js';
import { waitFor } from './test-support/process.js';
import { api, newStreamer, startTestServer, type TestServer } from './test-support/server.js';

for (const dbKind of ['sqlite', 'postgres'] as const) {
  describe(`chat moderation over HTTP (${dbKind})`, () => {
    let s: TestServer;
    const clients: ChatClient[] = [];
    const chatAs = async (token: string | undefined, channel: string) => {
      const c = await connectChat(s.base, token ? { token } : {});
      clients.push(c);
      assert.equal((await request(c, 'join', { channel })).ok, true);
      return c;
    };
    before(async () => {
      s = await startTestServer({}, { db: dbKind });
    });
    after(async () => {
      for (const c of clients) c.close();
      await s?.stop();
    });

    test('moderators: appointed and removed by username, rights apply to open connections at once', async () => {
      const owner = await newStreamer(s.base, 'mona');
      const mod = await newStreamer(s.base, 'mick');
      const other = await newStreamer(s.base, 'otto');
      const modChat = await chatAs(mod.token, 'mona');
      const otherChat = await chatAs(other.token, 'mona');
      const msg = (await request(otherChat, 'send', { channel: 'mona', text: 'to be deleted' })).message;
      assert.equal((await request(modChat, 'delete', { channel: 'mona', messageId: msg.id })).error.code, 'forbidden');

      assert.equal((await api(s.base, 'POST', '/api/me/moderators', { username: 'mick' })).status, 401);
      assert.equal((await api(s.base, 'POST', '/api/me/moderators', { username: 'nobody-here' }, owner.token)).status, 404);
      assert.equal((await api(s.base, 'POST', '/api/me/moderators', { username: 'mona' }, owner.token)).status, 400);
      for (const bad of [{}, { username: 7 }, { username: 'a b' }, []]) {
        const r = await api(s.base, 'POST', '/api/me/moderators', bad, owner.token);
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.equal(r.body.error.code, 'bad_request');
      }
      const role = nextEvent(modChat, 'role');
      const added = await api(s.base, 'POST', '/api/me/moderators', { username: 'Mick' }, owner.token);
      assert.equal(added.status, 201);
      assert.deepEqual([added.body.userId > 0, added.body.username, typeof added.body.since], [true, 'mick', 'string']);
      assert.equal((await api(s.base, 'POST', '/api/me/moderators', { username: 'mick' }, owner.token)).status, 200);
      assert.deepEqual(await role, { channel: 'mona', role: 'moderator', canModerate: true });
      assert.equal((await request(modChat, 'delete', { channel: 'mona', messageId: msg.id })).ok, true);
      assert.deepEqual(
        (await api(s.base, 'GET', '/api/me/moderators', undefined, owner.token)).body.map((m: { username: string }) => m.username),
        ['mick'],
      );
      assert.deepEqual((await api(s.base, 'GET', '/api/me/moderators', undefined, mod.token)).body, []);

      const lost = nextEvent(modChat, 'role');
      assert.equal((await api(s.base, 'DELETE', '/api/me/moderators/mick', undefined, owner.token)).status, 204);
      assert.equal((await lost).role, 'viewer');
      assert.equal((await api(s.base, 'DELETE', '/api/me/moderators/mick', undefined, owner.token)).status, 404);
      assert.equal(
        (await request(modChat, 'timeout', { channel: 'mona', target: { userId: added.body.userId }, seconds: 5 })).error.code,
        'forbidden',
      );
    });

    test('chat modes: read by viewers without the terms, changed by owner or moderator, enforced in chat', async () => {
      const owner = await newStreamer(s.base, 'nina');
      const mod = await newStreamer(s.base, 'ned');
      const viewer = await newStreamer(s.base, 'vera');
      await api(s.base, 'POST', '/api/me/moderators', { username: 'ned' }, owner.token);
      const viewerChat = await chatAs(viewer.token, 'nina');

      const publicView = await api(s.base, 'GET', '/api/channels/nina/chat-settings');
      assert.equal(publicView.status, 200);
      assert.deepEqual(publicView.body, {
        slowModeSeconds: null,
        followersOnlyMinutes: null,
        signedInOnly: false,
        firstMessageDelayMinutes: null,
        blockedTermsCount: 0,
      });
      assert.equal((await api(s.base, 'GET', '/api/channels/nobody-x/chat-settings')).status, 404);

      const patch = { slowModeSeconds: 10, blockedTerms: ['darn*'] };
      assert.equal((await api(s.base, 'PATCH', '/api/channels/nina/chat-settings', patch)).status, 401);
      const refused = await api(s.base, 'PATCH', '/api/channels/nina/chat-settings', patch, viewer.token);
      assert.deepEqual([refused.status, refused.body.error.code], [403, 'forbidden']);
      const bad = await api(s.base, 'PATCH', '/api/channels/nina/chat-settings', { slowModeSeconds: 500 }, mod.token);
      assert.deepEqual([bad.status, bad.body.error.code], [400, 'bad_request']);
      assert.match(bad.body.error.message, /3 to 120/);

      const told = nextEvent(viewerChat, 'settings');
      const announced = nextEvent(viewerChat, 'system', (e) => e.kind === 'modes');
      const ok = await api(s.base, 'PATCH', '/api/channels/nina/chat-settings', patch, mod.token);
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body, {
        slowModeSeconds: 10,
        followersOnlyMinutes: null,
        signedInOnly: false,
        blockedTerms: ['darn*'],
        firstMessageDelayMinutes: null,
      });
      assert.equal((await told).settings.slowModeSeconds, 10);
      assert.equal((await announced).text, 'ned changed the chat modes: slow mode 10 s, 1 blocked term.');
      assert.deepEqual((await api(s.base, 'GET', '/api/channels/nina/chat-settings', undefined, owner.token)).body.blockedTerms, ['darn*']);
      assert.equal((await api(s.base, 'GET', '/api/channels/nina/chat-settings', undefined, viewer.token)).body.blockedTerms, undefined);

      assert.equal((await request(viewerChat, 'send', { channel: 'nina', text: 'DARNIT' })).error.code, 'blocked_term');
      assert.equal((await request(viewerChat, 'send', { channel: 'nina', text: 'fine' })).ok, true);
      assert.equal((await request(viewerChat, 'send', { channel: 'nina', text: 'too fast' })).error.code, 'slow_mode');
    });

    test('followers only: an unfollow over HTTP ends the right to chat at once', async () => {
      const owner = await newStreamer(s.base, 'fay');
      const fan = await newStreamer(s.base, 'finn');
      await api(s.base, 'PATCH', '/api/channels/fay/chat-settings', { followersOnlyMinutes: 0 }, owner.token);
      const fanChat = await chatAs(fan.token, 'fay');
      assert.equal((await request(fanChat, 'send', { channel: 'fay', text: 'hi' })).error.code, 'followers_only');
      assert.ok((await api(s.base, 'POST', '/api/channels/fay/follow', undefined, fan.token)).status < 300);
      assert.equal((await request(fanChat, 'send', { channel: 'fay', text: 'following now' })).ok, true);
      assert.ok((await api(s.base, 'DELETE', '/api/channels/fay/follow', undefined, fan.token)).status < 300);
      // The unfollow is an access change: every process hears it (through the database's change log or Redis).
      await waitFor(
        'followers-only applies again',
        async () => (await request(fanChat, 'send', { channel: 'fay', text: 'x' })).error?.code === 'followers_only',
        5000,
        100,
      );
    });

    test('the moderation log: who did what, when, on whom, a page at a time, for the owner only', async () => {
      const owner = await newStreamer(s.base, 'lola');
      const mod = await newStreamer(s.base, 'leo');
      const troll = await newStreamer(s.base, 'tom');
      await api(s.base, 'POST', '/api/me/moderators', { username: 'leo' }, owner.token);
      const modChat = await chatAs(mod.token, 'lola');
      const trollChat = await chatAs(troll.token, 'lola');
      const nasty = (await request(trollChat, 'send', { channel: 'lola', text: 'nasty' })).message;
      assert.equal((await request(modChat, 'timeout', { channel: 'lola', target: { userId: nasty.author.userId }, seconds: 60 })).ok, true);
      const hidden = nextEvent(modChat, 'hidden');
      assert.equal((await request(modChat, 'ban', { channel: 'lola', target: { messageId: nasty.id }, hideMessages: true })).ok, true);
      assert.equal((await hidden).ids.length, 1);

      assert.equal((await api(s.base, 'GET', '/api/me/moderation-log')).status, 401);
      for (const q of ['?limit=0', '?limit=51', '?limit=x', '?before=-1'])
        assert.equal((await api(s.base, 'GET', `/api/me/moderation-log${q}`, undefined, owner.token)).status, 400, q);
      const all = await api<ModerationLogPage>(s.base, 'GET', '/api/me/moderation-log', undefined, owner.token);
      assert.equal(all.status, 200);
      const ban = all.body.entries[0];
      assert.deepEqual([ban.action, ban.actor.name, ban.target?.name, ban.detail], ['ban', 'leo', 'tom', 'permanent, messages hidden']);
      assert.ok(Date.now() - Date.parse(ban.at) < 60_000);
      assert.equal(all.body.entries.at(-1)!.action, 'moderator_added');
      const first = await api<ModerationLogPage>(s.base, 'GET', '/api/me/moderation-log?limit=1', undefined, owner.token);
      assert.equal(first.body.entries.length, 1);
      assert.equal(first.body.nextBefore, ban.id);
      const rest = await api<ModerationLogPage>(
        s.base,
        'GET',
        `/api/me/moderation-log?limit=50&before=${first.body.nextBefore}`,
        undefined,
        owner.token,
      );
      assert.deepEqual(
        rest.body.entries.map((e) => e.id),
        all.body.entries.slice(1).map((e) => e.id),
      );
      assert.equal(rest.body.nextBefore, null);
      // Another owner sees only their own channel's log.
      assert.deepEqual((await api<ModerationLogPage>(s.base, 'GET', '/api/me/moderation-log', undefined, mod.token)).body.entries, []);
    });

    test('chat retention deletes messages older than ONAIR_CHAT_RETENTION_DAYS (default 90)', async () => {
      assert.equal(s.config.chatRetentionDays, 90);
      const owner = await newStreamer(s.base, 'rita');
      const c = await chatAs(owner.token, 'rita');
      const old = (await request(c, 'send', { channel: 'rita', text: 'old news' })).message;
      const fresh = (await request(c, 'send', { channel: 'rita', text: 'fresh' })).message;
      await sql`update chat_messages set created_at = ${Date.now() - 91 * 86_400_000} where id = ${old.id}`.execute(s.db.kysely);
      const swept = await s.chatRetention.sweep();
      assert.ok(swept.messages >= 1);
      const history = (await request(c, 'join', { channel: 'rita' })).history.map((m: { id: number }) => m.id);
      assert.ok(!history.includes(old.id));
      assert.ok(history.includes(fresh.id));
    });
  });
}

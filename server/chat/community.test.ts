// Moderators and chat modes over socket.io, with raw clients that skip the UI: every mode is enforced by the
// server, owner and moderators are exempt, and moderator rights granted or taken back apply to open connections at
// once. Real http server, real attachChat, real SQLite, real bearer tokens; the clock is moved for the timed modes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { ChatMessage, JoinResult, PublicChatSettings } from '../api/chat.js';
import { AccountsService } from '../db/accounts.js';
import { TokensRepo } from '../db/auth-tokens.js';
import { FollowsRepo } from '../db/social.js';
import { silentLogger } from '../log.js';
import { makeGuestToken, testChatAuth } from '../test-support/chat-auth.js';
import { type ChatClient, collect, connectChat, nextEvent, request } from '../test-support/chat-client.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';
import { attachChat, type ChatService } from './service.js';

const GUEST_SECRET = 'community-test-secret';
const sqlite = DB_KINDS.find((k) => k.name === 'sqlite')!;
const MIN = 60_000;

describe('chat modes and moderators over socket.io', () => {
  let db: TestDb;
  let server: http.Server;
  let chat: ChatService;
  let base: string;
  let offset = 0;
  const now = () => Date.now() + offset;
  const users: Record<string, { id: number; token: string; channelId: number }> = {};
  const clients: ChatClient[] = [];
  const connect = async (auth: { token?: string; guestToken?: string } = {}) => {
    const c = await connectChat(base, auth);
    clients.push(c);
    return c;
  };
  /** A connection of `name` that joined `channel`. */
  const joined = async (name: string, channel: string) => {
    const c = await connect({ token: users[name].token });
    const j = await request<{ ok: boolean } & JoinResult>(c, 'join', { channel });
    assert.equal(j.ok, true);
    return Object.assign(c, { joinResult: j });
  };
  const send = (c: ChatClient, channel: string, text: string) => request(c, 'send', { channel, text });
  const setModes = async (owner: ChatClient, channel: string, modes: Record<string, unknown>) => {
    const r = await request(owner, 'settings', { channel, ...modes });
    assert.equal(r.ok, true, JSON.stringify(r));
    return r;
  };
  const allOff = { slowModeSeconds: null, followersOnlyMinutes: null, signedInOnly: false, blockedTerms: [], firstMessageDelayMinutes: null };
  const { blockedTerms: _, ...publicOff } = { ...allOff, blockedTermsCount: 0 };

  before(async () => {
    db = await sqlite.open();
    const accounts = new AccountsService(db);
    const tokens = new TokensRepo(db);
    for (const name of ['olive', 'bob', 'carol', 'dave', 'newbie']) {
      const { user, channel } = await accounts.createUserWithChannel(name, 'password123');
      users[name] = { id: user.id, channelId: channel.id, token: await tokens.issue(user.id, 'bearer', 3600) };
    }
    // Accounts made a day ago, except the newbie's.
    await sql`update users set created_at = ${Date.now() - 1440 * MIN} where username <> 'newbie'`.execute(db.kysely);
    server = http.createServer((_req, res) => res.writeHead(404).end());
    const auth = testChatAuth(db, GUEST_SECRET);
    chat = await attachChat({ httpServer: server, db, logger: silentLogger(), identify: auth.identify, canJoin: auth.canJoin, now });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const c of clients) c.close();
    await chat?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await db?.cleanup();
  });

  it('lets only the owner and moderators change modes, checks the values, announces them to the room', async () => {
    const owner = await joined('olive', 'olive');
    const bob = await joined('bob', 'olive');
    assert.deepEqual(bob.joinResult.settings, publicOff satisfies PublicChatSettings);
    assert.equal((await request(bob, 'settings', { channel: 'olive', slowModeSeconds: 10 })).error.code, 'forbidden');
    for (const bad of [{ slowModeSeconds: 1 }, { slowModeSeconds: '10' }, { blockedTerms: ['*'] }, { nonsense: true }]) {
      assert.equal((await request(owner, 'settings', { channel: 'olive', ...bad })).error.code, 'bad_request', JSON.stringify(bad));
    }
    const seen = nextEvent(bob, 'settings');
    const said = nextEvent(bob, 'system', (s) => s.kind === 'modes');
    const r = await setModes(owner, 'olive', { slowModeSeconds: 10, blockedTerms: ['secret*'] });
    assert.deepEqual(r.settings, { ...allOff, slowModeSeconds: 10, blockedTerms: ['secret*'] });
    const ev = await seen;
    assert.deepEqual(ev, { channel: 'olive', settings: { ...publicOff, slowModeSeconds: 10, blockedTermsCount: 1 } });
    assert.ok(!('blockedTerms' in ev.settings), 'viewers are not told the terms');
    assert.equal((await said).text, 'olive changed the chat modes: slow mode 10 s, 1 blocked term.');
    await setModes(owner, 'olive', allOff);
  });

  it('slow mode: one message per N seconds per person, with the seconds left; the owner is exempt', async () => {
    const owner = await joined('olive', 'olive');
    const bob = await joined('bob', 'olive');
    await setModes(owner, 'olive', { slowModeSeconds: 30 });
    assert.equal((await send(bob, 'olive', 'first')).ok, true);
    offset += 10_000;
    const refused = await send(bob, 'olive', 'second');
    assert.equal(refused.error.code, 'slow_mode');
    assert.equal(refused.error.retryAfterSeconds, 20);
    assert.match(refused.error.message, /20 s/);
    for (let i = 0; i < 3; i++) assert.equal((await send(owner, 'olive', `owner ${i}`)).ok, true);
    offset += 20_000;
    assert.equal((await send(bob, 'olive', 'third')).ok, true);
    await setModes(owner, 'olive', allOff);
    assert.equal((await send(bob, 'olive', 'fourth')).ok, true);
  });

  it('signed-in only: guests are refused, users are not', async () => {
    const owner = await joined('olive', 'olive');
    const guest = await connect({ guestToken: makeGuestToken(GUEST_SECRET, users.olive.channelId, 'guest-7', 'Visitor') });
    assert.equal((await request(guest, 'join', { channel: 'olive' })).ok, true);
    assert.equal((await send(guest, 'olive', 'hi as a guest')).ok, true);
    await setModes(owner, 'olive', { signedInOnly: true });
    assert.equal((await send(guest, 'olive', 'again')).error.code, 'signed_in_only');
    const bob = await joined('bob', 'olive');
    assert.equal((await send(bob, 'olive', 'signed in')).ok, true);
    await setModes(owner, 'olive', allOff);
  });

  it('followers only: non-followers and guests are refused, a minimum follow age counts, an unfollow applies at once', async () => {
    const owner = await joined('olive', 'olive');
    const carol = await joined('carol', 'olive');
    await setModes(owner, 'olive', { followersOnlyMinutes: 0 });
    const r = await send(carol, 'olive', 'hello');
    assert.equal(r.error.code, 'followers_only');
    const follows = new FollowsRepo(db, { now });
    await follows.follow(users.carol.id, users.olive.channelId);
    assert.equal((await send(carol, 'olive', 'now following')).ok, true);

    await setModes(owner, 'olive', { followersOnlyMinutes: 10 });
    const young = await send(carol, 'olive', 'too soon');
    assert.equal(young.error.code, 'followers_only');
    assert.equal(young.error.retryAfterSeconds, 600);
    assert.match(young.error.message, /10 minutes/);
    offset += 10 * MIN;
    assert.equal((await send(carol, 'olive', 'old enough')).ok, true);

    // The HTTP route publishes this access change on unfollow; every process hears it.
    await follows.unfollow(users.carol.id, users.olive.channelId);
    await chat.recheckAccess({ kind: 'follow-removed', channelId: users.olive.channelId, userId: users.carol.id });
    assert.equal((await send(carol, 'olive', 'unfollowed')).error.code, 'followers_only');
    const guest = await connect({ guestToken: makeGuestToken(GUEST_SECRET, users.olive.channelId, 'guest-8', 'Visitor') });
    await request(guest, 'join', { channel: 'olive' });
    assert.equal((await send(guest, 'olive', 'guest')).error.code, 'followers_only');
    await setModes(owner, 'olive', allOff);
  });

  it('first-message delay: accounts younger than N minutes wait, with the minutes left', async () => {
    const owner = await joined('olive', 'olive');
    const newbie = await joined('newbie', 'olive');
    const bob = await joined('bob', 'olive');
    await setModes(owner, 'olive', { firstMessageDelayMinutes: 60 });
    const r = await send(newbie, 'olive', 'hello');
    assert.equal(r.error.code, 'first_message_delay');
    const minutesLeft = Math.ceil(60 - offset / MIN);
    assert.match(r.error.message, new RegExp(`you can in (${minutesLeft - 1}|${minutesLeft}) minutes`));
    assert.ok(r.error.retryAfterSeconds > 0 && r.error.retryAfterSeconds <= 3600 - offset / 1000 + 5);
    assert.equal((await send(bob, 'olive', 'older account')).ok, true);
    offset += 61 * MIN;
    assert.equal((await send(newbie, 'olive', 'hello again')).ok, true);
    await setModes(owner, 'olive', allOff);
  });

  it('blocked terms: look-alike spellings are refused without naming the term; moderators are exempt', async () => {
    const owner = await joined('olive', 'olive');
    const dave = await joined('dave', 'olive');
    const got = collect<ChatMessage>(owner, 'message');
    await setModes(owner, 'olive', { blockedTerms: ['rude word', 'spoil*'] });
    for (const text of ['a RUDE WORD', 'r.u.d.e w0rd', 'ruuude wоrd', 'SP0ILERS ahead', 'ｓｐｏｉｌ']) {
      const r = await send(dave, 'olive', text);
      assert.equal(r.error?.code, 'blocked_term', text);
      assert.doesNotMatch(r.error.message, /rude|spoil/i);
    }
    offset += 5000; // refused messages count against the send rate too
    assert.equal((await send(dave, 'olive', 'a kind word')).ok, true);
    assert.equal((await send(owner, 'olive', 'spoilers from the owner')).ok, true);
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(
      got.filter((m) => m.author.name === 'dave' || m.text.startsWith('spoilers')).map((m) => m.text),
      ['a kind word', 'spoilers from the owner'],
    );
    await setModes(owner, 'olive', allOff);
  });

  it('appoints and removes a moderator from chat; rights apply to the open connection at once, and are logged', async () => {
    const owner = await joined('olive', 'olive');
    const bob = await joined('bob', 'olive');
    const carol = await joined('carol', 'olive');
    const m = (await send(carol, 'olive', 'delete me')).message as ChatMessage;
    assert.equal((await request(bob, 'delete', { channel: 'olive', messageId: m.id })).error.code, 'forbidden');
    assert.equal((await request(bob, 'addModerator', { channel: 'olive', userId: users.carol.id })).error.code, 'forbidden');
    assert.equal((await request(owner, 'addModerator', { channel: 'olive', userId: users.olive.id })).error.code, 'bad_request');
    assert.equal((await request(owner, 'addModerator', { channel: 'olive', userId: 99999 })).error.code, 'not_found');

    const role = nextEvent(bob, 'role');
    assert.deepEqual(await request(owner, 'addModerator', { channel: 'olive', userId: users.bob.id }), { ok: true, affected: 1 });
    assert.deepEqual(await role, { channel: 'olive', role: 'moderator', canModerate: true });
    // The same connection, no rejoin: a moderator now.
    assert.equal((await request(bob, 'delete', { channel: 'olive', messageId: m.id })).ok, true);
    await setModes(bob, 'olive', { slowModeSeconds: 60 });
    assert.equal((await send(bob, 'olive', 'moderators skip slow mode 1')).ok, true);
    assert.equal((await send(bob, 'olive', 'moderators skip slow mode 2')).ok, true);
    assert.equal((await request(bob, 'timeout', { channel: 'olive', target: { userId: users.olive.id }, seconds: 5 })).error.code, 'forbidden');
    // A moderator cannot act on another moderator; the owner can.
    await request(owner, 'addModerator', { channel: 'olive', userId: users.dave.id });
    assert.equal((await request(bob, 'ban', { channel: 'olive', target: { userId: users.dave.id } })).error.code, 'forbidden');
    assert.equal((await request(owner, 'timeout', { channel: 'olive', target: { userId: users.dave.id }, seconds: 1 })).ok, true);
    await request(owner, 'removeModerator', { channel: 'olive', userId: users.dave.id });
    const rejoined = await joined('bob', 'olive');
    assert.deepEqual(rejoined.joinResult.you, { name: 'bob', role: 'moderator', canModerate: true, signedIn: true });

    const back = nextEvent(bob, 'role');
    assert.deepEqual(await request(owner, 'removeModerator', { channel: 'olive', userId: users.bob.id }), { ok: true, affected: 1 });
    assert.deepEqual(await back, { channel: 'olive', role: 'viewer', canModerate: false });
    assert.equal((await request(bob, 'timeout', { channel: 'olive', target: { userId: users.carol.id }, seconds: 5 })).error.code, 'forbidden');
    assert.equal((await request(bob, 'settings', { channel: 'olive', slowModeSeconds: null })).error.code, 'forbidden');
    assert.equal((await send(bob, 'olive', 'a viewer again')).ok, true);
    assert.equal((await send(bob, 'olive', 'slow mode applies again')).error.code, 'slow_mode');
    await setModes(owner, 'olive', allOff);

    const log = await chat.community.repo.logPage(users.olive.channelId, 50);
    const mine = log.filter((e) => e.actor.name === 'bob').map((e) => [e.action, e.target?.name ?? null, e.detail]);
    assert.deepEqual(mine, [
      ['settings', null, 'slow mode 60 s'],
      ['delete', 'carol', 'delete me'],
    ]);
    assert.deepEqual(
      log
        .filter((e) => e.action.startsWith('moderator_') && e.target?.userId === users.bob.id)
        .slice(0, 2)
        .map((e) => [e.action, e.actor.name, e.target?.userId]),
      [
        ['moderator_removed', 'olive', users.bob.id],
        ['moderator_added', 'olive', users.bob.id],
      ],
    );
  });

  it('a ban with hideMessages hides the user’s messages for everyone', async () => {
    const owner = await joined('olive', 'olive');
    const dave = await joined('dave', 'olive');
    offset += 5000; // a fresh send budget
    const ids = [];
    for (const text of ['spam 1', 'spam 2']) ids.push(((await send(dave, 'olive', text)).message as ChatMessage).id);
    const hidden = nextEvent(owner, 'hidden');
    assert.equal(
      (await request(owner, 'ban', { channel: 'olive', target: { userId: users.dave.id }, hideMessages: 'yes' })).error.code,
      'bad_request',
    );
    assert.equal((await request(owner, 'ban', { channel: 'olive', target: { userId: users.dave.id }, seconds: 60, hideMessages: true })).ok, true);
    const ev = await hidden;
    assert.equal(ev.channel, 'olive');
    for (const id of ids) assert.ok(ev.ids.includes(id));
    const again = await joined('olive', 'olive');
    assert.equal(again.joinResult.history.filter((m) => m.author.name === 'dave').length, 0);
    const entry = (await chat.community.repo.logPage(users.olive.channelId, 1))[0];
    assert.deepEqual([entry.action, entry.target?.name, entry.detail], ['ban', 'dave', '60 s, messages hidden']);
  });
});

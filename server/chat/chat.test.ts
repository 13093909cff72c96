// Chat end to end in one process: real http server, real attachChat, real socket.io-client over WebSocket, real
// SQLite database with real users and bearer tokens. (The two-process Redis test is multiprocess.test.ts; the
// repository runs on SQLite and PostgreSQL in server/db/chat.test.ts.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHAT_LIMITS, type ChatMessage, type JoinResult } from '../api/chat.js';
import { AccountsService } from '../db/accounts.js';
import { TokensRepo } from '../db/auth-tokens.js';
import { ChatRepo } from '../db/chat.js';
import { DB_KINDS, type TestDb } from '../test-support/db.js';
import { silentLogger } from '../log.js';
import { sleep, waitFor } from '../test-support/process.js';
import { type ChatClient, collect, connectChat, nextEvent, request } from '../test-support/chat-client.js';
import { attachChat, type ChatService } from './service.js';
import { makeGuestToken, testChatAuth } from '../test-support/chat-auth.js';

const GUEST_SECRET = 'chat-test-secret';
const sqlite = DB_KINDS.find((k) => k.name === 'sqlite')!;

describe('chat over socket.io', () => {
  let db: TestDb;
  let server: http.Server;
  let chat: ChatService;
  let base: string;
  /** Players' client keys per channel, as the HTTP side would report them. */
  const players = new Map<string, string[]>();
  const users: Record<string, { id: number; token: string; channelId: number }> = {};
  const clients: ChatClient[] = [];
  const connect = async (auth: { token?: string; guestToken?: string } = {}) => {
    const c = await connectChat(base, auth);
    clients.push(c);
    return c;
  };
  const countMessages = async (channelId: number) =>
    Number(
      (
        await (db.kysely as any)
          .selectFrom('chat_messages')
          .select((eb: any) => eb.fn.countAll().as('n'))
          .where('channel_id', '=', channelId)
          .executeTakeFirst()
      ).n,
    );

  before(async () => {
    db = await sqlite.open();
    const accounts = new AccountsService(db);
    const tokens = new TokensRepo(db);
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      const { user, channel } = await accounts.createUserWithChannel(name, 'password123');
      users[name] = { id: user.id, channelId: channel.id, token: await tokens.issue(user.id, 'bearer', 3600) };
    }
    server = http.createServer((_req, res) => res.writeHead(404).end());
    const auth = testChatAuth(db, GUEST_SECRET);
    chat = await attachChat({
      httpServer: server,
      db,
      logger: silentLogger(),
      identify: auth.identify,
      canJoin: auth.canJoin,
      players: { clients: (c) => players.get(c) ?? [], channels: () => [...players.keys()] },
      limits: { viewersIntervalMs: 150 },
    });
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

  it('refuses a bad token at connect, and answers malformed payloads with errors, never crashing', async () => {
    await assert.rejects(connectChat(base, { token: 'x'.repeat(43) }), (e: any) => e.message === 'unauthorized' && e.data?.code === 'unauthorized');
    await assert.rejects(connectChat(base, { guestToken: 'g1.1.x.eA.bad' }), /unauthorized/);
    const c = await connect({ token: users.bob.token });
    for (const bad of [null, 42, 'alice', [], { channel: 5 }, { channel: 'x'.repeat(100) }, { channel: '../etc' }]) {
      const r = await request(c, 'join', bad);
      assert.equal(r.ok, false);
      assert.equal(r.error.code, 'bad_request', JSON.stringify(bad));
    }
    c.emit('join' as any, { channel: 'alice' }); // no ack: handled, nothing to answer
    (c as any).emit('nonsense', { a: 1 }, () => {});
    assert.equal((await request(c, 'send', { channel: 'alice', text: 'hi' })).error.code, 'not_joined');
    assert.equal((await request(c, 'join', { channel: 'nobody' })).error.code, 'not_found');
    const j = await request<{ ok: true } & JoinResult>(c, 'join', { channel: 'alice' });
    assert.equal(j.ok, true);
    for (const bad of [{ channel: 'alice' }, { channel: 'alice', text: 7 }, { channel: 'alice', text: { a: 1 } }]) {
      assert.equal((await request(c, 'send', bad)).error.code, 'bad_request');
    }
    assert.equal((await request(c, 'send', { channel: 'alice', text: ' \u0000\n\t ' })).error.code, 'empty');
    assert.equal((await request(c, 'delete', { channel: 'alice', messageId: 'x' })).error.code, 'forbidden');
    // A packet over maxHttpBufferSize closes that connection, not the server.
    const big = await connect({ token: users.carol.token });
    const gone = nextEvent(big, 'disconnect');
    big.emit('send', { channel: 'alice', text: 'y'.repeat(CHAT_LIMITS.maxPayloadBytes + 10) }, () => {});
    await gone;
    assert.equal((await request(c, 'leave', { channel: 'alice' })).ok, true);
  });

  it('joins with the last 100 messages oldest first, roles, and anonymous read-only access', async () => {
    const repo = new ChatRepo(db);
    for (let i = 0; i < 105; i++)
      await repo.insertMessage({ channelId: users.carol.channelId, userId: users.dave.id, authorName: 'dave', text: `old ${i}` });
    const owner = await connect({ token: users.carol.token });
    const j = await request<{ ok: true } & JoinResult>(owner, 'join', { channel: 'Carol' });
    assert.equal(j.ok, true);
    assert.equal(j.channel, 'carol');
    assert.equal(j.history.length, CHAT_LIMITS.historySize);
    assert.equal(j.history[0].text, 'old 5');
    assert.equal(j.history[99].text, 'old 104');
    assert.deepEqual(j.history[99].author, { name: 'dave', kind: 'user', userId: users.dave.id });
    assert.deepEqual(j.you, { name: 'carol', role: 'owner', canModerate: true, signedIn: true });

    const viewer = await connect({ token: users.dave.token });
    const jv = await request<JoinResult>(viewer, 'join', { channel: 'carol' });
    assert.deepEqual(jv.you, { name: 'dave', role: 'viewer', canModerate: false, signedIn: true });

    const anon = await connect();
    const ja = await request<JoinResult>(anon, 'join', { channel: 'carol' });
    assert.equal(ja.you.role, 'viewer');
    assert.equal(ja.you.signedIn, false);
    assert.equal(ja.history.length, 100);
    assert.equal((await request(anon, 'send', { channel: 'carol', text: 'hello' })).error.code, 'sign_in_required');
  });

  it('delivers a message to everyone in the room, cleaned, persisted before the ack', async () => {
    const a = await connect({ token: users.alice.token });
    const b = await connect({ token: users.bob.token });
    await request(a, 'join', { channel: 'alice' });
    await request(b, 'join', { channel: 'alice' });
    const got = nextEvent<ChatMessage>(a, 'message', (m) => m.author.name === 'bob');
    const before = await countMessages(users.alice.channelId);
    const bidi = await request(b, 'send', { channel: 'alice', text: 'hello \u202eworld' });
    assert.deepEqual([bidi.ok, bidi.error.code], [false, 'bad_request'], 'bidi controls are refused, not stripped');
    const r = await request(b, 'send', { channel: 'alice', text: '  hello\u0007 world\n ' });
    assert.equal(r.ok, true);
    assert.equal(r.message.text, 'hello world');
    assert.equal(await countMessages(users.alice.channelId), before + 1);
    const m = await got;
    assert.deepEqual(m, r.message);
    assert.equal(m.channel, 'alice');
    assert.deepEqual(m.author, { name: 'bob', kind: 'user', userId: users.bob.id });
    assert.ok(Date.parse(m.at) > Date.now() - 10_000);
  });

  it('refuses a message over 500 characters and stores nothing; 500 grapheme clusters (emoji included) pass', async () => {
    const b = await connect({ token: users.dave.token });
    await request(b, 'join', { channel: 'alice' });
    const before = await countMessages(users.alice.channelId);
    const r = await request(b, 'send', { channel: 'alice', text: 'x'.repeat(501) });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'too_long');
    assert.match(r.error.message, /500/);
    assert.equal(await countMessages(users.alice.channelId), before);
    const ok = await request(b, 'send', { channel: 'alice', text: '😀'.repeat(500) });
    assert.equal(ok.ok, true);
    const family = await request(b, 'send', { channel: 'alice', text: '👨‍👩‍👧‍👦'.repeat(500) });
    assert.equal(family.ok, true, 'one ZWJ sequence is one character');
    assert.equal(await countMessages(users.alice.channelId), before + 2);
  });

  it('rate-limits a user across connections: 5 in a burst, then rate_limited with retryAfterSeconds', async () => {
    const u1 = await connect({ token: users.carol.token });
    const u2 = await connect({ token: users.carol.token });
    await request(u1, 'join', { channel: 'dave' });
    await request(u2, 'join', { channel: 'dave' });
    const results = [];
    for (let i = 0; i < CHAT_LIMITS.rateBurst; i++) results.push(await request(i % 2 ? u1 : u2, 'send', { channel: 'dave', text: `m${i}` }));
    assert.ok(results.every((r) => r.ok));
    const before = await countMessages(users.dave.channelId);
    const limited = await request(u1, 'send', { channel: 'dave', text: 'one too many' });
    assert.equal(limited.ok, false);
    assert.equal(limited.error.code, 'rate_limited');
    assert.ok(limited.error.retryAfterSeconds >= 1 && limited.error.retryAfterSeconds <= CHAT_LIMITS.rateWindowSeconds);
    assert.equal(await countMessages(users.dave.channelId), before);
  });

  it('lets the owner delete, time out and ban; a banned user cannot come back; unban', async () => {
    // A user of its own, so what earlier tests did to bob or carol (rate limits, bans) cannot leak in.
    const accounts = new AccountsService(db);
    const tokens = new TokensRepo(db);
    const eve = (await accounts.createUserWithChannel('eve', 'password123')).user;
    const eveToken = await tokens.issue(eve.id, 'bearer', 3600);

    const owner = await connect({ token: users.bob.token });
    const e1 = await connect({ token: eveToken });
    const e2 = await connect({ token: eveToken });
    const other = await connect({ token: users.dave.token });
    for (const c of [owner, e1, e2, other]) assert.equal((await request(c, 'join', { channel: 'bob' })).ok, true);

    // delete
    const sent = await request(e1, 'send', { channel: 'bob', text: 'spam' });
    assert.equal((await request(other, 'delete', { channel: 'bob', messageId: sent.message.id })).error.code, 'forbidden');
    const deleted = nextEvent(other, 'deleted');
    assert.deepEqual(await request(owner, 'delete', { channel: 'bob', messageId: sent.message.id }), { ok: true, affected: 1 });
    assert.deepEqual(await deleted, { channel: 'bob', id: sent.message.id });
    assert.equal((await request(owner, 'delete', { channel: 'bob', messageId: sent.message.id })).error.code, 'not_found');
    const hist = await request<JoinResult>(other, 'join', { channel: 'bob' });
    assert.ok(!hist.history.some((m) => m.id === sent.message.id));

    // timeout, targeted through a message
    const sent2 = await request(e1, 'send', { channel: 'bob', text: 'more' });
    const told = nextEvent(e2, 'system', (s) => s.kind === 'moderation');
    assert.equal((await request(owner, 'timeout', { channel: 'bob', target: { messageId: sent2.message.id }, seconds: 1 })).ok, true);
    assert.match((await told).text, /timed you out/);
    const to = await request(e2, 'send', { channel: 'bob', text: 'still here?' });
    assert.equal(to.error.code, 'timed_out');
    assert.equal(to.error.retryAfterSeconds, 1);
    assert.equal((await request(owner, 'timeout', { channel: 'bob', target: { userId: eve.id }, seconds: 0 })).error.code, 'bad_request');
    assert.equal((await request(owner, 'ban', { channel: 'bob', target: { userId: users.bob.id } })).error.code, 'forbidden');
    await sleep(1100);
    assert.equal((await request(e2, 'send', { channel: 'bob', text: 'back' })).ok, true);

    // ban: both of eve's connections leave the room
    const removed1 = nextEvent(e1, 'removed');
    const removed2 = nextEvent(e2, 'removed');
    assert.equal((await request(owner, 'ban', { channel: 'bob', target: { userId: eve.id } })).ok, true);
    assert.deepEqual(await removed1, { channel: 'bob', reason: 'banned' });
    await removed2;
    await waitFor(
      'eve out of the room',
      async () => (await request(e1, 'send', { channel: 'bob', text: 'x' })).error?.code === 'not_joined',
      2000,
      20,
    );
    const afterBan = collect<ChatMessage>(e2, 'message');
    await request(other, 'send', { channel: 'bob', text: 'eve cannot see this' });
    // reconnecting does not help
    const e3 = await connect({ token: eveToken });
    const j3 = await request(e3, 'join', { channel: 'bob' });
    assert.equal(j3.ok, false);
    assert.equal(j3.error.code, 'banned');
    assert.equal(await chat.isBanned(users.bob.channelId, { userId: eve.id }), true);
    assert.equal(afterBan.length, 0);
    // unban
    assert.deepEqual(await request(owner, 'unban', { channel: 'bob', target: { userId: eve.id } }), { ok: true, affected: 1 });
    assert.equal((await request(e3, 'join', { channel: 'bob' })).ok, true);
  });

  it('lets guests chat under their display name; a banned guest address cannot come back as another guest', async () => {
    const ch = users.dave.channelId;
    const g1 = await connect({ guestToken: makeGuestToken(GUEST_SECRET, ch, 'guest-1', 'Visitor Vic') });
    const j = await request<JoinResult>(g1, 'join', { channel: 'dave' });
    assert.deepEqual(j.you, { name: 'Visitor Vic', role: 'guest', canModerate: false, signedIn: false });
    assert.equal((await request(g1, 'join', { channel: 'alice' })).error.code, 'forbidden');
    const owner = await connect({ token: users.dave.token });
    await request(owner, 'join', { channel: 'dave' });
    const seen = nextEvent<ChatMessage>(owner, 'message', (m) => m.author.kind === 'guest');
    const s = await request(g1, 'send', { channel: 'dave', text: 'hi from a guest' });
    assert.equal(s.ok, true);
    assert.deepEqual((await seen).author, { name: 'Visitor Vic', kind: 'guest' });

    const removed = nextEvent(g1, 'removed');
    assert.equal((await request(owner, 'ban', { channel: 'dave', target: { messageId: s.message.id } })).ok, true);
    await removed;
    assert.equal(await chat.isBanned(ch, { guestId: 'guest-1' }), true);
    assert.equal(await chat.isBanned(ch, { address: '127.0.0.1' }), true);
    assert.equal(await chat.isBanned(ch, { address: '10.9.9.9' }), false);
    const g2 = await connect({ guestToken: makeGuestToken(GUEST_SECRET, ch, 'guest-2', 'New Name') });
    assert.equal((await request(g2, 'join', { channel: 'dave' })).error.code, 'banned');
    // signed-in users from the same address are not affected
    const carol = await connect({ token: users.carol.token });
    assert.equal((await request(carol, 'join', { channel: 'dave' })).ok, true);
    assert.equal((await request(owner, 'unban', { channel: 'dave', target: { guestId: 'guest-1' } })).affected, 1);
    assert.equal((await request(g2, 'join', { channel: 'dave' })).ok, true);
  });

  it('broadcasts and keeps system messages when a stream starts and ends', async () => {
    const c = await connect();
    await request(c, 'join', { channel: 'carol' });
    const live = nextEvent(c, 'system', (s) => s.kind === 'live');
    const m = await chat.streamStarted('carol', 'Friday build');
    assert.equal(m?.text, 'carol is live: Friday build');
    const ev = await live;
    assert.equal(ev.channel, 'carol');
    assert.equal(ev.text, 'carol is live: Friday build');
    assert.deepEqual(ev.message.author, { name: '', kind: 'system' });
    const ended = nextEvent(c, 'system', (s) => s.kind === 'ended');
    await chat.streamEnded('carol');
    assert.equal((await ended).text, 'The stream has ended.');
    const j = await request<JoinResult>(c, 'join', { channel: 'carol' });
    assert.deepEqual(
      j.history.slice(-2).map((x) => [x.system, x.author.kind]),
      [
        ['live', 'system'],
        ['ended', 'system'],
      ],
    );
    assert.equal(await chat.streamStarted('nobody'), null);
  });

  it('counts viewers: people with a chat connection or a player, each once, sent when it changes', async () => {
    const room = 'eve';
    const a = await connect({ token: users.bob.token });
    const b = await connect({ token: users.carol.token });
    const ja = await request<JoinResult>(a, 'join', { channel: room });
    assert.equal(ja.viewers, 1);
    const seen = collect<{ channel: string; count: number }>(a, 'viewers');
    await request(b, 'join', { channel: room });
    await waitFor('count 2', () => seen.some((v) => v.count === 2), 3000, 20);
    // Two anonymous tabs of one browser (same address and user agent) are one person.
    const anon1 = await connect();
    const anon2 = await connect();
    for (const c of [anon1, anon2]) await request(c, 'join', { channel: room });
    await waitFor('count 3', () => seen.at(-1)?.count === 3, 3000, 20);
    // Two players elsewhere, and the anonymous browser's own player (its client key), which it already counts for.
    const anonClient = chat.io.of('/').sockets.get(anon1.id!)!.data.client;
    players.set(room, ['player-1', 'player-2', anonClient]);
    await waitFor('count 5', () => seen.at(-1)?.count === 5, 3000, 20);
    assert.equal(chat.viewers(room), 5);
    b.close();
    await waitFor('count 4', () => seen.at(-1)?.count === 4, 3000, 20);
    const n = seen.length;
    await sleep(400);
    assert.equal(seen.length, n, 'nothing sent while the count does not change');
    players.delete(room);
    for (const c of [anon1, anon2]) c.close();
  });

  it('delivers follower notices to every connection of a user, joined or not', async () => {
    const c1 = await connect({ token: users.carol.token });
    const c2 = await connect({ token: users.carol.token });
    const d = await connect({ token: users.dave.token });
    const notDave = collect(d, 'notice');
    const p1 = nextEvent(c1, 'notice');
    const p2 = nextEvent(c2, 'notice');
    chat.notifyUsers([users.carol.id, 99999], { kind: 'followed-live', channel: 'alice', title: 'Show' });
    assert.deepEqual(await p1, { kind: 'followed-live', channel: 'alice', title: 'Show' });
    await p2;
    await sleep(100);
    assert.equal(notDave.length, 0);
  });

  it(`limits one connection to ${CHAT_LIMITS.maxRoomsPerSocket} channels`, async () => {
    const k = db.kysely as any;
    const now = Date.now();
    for (let i = 0; i < CHAT_LIMITS.maxRoomsPerSocket + 1; i++) {
      const u = await k
        .insertInto('users')
        .values({ username: `room${i}`, username_lower: `room${i}`, password_hash: 'x', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await k
        .insertInto('channels')
        .values({ user_id: u.id, name: `room${i}`, stream_key: `key-room-${i}`, title: '', created_at: now, key_updated_at: now })
        .execute();
    }
    const c = await connect();
    // Spread the joins so the per-connection request limit is not what stops us.
    for (let i = 0; i < CHAT_LIMITS.maxRoomsPerSocket; i++) assert.equal((await request(c, 'join', { channel: `room${i}` })).ok, true);
    const r = await request(c, 'join', { channel: `room${CHAT_LIMITS.maxRoomsPerSocket}` });
    assert.equal(r.error.code, 'too_many_rooms');
    await request(c, 'leave', { channel: 'room0' });
    assert.equal((await request(c, 'join', { channel: `room${CHAT_LIMITS.maxRoomsPerSocket}` })).ok, true);
  });
});

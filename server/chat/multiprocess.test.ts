// Two real server processes sharing one SQLite file and one Redis (127.0.0.1:6379, a unique key prefix per run):
// a message sent on A reaches a client on B, viewer counts agree, a ban on A kicks the client on B, notices and
// system messages cross processes, chat modes and moderators changed on A apply on B at once, slow mode counts a
// person's messages on both (as the send rate does: each process counts in Redis through a rate-limit store of its own).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { ChatMessage, JoinResult } from '../api/chat.js';
import { AccountsService } from '../db/accounts.js';
import { TokensRepo } from '../db/auth-tokens.js';
import { openDatabase } from '../db/database.js';
import { waitFor } from '../test-support/process.js';
import { type ChatClient, collect, connectChat, nextEvent, request } from '../test-support/chat-client.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

interface Proc {
  child: ChildProcess;
  base: string;
  stderr: () => string;
}

function startProcess(env: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, '../test-support/chat-process.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-20_000)));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chat process did not start: ${err}`));
    }, 20_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(t);
      const { port } = JSON.parse(line) as { port: number };
      resolve({ child, base: `http://127.0.0.1:${port}`, stderr: () => err });
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`chat process exited (${code}): ${err}`));
    });
  });
}

describe('chat across two processes with Redis', () => {
  let dir: string;
  let A: Proc;
  let B: Proc;
  const prefix = `onair-chat-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const tok: Record<string, { id: number; token: string }> = {};
  const clients: ChatClient[] = [];
  const connect = async (p: Proc, token?: string) => {
    const c = await connectChat(p.base, token ? { token } : {});
    clients.push(c);
    return c;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'onair-chat-mp-'));
    const sqlitePath = path.join(dir, 'chat.sqlite');
    const db = await openDatabase({ sqlitePath });
    const accounts = new AccountsService(db);
    const tokens = new TokensRepo(db);
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) {
      const { user } = await accounts.createUserWithChannel(name, 'password123');
      tok[name] = { id: user.id, token: await tokens.issue(user.id, 'bearer', 3600) };
    }
    await db.close();
    const env = { CHAT_SQLITE: sqlitePath, REDIS_URL, CHAT_REDIS_PREFIX: prefix, CHAT_VIEWERS_MS: '200' };
    [A, B] = await Promise.all([startProcess(env), startProcess(env)]);
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const p of [A, B]) {
      if (!p) continue;
      const exited = new Promise((r) => p.child.once('exit', r));
      p.child.kill('SIGTERM');
      const t = setTimeout(() => p.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('delivers across processes, agrees on counts, kicks a banned client on the other process', async () => {
    const owner = await connect(A, tok.alice.token);
    const bob = await connect(A, tok.bob.token);
    const carol = await connect(B, tok.carol.token);
    const counts = { bob: collect<{ count: number }>(bob, 'viewers'), carol: collect<{ count: number }>(carol, 'viewers') };
    for (const c of [owner, bob, carol]) assert.equal((await request(c, 'join', { channel: 'alice' })).ok, true);

    // A -> B
    const atCarol = nextEvent<ChatMessage>(carol, 'message', (m) => m.author.name === 'bob');
    const sent = await request(bob, 'send', { channel: 'alice', text: 'hello from A' });
    assert.equal(sent.ok, true);
    assert.deepEqual(await atCarol, sent.message);
    // B -> A
    const atBob = nextEvent<ChatMessage>(bob, 'message', (m) => m.author.name === 'carol');
    await request(carol, 'send', { channel: 'alice', text: 'hello from B' });
    assert.equal((await atBob).text, 'hello from B');

    // counts: bob on A + carol on B (the owner on A is not a viewer of their own channel), seen alike on both processes
    await waitFor('both processes count 2', () => counts.bob.at(-1)?.count === 2 && counts.carol.at(-1)?.count === 2, 5000, 20);
    const late = await connect(B);
    assert.equal((await request<JoinResult>(late, 'join', { channel: 'alice' })).viewers, 3);
    await waitFor('both processes count 3', () => counts.bob.at(-1)?.count === 3 && counts.carol.at(-1)?.count === 3, 5000, 20);
    late.close();
    await waitFor('both processes count 2 again', () => counts.bob.at(-1)?.count === 2 && counts.carol.at(-1)?.count === 2, 5000, 20);

    // system message and notices started on B reach A
    const live = nextEvent(bob, 'system', (s) => s.kind === 'live');
    await fetch(`${B.base}/_test/live?channel=alice`);
    assert.equal((await live).text, 'alice is live');
    const notice = nextEvent(bob, 'notice');
    await fetch(`${B.base}/_test/notify?user=${tok.bob.id}&channel=alice`);
    assert.deepEqual(await notice, { kind: 'followed-live', channel: 'alice', title: 'test' });

    // ban on A kicks carol on B
    const removed = nextEvent(carol, 'removed');
    assert.equal((await request(owner, 'ban', { channel: 'alice', target: { userId: tok.carol.id } })).ok, true);
    assert.deepEqual(await removed, { channel: 'alice', reason: 'banned' });
    await waitFor(
      'carol out of the room on B',
      async () => (await request(carol, 'send', { channel: 'alice', text: 'x' })).error?.code === 'not_joined',
      3000,
      20,
    );
    const missed = collect<ChatMessage>(carol, 'message');
    const seenByOwner = nextEvent<ChatMessage>(owner, 'message', (m) => m.text === 'after the ban');
    await request(bob, 'send', { channel: 'alice', text: 'after the ban' });
    await seenByOwner;
    await waitFor('count 1 once carol is banned', () => counts.bob.at(-1)?.count === 1, 5000, 20);
    assert.equal(missed.length, 0);
    // reconnecting, on either process, is refused
    for (const p of [A, B]) {
      const again = await connect(p, tok.carol.token);
      assert.equal((await request(again, 'join', { channel: 'alice' })).error.code, 'banned');
    }
  });

  it('applies chat modes and moderator rights changed on A to connections on B at once', async () => {
    const owner = await connect(A, tok.alice.token);
    // Erin: bob has used some of his send rate in the test before, and it counts on both processes.
    const erin = await connect(B, tok.erin.token);
    for (const c of [owner, erin]) assert.equal((await request(c, 'join', { channel: 'alice' })).ok, true);
    assert.equal((await request(erin, 'send', { channel: 'alice', text: 'forbiddenness' })).ok, true);

    // B hears the change before the room's `settings` event (one Redis connection, in order).
    const told = nextEvent(erin, 'settings');
    assert.equal((await request(owner, 'settings', { channel: 'alice', blockedTerms: ['forbidden*'], slowModeSeconds: 5 })).ok, true);
    assert.equal((await told).settings.slowModeSeconds, 5);
    const r = await request(erin, 'send', { channel: 'alice', text: 'f0rbiddenness' });
    assert.equal(r.error?.code, 'blocked_term');

    const m = await request(owner, 'send', { channel: 'alice', text: 'a message to delete' });
    assert.equal((await request(erin, 'delete', { channel: 'alice', messageId: m.message.id })).error.code, 'forbidden');
    const made = nextEvent(erin, 'role');
    assert.equal((await request(owner, 'addModerator', { channel: 'alice', userId: tok.erin.id })).ok, true);
    assert.equal((await made).role, 'moderator');
    assert.equal((await request(erin, 'delete', { channel: 'alice', messageId: m.message.id })).ok, true);
    assert.equal((await request(erin, 'send', { channel: 'alice', text: 'forbidden for others' })).ok, true);

    const unmade = nextEvent(erin, 'role');
    assert.equal((await request(owner, 'removeModerator', { channel: 'alice', userId: tok.erin.id })).ok, true);
    assert.equal((await unmade).role, 'viewer');
    assert.equal((await request(erin, 'settings', { channel: 'alice', slowModeSeconds: null })).error.code, 'forbidden');
    assert.equal((await request(erin, 'send', { channel: 'alice', text: 'forbidden again' })).error.code, 'blocked_term');

    // Slow mode holds a person to one message per window whichever process each of their connections reaches. (Dave:
    // erin has used up most of her send rate, which counts on both processes too.)
    const [daveOnA, daveOnB] = [await connect(A, tok.dave.token), await connect(B, tok.dave.token)];
    for (const c of [daveOnA, daveOnB]) assert.equal((await request(c, 'join', { channel: 'alice' })).ok, true);
    assert.equal((await request(daveOnB, 'send', { channel: 'alice', text: 'slow one' })).ok, true);
    const second = await request(daveOnA, 'send', { channel: 'alice', text: 'slow two' });
    assert.equal(second.error?.code, 'slow_mode');
    assert.ok(second.error.retryAfterSeconds >= 4 && second.error.retryAfterSeconds <= 5);
  });
});

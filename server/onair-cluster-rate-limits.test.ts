// Rate limits across a cluster: two Onair servers (in this process) sharing PostgreSQL and the test Redis count failed
// logins, wrong invite links and a person's chat messages together, so spreading attempts over nodes gains nothing.
// Then a server whose Redis connection is cut (through a relay): logins still answer at once, throttled by that
// server's own counts. And a server whose Redis hangs: one request waits out the command timeout, the next ones (chat
// sends, invite links) do not, until the pause after it ends.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CHAT_LIMITS } from './api/chat.js';
import { RATE_WINDOW_LIMITS } from './cluster/rate-windows.js';
import { LIMITS } from './config.js';
import { connectChat, request } from './test-support/chat-client.js';
import { freshPgDatabase } from './test-support/db.js';
import { waitFor } from './test-support/process.js';
import { api, newStreamer, startTestServer, type TestServer } from './test-support/server.js';
import { stallingRelay } from './test-support/stalling-relay.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const login = (base: string, username: string, password: string) => api(base, 'POST', '/api/auth/login', { username, password });

describe('rate limits across cluster nodes', () => {
  let a: TestServer;
  let b: TestServer;
  let dropDb: () => Promise<void>;

  before(async () => {
    const db = await freshPgDatabase();
    dropDb = db.drop;
    a = await startTestServer({ DATABASE_URL: db.url, REDIS_URL });
    b = await startTestServer({ DATABASE_URL: db.url, REDIS_URL });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await dropDb?.();
  });

  test('failed logins split over two nodes lock the account on both', async () => {
    await newStreamer(a.base, 'mallory');
    const password = 'pw-mallory-123456';
    for (const base of [a.base, b.base, a.base, b.base, a.base]) assert.equal((await login(base, 'mallory', 'wrong-password')).status, 401);
    for (const base of [a.base, b.base]) {
      const r = await login(base, 'MALLORY', password);
      assert.equal(r.status, 429, `${base}: the right password waits too`);
      assert.equal(r.body.error.code, 'rate_limited');
      const retry = Number(r.headers.get('retry-after'));
      assert.ok(retry > 0 && retry <= LIMITS.loginWindowSeconds, `Retry-After ${retry}`);
      assert.equal(r.body.error.retryAfterSeconds, retry);
    }
  });

  test("a person's chat messages count on every node: over the limit on the two together is refused as on one", async () => {
    await newStreamer(a.base, 'chatroom');
    const [solo, both] = [await newStreamer(a.base, 'solo'), await newStreamer(a.base, 'both')];
    const send = (c: Awaited<ReturnType<typeof connectChat>>, text: string) => request(c, 'send', { channel: 'chatroom', text });
    const soloOnA = await connectChat(a.base, { token: solo.token });
    // One socket.io client for the same person on each node.
    const bothOnA = await connectChat(a.base, { token: both.token });
    const bothOnB = await connectChat(b.base, { token: both.token });
    try {
      for (const c of [soloOnA, bothOnA, bothOnB]) assert.equal((await request(c, 'join', { channel: 'chatroom' })).ok, true);
      // On one node: a burst, then refused.
      for (let i = 0; i < CHAT_LIMITS.rateBurst; i++) assert.equal((await send(soloOnA, `solo ${i}`)).ok, true);
      const oneNode = await send(soloOnA, 'solo, one too many');
      assert.equal(oneNode.ok, false);
      assert.equal(oneNode.error.code, 'rate_limited');

      // Spread over two nodes: the same burst in all, and the same refusal on both.
      for (let i = 0; i < CHAT_LIMITS.rateBurst; i++) {
        const r = await send(i % 2 ? bothOnB : bothOnA, `both ${i}`);
        assert.equal(r.ok, true, `message ${i}: ${JSON.stringify(r)}`);
      }
      for (const [node, c] of [
        ['B', bothOnB],
        ['A', bothOnA],
      ] as const) {
        const r = await send(c, 'both, one too many');
        assert.equal(r.ok, false, `node ${node} let a sixth message through`);
        assert.deepEqual(r.error, oneNode.error, `node ${node}`);
      }
      assert.ok(oneNode.error.retryAfterSeconds >= 1 && oneNode.error.retryAfterSeconds <= CHAT_LIMITS.rateWindowSeconds);
    } finally {
      for (const c of [soloOnA, bothOnA, bothOnB]) c.close();
    }
  });

  test('wrong invite links count on every node', async () => {
    const miss = (base: string, i: number) => api(base, 'GET', `/api/invites/${'Z'.repeat(40)}${String(i).padStart(3, '0')}`);
    for (let i = 0; i < LIMITS.inviteMisses; i++) assert.equal((await miss(i % 2 ? b.base : a.base, i)).status, 404);
    for (const base of [a.base, b.base]) {
      const r = await miss(base, 999);
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    }
  });
});

/**
 * For the describe block it is called in: a server reaching the test Redis through a stalling relay, and after its
 * tests `restore` on the relay (mend or resume) and up to `backWithinMs` for the server to say Redis answers again
 * before it stops: a server stopping while its Redis is away is not what this file tests.
 */
function serverBehindRelay(restore: 'mend' | 'resume', backWithinMs: number) {
  const ctx = {} as { relay: Awaited<ReturnType<typeof stallingRelay>>; s: TestServer };
  before(async () => {
    ctx.relay = await stallingRelay(Number(new URL(REDIS_URL).port || 6379));
    ctx.s = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${ctx.relay.port}` });
  });
  after(async () => {
    const { relay, s } = ctx;
    relay?.[restore]();
    if (s)
      await waitFor(
        'Redis back',
        async () => (await login(s.base, 'nobody', 'x')) && s.logs().includes('rate limits: Redis answers again'),
        backWithinMs,
        200,
      ).catch(() => {});
    await s?.stop();
    relay?.close();
  });
  return ctx;
}

describe('rate limits when Redis goes away', () => {
  const ctx = serverBehindRelay('mend', 10_000);

  test('logins answer at once and are throttled by this server alone; one log line says so', async () => {
    const { relay, s } = ctx;
    await newStreamer(s.base, 'oscar');
    relay.cut();
    for (let i = 0; i < LIMITS.loginFailures; i++) {
      const t0 = performance.now();
      assert.equal((await login(s.base, 'oscar', 'wrong-password')).status, 401);
      const ms = performance.now() - t0;
      assert.ok(ms < 1500, `answered in ${Math.round(ms)} ms`);
    }
    assert.equal((await login(s.base, 'oscar', 'pw-oscar-123456')).status, 429);
    assert.equal(
      s
        .logs()
        .split('\n')
        .filter((l) => l.includes('rate limits: Redis unreachable')).length,
      1,
    );
  });
});

describe('rate limits when Redis hangs', () => {
  const ctx = serverBehindRelay('resume', 40_000);

  test('chat sends and wrong invite links wait out one timeout, not one each', async () => {
    const { relay, s } = ctx;
    const host = await newStreamer(s.base, 'hungroom');
    const chatter = await connectChat(s.base, { token: host.token });
    try {
      assert.equal((await request(chatter, 'join', { channel: 'hungroom' })).ok, true);
      relay.stall();
      const timed = async <T>(fn: () => Promise<T>) => {
        const t0 = performance.now();
        const value = await fn();
        return { value, ms: performance.now() - t0 };
      };
      const sends = [];
      for (let i = 0; i < 4; i++) sends.push(await timed(() => request(chatter, 'send', { channel: 'hungroom', text: `hung ${i}` })));
      assert.ok(
        sends.every((r) => r.value.ok),
        JSON.stringify(sends.map((r) => r.value)),
      );
      // Wrong invite links: each is checked and counted (two rate-limit commands), and is cheap otherwise.
      const misses = [];
      for (let i = 0; i < 16; i++) misses.push(await timed(() => api(s.base, 'GET', `/api/invites/${'Y'.repeat(40)}${String(i).padStart(3, '0')}`)));
      assert.deepEqual(
        misses.map((r) => r.value.status),
        Array(16).fill(404),
      );
      // Without the pause (the code before it) each of these waited out the timeout, each link twice: 7.3 s in all.
      const times = [...sends, ...misses].map((r) => Math.round(r.ms));
      const total = times.reduce((x, y) => x + y, 0);
      // With it, one waits (about 0.5 s in all here); the bound leaves room for a busy machine. The one-timeout-per-pause
      // rule itself is measured without HTTP around it in server/cluster/rate-windows.test.ts.
      assert.ok(total < 10 * RATE_WINDOW_LIMITS.commandTimeoutMs, `20 requests took ${total} ms: ${times}`);
      assert.equal(
        s
          .logs()
          .split('\n')
          .filter((l) => l.includes('rate limits: Redis unreachable')).length,
        1,
      );
    } finally {
      chatter.close();
    }
  });
});

// Rate limits counted in Redis (the test Redis, ONAIR_TEST_REDIS_URL): two stores stand for two nodes, sharing a
// key prefix of their own and a clock the test moves; chat's token buckets decide with Redis as without it. Then Redis
// stalls and is cut (through a relay): each node decides from its own counts within the command bound, logs that once,
// leaves a hung Redis alone for a pause after a timeout (one timeout per pause, not one per request), and counts in
// Redis again once it answers.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { LoginRateLimiter, WindowLimiter } from '../db/rate-limit.js';
import { LocalTokenBuckets } from '../db/token-buckets.js';
import { createLogger } from '../log.js';
import { stallingRelay } from '../test-support/stalling-relay.js';
import { RATE_WINDOW_LIMITS, RedisRateWindows, type RedisRateWindowsOptions } from './rate-windows.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'a-test-secret-of-enough-length-0123456789';

function clock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

async function waitUntil(ok: () => Promise<boolean>, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function capturedLogger() {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug' }, sink), lines: (msg: string) => text.split('\n').filter((l) => l.includes(msg)).length };
}

describe('rate limits across nodes through Redis', () => {
  // A prefix per run: runs and other test files sharing the Redis server never see each other's counts.
  const cluster = `rate-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const open: RedisRateWindows[] = [];
  const node = async (redisUrl = REDIS_URL, extra: Partial<RedisRateWindowsOptions> = {}) => {
    const log = capturedLogger();
    const store = new RedisRateWindows({ redisUrl, cluster, secret: SECRET, logger: log.logger, ...extra });
    await store.start();
    open.push(store);
    return { store, ...log };
  };
  const admin = new Redis(REDIS_URL);
  after(async () => {
    for (const s of open) await s.close();
    const keys = await admin.keys(`${cluster}:*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  });

  it('five failures split over two nodes lock the pair on both; the lock lifts as the window passes', async () => {
    const c = clock();
    const [a, b] = [await node(), await node()];
    const onA = new LoginRateLimiter({ store: a.store, now: c.now });
    const onB = new LoginRateLimiter({ store: b.store, now: c.now });
    for (const rl of [onA, onB, onA, onB]) {
      assert.deepEqual(await rl.recordFailure('1.2.3.4', 'Alice'), { allowed: true });
      c.advance(10_000);
    }
    // The 5th failure at t+40 s: locked on both nodes until the first (t+0) leaves the window at t+300 s.
    assert.deepEqual(await onA.recordFailure('1.2.3.4', 'alice'), { allowed: false, retryAfterSeconds: 260 });
    assert.deepEqual(await onB.check('1.2.3.4', 'ALICE'), { allowed: false, retryAfterSeconds: 260 });
    assert.deepEqual(await onA.check('1.2.3.4', 'alice'), { allowed: false, retryAfterSeconds: 260 });
    assert.deepEqual(await onB.check('1.2.3.4', 'bob'), { allowed: true }, 'another account');
    assert.deepEqual(await onB.check('5.6.7.8', 'alice'), { allowed: true }, 'another address');

    c.advance(260_000 - 1);
    assert.deepEqual(await onB.check('1.2.3.4', 'alice'), { allowed: false, retryAfterSeconds: 1 });
    c.advance(1);
    assert.deepEqual(await onB.check('1.2.3.4', 'alice'), { allowed: true });
    assert.deepEqual(await onA.check('1.2.3.4', 'alice'), { allowed: true });
    // One more failure anywhere: five in the window again (10..300 s), locked until the one at 10 s leaves.
    assert.deepEqual(await onA.recordFailure('1.2.3.4', 'alice'), { allowed: false, retryAfterSeconds: 10 });
    // A success on the other node clears the pair everywhere.
    await onB.recordSuccess('1.2.3.4', 'alice');
    assert.deepEqual(await onA.check('1.2.3.4', 'alice'), { allowed: true });

    // Neither the address nor the name is in Redis: keys are HMACs under the secret.
    const keys = await admin.keys(`${cluster}:*`);
    assert.ok(keys.length > 0);
    for (const k of keys) {
      assert.match(k, new RegExp(`^${cluster}:rate:login-(pair|ip):[A-Za-z0-9_-]{22}$`));
      assert.ok((await admin.pttl(k)) > 0, 'keys expire with their window');
    }
  });

  it('take() across nodes: an act refused on one node is not counted', async () => {
    const c = clock();
    const [a, b] = [await node(), await node()];
    const w = { name: 'signups', limit: 2, windowMs: 60_000 };
    const onA = new WindowLimiter(a.store, w, c.now);
    const onB = new WindowLimiter(b.store, w, c.now);
    assert.deepEqual(await onA.take('9.9.9.9'), { allowed: true });
    c.advance(15_000);
    assert.deepEqual(await onB.take('9.9.9.9'), { allowed: true });
    assert.deepEqual(await onA.take('9.9.9.9'), { allowed: false, retryAfterSeconds: 45 });
    assert.deepEqual(await onB.take('9.9.9.9'), { allowed: false, retryAfterSeconds: 45 });
    c.advance(45_000);
    assert.deepEqual(await onB.take('9.9.9.9'), { allowed: true });
    assert.deepEqual(await onA.take('9.9.9.9'), { allowed: false, retryAfterSeconds: 15 });
  });

  it('Redis stalled or cut: each node decides from its own counts within the bound, logs once, then shares again', async () => {
    const c = clock();
    const relay = await stallingRelay(Number(new URL(REDIS_URL).port || 6379));
    try {
      // A pause long enough that the stalled requests below all fall inside it, even on a slow machine.
      const pause = { firstPauseMs: 1000 };
      const viaRelay = await node(`redis://127.0.0.1:${relay.port}`, { backoff: pause });
      const direct = await node();
      const onA = new LoginRateLimiter({ store: viaRelay.store, now: c.now });
      const onB = new LoginRateLimiter({ store: direct.store, now: c.now });
      await onA.recordFailure('7.7.7.7', 'carol');
      await onA.recordFailure('7.7.7.7', 'carol');
      await onB.recordFailure('7.7.7.7', 'carol');

      relay.stall();
      const timed = async <T>(fn: () => Promise<T>) => {
        const t0 = performance.now();
        const v = await fn();
        const ms = performance.now() - t0;
        assert.ok(ms < RATE_WINDOW_LIMITS.commandTimeoutMs + 300, `answered in ${Math.round(ms)} ms`);
        return v;
      };
      // A counted its own two failures (not B's): allowed until three more here.
      assert.deepEqual(await timed(() => onA.check('7.7.7.7', 'carol')), { allowed: true });
      assert.deepEqual(await timed(() => onA.recordFailure('7.7.7.7', 'carol')), { allowed: true });
      assert.deepEqual(await timed(() => onA.recordFailure('7.7.7.7', 'carol')), { allowed: true });
      assert.equal((await timed(() => onA.recordFailure('7.7.7.7', 'carol'))).allowed, false, 'five failures seen here lock here');
      assert.equal(viaRelay.store.degraded, true);
      assert.equal(viaRelay.lines('Redis unreachable'), 1, 'one line for the outage, not one per request');

      relay.resume();
      // After the first timeout A left Redis alone: the failures it counted meanwhile are its own. Once the pause is
      // over, A answers from Redis again, where the three counted before the stall are.
      await new Promise((r) => setTimeout(r, pause.firstPauseMs + 50));
      c.advance(1000);
      assert.deepEqual(await onA.check('7.7.7.7', 'carol'), { allowed: true });
      assert.equal(viaRelay.store.degraded, false);
      assert.equal(viaRelay.lines('Redis answers again'), 1);
      await onB.recordFailure('7.7.7.7', 'carol');
      assert.equal((await onB.recordFailure('7.7.7.7', 'carol')).allowed, false, 'five in Redis');
      assert.equal((await onA.check('7.7.7.7', 'carol')).allowed, false, 'the other node sees them too');

      relay.cut();
      assert.equal((await timed(() => onA.check('7.7.7.7', 'carol'))).allowed, false, 'still locked from its own counts');
      assert.deepEqual(await timed(() => onA.check('7.7.7.7', 'dave')), { allowed: true });
      assert.equal(viaRelay.lines('Redis unreachable'), 2, 'a second outage, a second line');
    } finally {
      relay.close();
    }
  });
  it("chat's token buckets: one node with Redis decides as LocalTokenBuckets; two nodes share a bucket", async () => {
    const c = clock();
    const [a, b] = [await node(), await node()];
    // 3 tokens refilled over 5 s (one every 1666.67 ms: fractions), at steps that land on and beside refills.
    const bucket = { name: 'chat-test', burst: 3, windowMs: 5000 };
    const local = new LocalTokenBuckets();
    const steps = [0, 0, 0, 0, 1, 1665, 1, 0, 0, 1666, 1667, 3000, 0, 0, 0, 0, 9999, 0, 0, 0, 0, 1, 5000];
    for (const [i, step] of steps.entries()) {
      c.advance(step);
      assert.equal(await a.store.takeToken(bucket, 'u:1', c.now()), local.takeNow(bucket, 'u:1', c.now()), `take ${i}`);
    }

    // Two nodes: a person's takes on both come out of one bucket.
    const chat = { name: 'chat-test', burst: 5, windowMs: 5000 };
    const got: number[] = [];
    for (let i = 0; i < 6; i++) got.push(await (i % 2 ? b : a).store.takeToken(chat, 'u:2', c.now()));
    assert.deepEqual(got, [0, 0, 0, 0, 0, 1000]);
    assert.equal(await a.store.takeToken(chat, 'u:2', c.now()), 1000, 'refused on the other node too');
    assert.equal(await b.store.takeToken(chat, 'g:someone', c.now()), 0, 'another person');
    c.advance(1000);
    assert.equal(await a.store.takeToken(chat, 'u:2', c.now()), 0, 'one token back after a second');
    assert.equal(await b.store.takeToken(chat, 'u:2', c.now()), 1000);

    const keys = await admin.keys(`${cluster}:rate:chat-test:*`);
    assert.equal(keys.length, 3);
    for (const k of keys) assert.ok((await admin.pttl(k)) > 0, 'bucket keys expire');
  });

  it('Redis hung: one timeout per pause, one probe at a time; the pause doubles while it stays silent', async () => {
    const relay = await stallingRelay(Number(new URL(REDIS_URL).port || 6379));
    try {
      const first = 600;
      const n = await node(`redis://127.0.0.1:${relay.port}`, { backoff: { firstPauseMs: first } });
      const bucket = { name: 'chat-hung', burst: 100, windowMs: 1000 };
      const limiter = new WindowLimiter(n.store, { name: 'hung', limit: 1000, windowMs: 60_000 });
      assert.deepEqual(await limiter.take('a'), { allowed: true });
      relay.stall();
      const timed = async (fn: () => Promise<unknown>) => {
        const t0 = performance.now();
        await fn();
        return performance.now() - t0;
      };
      // 20 checks in a row: the first waits out the timeout, the other 19 are answered from this node's counts.
      const waits: number[] = [];
      for (let i = 0; i < 20; i++) waits.push(await timed(() => (i % 2 ? limiter.take('a') : n.store.takeToken(bucket, 'u:1', Date.now()))));
      const total = waits.reduce((x, y) => x + y, 0);
      assert.ok(total < 2 * RATE_WINDOW_LIMITS.commandTimeoutMs + 200, `20 checks took ${Math.round(total)} ms`);
      assert.equal(waits.filter((ms) => ms >= RATE_WINDOW_LIMITS.commandTimeoutMs * 0.9).length, 1, `waits ${waits.map(Math.round)}`);
      assert.equal(n.store.degraded, true);

      // The pause over, ten checks at once: one probes Redis (and waits), nine are answered at once.
      await new Promise((r) => setTimeout(r, first + 50));
      const together = await Promise.all(Array.from({ length: 10 }, (_, i) => timed(() => limiter.take(`b${i}`))));
      assert.equal(together.filter((ms) => ms >= RATE_WINDOW_LIMITS.commandTimeoutMs * 0.9).length, 1, `waits ${together.map(Math.round)}`);
      assert.ok(together.filter((ms) => ms < 50).length >= 9, `waits ${together.map(Math.round)}`);

      // That probe timed out too: the next pause is twice as long, so after the first pause's length nothing waits.
      await new Promise((r) => setTimeout(r, first + 50));
      assert.ok((await timed(() => limiter.take('c'))) < 50, 'still pausing');
      await new Promise((r) => setTimeout(r, first + 50));
      assert.ok((await timed(() => limiter.take('c'))) >= RATE_WINDOW_LIMITS.commandTimeoutMs * 0.9, 'the next probe');
      assert.equal(n.lines('Redis unreachable'), 1, 'one line for the whole outage');

      // Redis answers again: the next probe (the pause is 4 x first now) finds it, and requests go to Redis at once.
      relay.resume();
      await waitUntil(() => limiter.take('d').then(() => !n.store.degraded), 4 * first + 1000);
      assert.equal(n.lines('Redis answers again'), 1);
    } finally {
      relay.close();
    }
  });
});

// Rate limits counted in Redis (the test Redis, ONAIR_TEST_REDIS_URL): two stores stand for two nodes, sharing a
// key prefix of their own and a clock the test moves. Then Redis stalls and is cut (through a relay): each node
// decides from its own counts within the command bound, logs that once, and counts in Redis again once it answers.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { LoginRateLimiter, WindowLimiter } from '../db/rate-limit.js';
import { createLogger } from '../log.js';
import { stallingRelay } from '../test-support/stalling-relay.js';
import { RATE_WINDOW_LIMITS, RedisRateWindows } from './rate-windows.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'a-test-secret-of-enough-length-0123456789';

function clock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
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
  const node = async (redisUrl = REDIS_URL) => {
    const log = capturedLogger();
    const store = new RedisRateWindows({ redisUrl, cluster, secret: SECRET, logger: log.logger });
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
      const viaRelay = await node(`redis://127.0.0.1:${relay.port}`);
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
      // Back: A answers from Redis again, where the failures it counted while stalled arrived late.
      c.advance(1000);
      assert.equal((await onA.check('7.7.7.7', 'carol')).allowed, false);
      assert.equal(viaRelay.store.degraded, false);
      assert.equal(viaRelay.lines('Redis answers again'), 1);
      assert.equal((await onB.check('7.7.7.7', 'carol')).allowed, false, 'the other node sees them too');

      relay.cut();
      assert.equal((await timed(() => onA.check('7.7.7.7', 'carol'))).allowed, false, 'still locked from its own counts');
      assert.deepEqual(await timed(() => onA.check('7.7.7.7', 'dave')), { allowed: true });
      assert.equal(viaRelay.lines('Redis unreachable'), 2, 'a second outage, a second line');
    } finally {
      relay.close();
    }
  });
});

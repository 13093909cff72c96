import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalRateWindows, LoginRateLimiter, WindowLimiter } from './rate-limit.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('LoginRateLimiter', () => {
  it('locks an IP+username after 5 failures in 5 minutes and reports retryAfterSeconds', async () => {
    const c = clock();
    const rl = new LoginRateLimiter({ now: c.now });
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(await rl.check('1.2.3.4', 'alice'), { allowed: true });
      assert.deepEqual(await rl.recordFailure('1.2.3.4', 'alice'), { allowed: true });
      c.advance(10_000);
    }
    // 5th failure at t+40s: locked until the first failure (t+0) leaves the window at t+300s.
    const d = await rl.recordFailure('1.2.3.4', 'alice');
    assert.deepEqual(d, { allowed: false, retryAfterSeconds: 260 });
    assert.deepEqual(await rl.check('1.2.3.4', 'ALICE'), { allowed: false, retryAfterSeconds: 260 }, 'username is case-insensitive');
    // Other pairs are unaffected.
    assert.deepEqual(await rl.check('1.2.3.4', 'bob'), { allowed: true });
    assert.deepEqual(await rl.check('5.6.7.8', 'alice'), { allowed: true });
  });

  it('slides: the lock lifts when the oldest failure leaves the window', async () => {
    const c = clock();
    const rl = new LoginRateLimiter({ now: c.now });
    for (let i = 0; i < 5; i++) {
      await rl.recordFailure('ip', 'u');
      c.advance(60_000);
    }
    // Failures at 0,60,120,180,240 s; now 300 s. 1 ms earlier all five are in the window.
    c.advance(-1);
    assert.deepEqual(await rl.check('ip', 'u'), { allowed: false, retryAfterSeconds: 1 });
    c.advance(1);
    // At 300 s the failure at 0 has just left the window.
    assert.deepEqual(await rl.check('ip', 'u'), { allowed: true });
    // One more failure at 300 s → 5 in window again (60..300), locked until 360 s.
    assert.deepEqual(await rl.recordFailure('ip', 'u'), { allowed: false, retryAfterSeconds: 60 });
  });

  it('a success clears the pair', async () => {
    const c = clock();
    const rl = new LoginRateLimiter({ now: c.now });
    for (let i = 0; i < 4; i++) await rl.recordFailure('ip', 'u');
    await rl.recordSuccess('ip', 'u');
    for (let i = 0; i < 4; i++) await rl.recordFailure('ip', 'u');
    assert.deepEqual(await rl.check('ip', 'u'), { allowed: true });
    await rl.recordFailure('ip', 'u');
    assert.equal((await rl.check('ip', 'u')).allowed, false);
  });

  it('locks an IP that sprays many usernames', async () => {
    const c = clock();
    const rl = new LoginRateLimiter({ now: c.now, maxFailuresPerIp: 20 });
    for (let i = 0; i < 20; i++) await rl.recordFailure('9.9.9.9', `user${i}`);
    const d = await rl.check('9.9.9.9', 'fresh-name');
    assert.equal(d.allowed, false);
    assert.deepEqual(await rl.check('8.8.8.8', 'fresh-name'), { allowed: true });
  });

  it('bounds its memory', async () => {
    const store = new LocalRateWindows(100);
    const rl = new LoginRateLimiter({ store });
    for (let i = 0; i < 1000; i++) await rl.recordFailure(`10.0.${i >> 8}.${i & 255}`, `u${i}`);
    assert.ok(store.size <= 100, `tracked ${store.size}`);
  });
});

describe('WindowLimiter', () => {
  it('take() counts only what it allows; limits sharing a store keep their counts apart', async () => {
    const c = clock();
    const store = new LocalRateWindows();
    const signups = new WindowLimiter(store, { name: 'signups', limit: 2, windowMs: 60_000 }, c.now);
    const tests = new WindowLimiter(store, { name: 'tests', limit: 2, windowMs: 60_000 }, c.now);
    assert.deepEqual(await signups.take('ip'), { allowed: true });
    c.advance(10_000);
    assert.deepEqual(await signups.take('ip'), { allowed: true });
    for (let i = 0; i < 3; i++) assert.deepEqual(await signups.take('ip'), { allowed: false, retryAfterSeconds: 50 });
    assert.deepEqual(await tests.take('ip'), { allowed: true }, 'another limit, the same key');
    c.advance(50_000);
    // The refused takes were not counted: one slot is free again as the first take leaves the window.
    assert.deepEqual(await signups.take('ip'), { allowed: true });
    assert.deepEqual(await signups.check('ip'), { allowed: false, retryAfterSeconds: 10 });
  });
});

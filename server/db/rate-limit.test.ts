import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoginRateLimiter } from './rate-limit.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('LoginRateLimiter', () => {
  it('locks an IP+username after 5 failures in 5 minutes and reports retryAfterSeconds', () => {
    const c = clock();
    const rl = new LoginRateLimiter({ now: c.now });
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(rl.check('1.2.3.4', 'alice'), { allowed: true });
      assert.deepEqual(rl.recordFailure('1.2.3.4', 'alice'), { allowed: true });
      c.advance(10_000);
    }
    // 5th failure at t+40s: locked until the first failure (t+0) leaves the window at t+300s.
    const d = rl.recordFailure('1.2.3.4', 'alice');
    assert.deepEqual(d, { allowed: false, retryAfterSeconds: 260 });
    assert.deepEqual(rl.check('1.2.3.4', 'ALICE'), { allowed: false, retryAfterSeconds: 260 }, 'username is case-insensitive');
    // Other pairs are unaffected.
    assert.deepEqual(rl.check('1.2.3.4', 'bob'), { allowed: true });
    assert.deepEqual(rl.check('5.6.7.8', 'alice'), { allowed: true });
  });

  it('slides: the lock lifts when the oldest failure leaves the window', () => {
    const c = clock();
    const rl = new LoginRateLimiter({ now: c.now });
    for (let i = 0; i < 5; i++) {
      rl.recordFailure('ip', 'u');
      c.advance(60_000);
    }
    // Failures at 0,60,120,180,240 s; now 300 s. 1 ms earlier all five are in the window.
    c.advance(-1);
    assert.deepEqual(rl.check('ip', 'u'), { allowed: false, retryAfterSeconds: 1 });
    c.advance(1);
    // At 300 s the failure at 0 has just left the window.
    assert.deepEqual(rl.check('ip', 'u'), { allowed: true });
    // One more failure at 300 s → 5 in window again (60..300), locked until 360 s.
    assert.deepEqual(rl.recordFailure('ip', 'u'), { allowed: false, retryAfterSeconds: 60 });
  });

  it('a success clears the pair', () => {
    const c = clock();
    const rl = new LoginRateLimiter({ now: c.now });
    for (let i = 0; i < 4; i++) rl.recordFailure('ip', 'u');
    rl.recordSuccess('ip', 'u');
    for (let i = 0; i < 4; i++) rl.recordFailure('ip', 'u');
    assert.deepEqual(rl.check('ip', 'u'), { allowed: true });
    rl.recordFailure('ip', 'u');
    assert.equal(rl.check('ip', 'u').allowed, false);
  });

  it('locks an IP that sprays many usernames', () => {
    const c = clock();
    const rl = new LoginRateLimiter({ now: c.now, maxFailuresPerIp: 20 });
    for (let i = 0; i < 20; i++) rl.recordFailure('9.9.9.9', `user${i}`);
    const d = rl.check('9.9.9.9', 'fresh-name');
    assert.equal(d.allowed, false);
    assert.deepEqual(rl.check('8.8.8.8', 'fresh-name'), { allowed: true });
  });

  it('bounds its memory', () => {
    const rl = new LoginRateLimiter({ maxKeys: 100 });
    for (let i = 0; i < 1000; i++) rl.recordFailure(`10.0.${i >> 8}.${i & 255}`, `u${i}`);
    assert.ok(rl.trackedKeys <= 200, `tracked ${rl.trackedKeys}`);
  });
});

// The pause after a Redis timeout, on a clock the test moves: who may send a command when, how the pause grows and
// ends, and that timeouts of commands already in flight or immediate refusals do not lengthen it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RedisBackoff } from './redis-backoff.js';

function setup() {
  let t = 0;
  const b = new RedisBackoff({ firstPauseMs: 1000, maxPauseMs: 4000, clock: () => t });
  return { b, at: (ms: number) => void (t = ms) };
}

describe('RedisBackoff', () => {
  it('lets every command through while Redis answers', () => {
    const { b } = setup();
    const ends = Array.from({ length: 5 }, () => b.ask());
    assert.ok(ends.every((e) => e !== undefined));
    for (const e of ends) e!('answered');
    assert.equal(b.pausing, false);
  });

  it('pauses after a timeout, probes one at a time when the pause ends, doubles up to the cap, ends on an answer', () => {
    const { b, at } = setup();
    const inFlight = [b.ask()!, b.ask()!, b.ask()!];
    at(200);
    inFlight[0]('timed out');
    // The others were sent before the pause began: their timeouts are the same silence, not a longer one.
    inFlight[1]('timed out');
    inFlight[2]('timed out');
    assert.equal(b.pausing, true);
    at(1199);
    assert.equal(b.ask(), undefined, 'paused for 1 s from the first timeout');
    at(1200);
    const probe = b.ask();
    assert.ok(probe, 'the pause is over: one probe');
    assert.equal(b.ask(), undefined, 'only one probe at a time');
    at(1400);
    probe!('timed out');
    at(3399);
    assert.equal(b.ask(), undefined, 'a failed probe doubles the pause: 2 s');
    at(3400);
    b.ask()!('timed out');
    at(7399);
    assert.equal(b.ask(), undefined, '4 s');
    at(7400);
    b.ask()!('timed out');
    at(11_400);
    const last = b.ask();
    assert.ok(last, 'capped at 4 s');
    last!('answered');
    assert.equal(b.pausing, false);
    assert.ok(b.ask() && b.ask(), 'every command goes to Redis again');
  });

  it('an immediate refusal (connection down) starts no pause, and ends a probe without lengthening it', () => {
    const { b, at } = setup();
    b.ask()!('failed');
    assert.equal(b.pausing, false);
    b.ask()!('timed out');
    at(1000);
    b.ask()!('failed');
    const again = b.ask();
    assert.ok(again, 'the next command may probe at once');
    again!('timed out');
    at(2999);
    assert.equal(b.ask(), undefined, 'the pause doubled from the timeout only');
  });
});

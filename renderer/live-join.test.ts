// When a live viewer is moved to the live position (renderer/shared/live-join.ts); the Player's use of it runs in the
// browser tests (viewer.browser.test.ts: a slow start is moved up, a paused viewer is not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JUMP_COOLDOWN_MS, LiveJoin, type LivePosition } from './shared/live-join.js';

// hls.js at PART-HOLD-BACK 0.6 s of 1 s segments: it plays faster while the playhead is up to 1.6 s behind its sync
// position, and leaves it alone further back.
const ranges = (...r: [number, number][]): TimeRanges => ({ length: r.length, start: (i: number) => r[i]![0], end: (i: number) => r[i]![1] });
const at = (currentTime: number, more: Partial<LivePosition> = {}): LivePosition => ({
  now: 100_000,
  currentTime,
  syncPosition: 50,
  targetLatency: 0.6,
  targetDuration: 1,
  paused: false,
  seeking: false,
  buffered: ranges([currentTime - 5, 50.5]),
  ...more,
});

test("within hls.js's own catch-up range nothing jumps; beyond it, to the sync position", () => {
  const j = new LiveJoin();
  assert.equal(j.jumpTo(at(50)), null);
  assert.equal(j.jumpTo(at(48.5)), null, '1.5 s behind: hls.js plays faster');
  assert.equal(j.jumpTo(at(48.45)), null, '1.55 s behind: still its range');
  assert.equal(j.jumpTo(at(47)), 50, '3 s behind after a slow start: joins live');
});

test('at most one jump per cooldown, so a machine that cannot keep up does not seek in a loop', () => {
  const j = new LiveJoin();
  assert.equal(j.jumpTo(at(46)), 50);
  assert.equal(j.jumpTo(at(46, { now: 100_000 + JUMP_COOLDOWN_MS - 1 })), null);
  assert.equal(j.jumpTo(at(46, { now: 100_000 + JUMP_COOLDOWN_MS })), 50);
});

test('a viewer who paused or sought stays where they chose until they ask for live', () => {
  const j = new LiveJoin();
  j.viewerMoved();
  assert.equal(j.jumpTo(at(30)), null);
  j.backToLive();
  assert.equal(j.jumpTo(at(30)), 50);
});

test('nothing moves while paused, seeking, or before hls.js knows the live position', () => {
  const j = new LiveJoin();
  assert.equal(j.jumpTo(at(40, { paused: true })), null);
  assert.equal(j.jumpTo(at(40, { seeking: true })), null);
  assert.equal(j.jumpTo(at(40, { syncPosition: null })), null);
  assert.equal(j.jumpTo(at(40, { targetLatency: null })), null);
  assert.equal(j.jumpTo(at(40, { targetDuration: null })), null);
  assert.equal(j.jumpTo(at(40)), 50);
});

test('no jump before the media at the live position is there (a start whose first media is late)', () => {
  const j = new LiveJoin();
  assert.equal(j.jumpTo(at(46, { buffered: ranges() })), null, 'nothing buffered yet');
  assert.equal(j.jumpTo(at(46, { buffered: ranges([44, 49]) })), null, 'buffered, but not up to the sync position');
  assert.equal(j.jumpTo(at(46, { buffered: ranges([44, 50.2]) })), 50, 'and the cooldown was not used up by the waits');
});

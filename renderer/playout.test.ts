// When the watch page stops playing out a stream that ended (renderer/viewer/src/pages/playout.ts): after 4 s of
// waiting with no media arriving, not while media still arrives. The page's use of it runs in the browser tests
// (watch-page.browser.test.ts: viewers play to the stream's end, then get the ended card).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PLAYOUT_STALL_MS, playoutStalled } from './viewer/src/pages/playout.js';

test('a waiting player is done after 4 s with no media; media still arriving keeps it playing out', () => {
  const t0 = 1_000_000;
  assert.equal(playoutStalled(t0 + PLAYOUT_STALL_MS - 1, t0, 0), false, 'not yet');
  assert.equal(playoutStalled(t0 + PLAYOUT_STALL_MS, t0, 0), true, '4 s of waiting, nothing arrived');
  assert.equal(playoutStalled(t0 + PLAYOUT_STALL_MS, t0, t0 - 500), true, 'media from before it waited does not count');
  // A slow connection: waiting 9 s in all, a part arrived 1 s ago.
  assert.equal(playoutStalled(t0 + 9000, t0, t0 + 8000), false, 'media arriving restarts the count');
  assert.equal(playoutStalled(t0 + 8000 + PLAYOUT_STALL_MS, t0, t0 + 8000), true, 'then 4 s without');
});

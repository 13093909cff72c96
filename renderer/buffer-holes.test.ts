// Where a waiting player goes on from (renderer/shared/buffer-holes.ts): past a short hole with media after it, never
// past a long one, never while the playhead is buffered. The Player's use of it runs in the browser tests
// (watch-page.browser.test.ts: a viewer at the live edge plays to the stream's end).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atStreamEnd, END_GAP_SECONDS, END_SLACK_SECONDS, holeEnd, MAX_HOLE_SECONDS } from './shared/buffer-holes.js';

function ranges(...r: [number, number][]): TimeRanges {
  return { length: r.length, start: (i: number) => r[i][0], end: (i: number) => r[i][1] };
}

test('a short hole with media after it is jumped; a long one, the live edge and buffered time are not', () => {
  // CI's case: waiting at 10.05 in a 0.18 s hole.
  assert.equal(holeEnd(ranges([4, 4.8], [8.02, 10.02], [10.2, 10.4]), 10.05), 10.2);
  assert.equal(holeEnd(ranges([8.02, 10.02], [10.2, 10.4]), 10.02), 10.2, 'at the end of a range');
  // CI's case too: Chromium waits short of a range's end (10.53 of 10.61), the hole after it 0.21 s.
  assert.equal(holeEnd(ranges([3.41, 10.61], [10.82, 11]), 10.53), 10.82, 'short of the end of a range');
  assert.equal(holeEnd(ranges([8, 10], [10 + MAX_HOLE_SECONDS + 0.5, 14]), 10), null, 'a long hole: content the viewer would miss');
  assert.equal(holeEnd(ranges([8, 10]), 10), null, 'the live edge: nothing after it');
  assert.equal(holeEnd(ranges([8, 10], [10.2, 11]), 9), null, 'buffered where it waits (the decoder is behind)');
  assert.equal(holeEnd(ranges([8, 10], [10.2, 11]), 10 - END_SLACK_SECONDS - 0.01), null, 'more than the slack buffered ahead');
  assert.equal(holeEnd(ranges(), 3), null);
});

test("the end of an ended stream: nothing buffered past the playhead, within a second of the playlist's end", () => {
  // CI's case: an ended stream whose sound stopped 0.04 s before its picture, waiting at 24.39 of 24.47.
  assert.equal(atStreamEnd(ranges([3.62, 5.8], [12.61, 24.43]), 24.39, 24.47), true);
  assert.equal(atStreamEnd(ranges([2.02, 15.42]), 15.33, 16), true, 'sound 0.6 s short: Chromium stops short of its end');
  assert.equal(atStreamEnd(ranges([8, 10]), 10, 10), true, 'at the very end');
  assert.equal(atStreamEnd(ranges([8, 10]), 9, 10), false, 'a second of media ahead');
  assert.equal(atStreamEnd(ranges([8, 10]), 10 - END_SLACK_SECONDS - 0.01, 10), false, 'more than the slack ahead');
  assert.equal(atStreamEnd(ranges([8, 10], [10.5, 12]), 10, 12), false, 'media after a hole');
  // The edge viewer CI saw: 3.6 s of the stream never arrived. Not an end to play over.
  assert.equal(atStreamEnd(ranges([9.2, 14.8]), 14.97, 18.4), false, 'media missing further back than END_GAP_SECONDS');
  assert.equal(atStreamEnd(ranges([8, 10]), 10, 10 + END_GAP_SECONDS + END_SLACK_SECONDS + 0.01), false);
});

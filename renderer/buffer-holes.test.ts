// Where a waiting player goes on from (renderer/shared/buffer-holes.ts): past a short hole with media after it, never
// past a long one, never while the playhead is buffered. The Player's use of it runs in the browser tests
// (watch-page.browser.test.ts: a viewer at the live edge plays to the stream's end).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holeEnd, MAX_HOLE_SECONDS } from './shared/buffer-holes.js';

function ranges(...r: [number, number][]): TimeRanges {
  return { length: r.length, start: (i: number) => r[i][0], end: (i: number) => r[i][1] };
}

test('a short hole with media after it is jumped; a long one, the live edge and buffered time are not', () => {
  // CI's case: waiting at 10.05 in a 0.18 s hole.
  assert.equal(holeEnd(ranges([4, 4.8], [8.02, 10.02], [10.2, 10.4]), 10.05), 10.2);
  assert.equal(holeEnd(ranges([8.02, 10.02], [10.2, 10.4]), 10.02), 10.2, 'at the end of a range');
  assert.equal(holeEnd(ranges([8, 10], [10 + MAX_HOLE_SECONDS + 0.5, 14]), 10), null, 'a long hole: content the viewer would miss');
  assert.equal(holeEnd(ranges([8, 10]), 10), null, 'the live edge: nothing after it');
  assert.equal(holeEnd(ranges([8, 10], [10.2, 11]), 9), null, 'buffered where it waits (the decoder is behind)');
  assert.equal(holeEnd(ranges(), 3), null);
});

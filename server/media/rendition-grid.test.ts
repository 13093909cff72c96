import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceGrid } from './rendition-grid.js';
import { SegmentList } from './segment-list.js';

test('a rendition keyframe begins the source segment whose start lies within the keyframe composition offset before it', () => {
  const list = new SegmentList();
  // Three closed source segments of 1 s (90 kHz), the second after a discontinuity; the fourth is open.
  list.push(0, 90_000, 1000, 1, 0, false);
  list.push(90_000, 90_000, 2000, 1, 0, true);
  list.push(180_000, 90_000, 3000, 1, 0, false);
  let open: { start: number; pdt: number; disc: boolean } | undefined = { start: 270_000, pdt: 4000, disc: false };
  const grid = sourceGrid({ segments: list, open: () => open, keyframeOffsetMs: () => 67 });
  // Presented 67 ms after it is decoded (B-frames): the keyframe that began segment 1.
  assert.deepEqual(grid.boundary(90_000 + 67 * 90), { msn: 1, pdt: 2000, disc: true });
  assert.deepEqual(grid.boundary(0), { msn: 0, pdt: 1000, disc: false });
  // The open segment.
  assert.deepEqual(grid.boundary(270_000 + 30 * 90), { msn: 3, pdt: 4000, disc: false });
  // A keyframe inside a segment (a GOP shorter than the segment) begins none.
  assert.equal(grid.boundary(135_000), undefined);
  assert.equal(grid.boundary(90_000 + 200 * 90), undefined, 'further than the offset');
  assert.equal(grid.boundary(90_000 - 2 * 90), undefined, 'before the start');
  // Once the source has closed it, the same answer from the list.
  list.push(270_000, 90_000, 4000, 1, 0, false);
  open = undefined;
  assert.deepEqual(grid.boundary(270_000 + 30 * 90), { msn: 3, pdt: 4000, disc: false });
  assert.deepEqual(grid.segments(0, 2), [
    { start: 0, duration: 90_000, pdt: 1000, disc: false },
    { start: 90_000, duration: 90_000, pdt: 2000, disc: true },
  ]);
});

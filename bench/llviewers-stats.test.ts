import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latencySummary, sortedQuantile, summarize } from './llviewers-stats.js';
import type { WorkerOutput } from './llviewers-worker.js';

const out = (o: Partial<WorkerOutput>): WorkerOutput => ({
  viewers: 0,
  joined: 0,
  heldInWindow: { video: [], audio: [] },
  latencyMs: { video: [], audio: [] },
  ends: { video: {}, audio: {} },
  statuses: {},
  errors: [],
  heldAfterWindowEnd: 0,
  ...o,
});

test('nearest-rank quantiles', () => {
  const s = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(sortedQuantile(s, 0.5), 5);
  assert.equal(sortedQuantile(s, 0.99), 10);
  assert.equal(sortedQuantile(s, 0), 1);
  assert.ok(Number.isNaN(sortedQuantile([], 0.5)));
  const l = latencySummary([30, 10, 20]);
  assert.deepEqual([l.count, l.p50, l.max], [3, 20, 30]);
});

test('missed parts per viewer over both tracks and workers; parts only viewers saw still count', () => {
  const observed = { video: { '5.0': 1000, '5.1': 1200 }, audio: { '5.0': 1010 } };
  const a = out({
    viewers: 2,
    joined: 2,
    heldInWindow: { video: [2, 1], audio: [1, 1] },
    latencyMs: { video: [10, 20, 30], audio: [40, 50] },
    ends: { video: { '5.0': 1000 }, audio: { '5.0': 1010, '5.1': 1210 } },
    statuses: { part: { 200: 5 }, hint: { 200: 3, 404: 1 } },
    loopDelayMs: { p50: 10, p99: 30, max: 80 },
  });
  // A viewer that never joined holds nothing.
  const b = out({
    viewers: 1,
    joined: 0,
    heldInWindow: { video: [0], audio: [0] },
    statuses: { master: { 0: 50 } },
    loopDelayMs: { p50: 10, p99: 40, max: 60 },
  });
  const s = summarize(observed, [a, b]);
  assert.deepEqual(s.partsInWindow, { video: 2, audio: 2 });
  assert.equal(s.partsOnlyViewersSaw, 1);
  assert.equal(s.deliveriesExpected, 12);
  assert.equal(s.deliveriesHeld, 5);
  // viewer 0: 3 of 4; viewer 1: 2 of 4; viewer 2: 0 of 4.
  assert.equal(s.missedTotal, 7);
  assert.equal(s.missedPerViewerMax, 4);
  assert.equal(s.viewersMissingAny, 3);
  assert.deepEqual([s.viewers, s.joined], [3, 2]);
  assert.equal(s.latency.count, 5);
  assert.equal(s.latency.p50, 30);
  assert.equal(s.latencyByTrack.audio.max, 50);
  assert.deepEqual(s.non200, { 'hint 404': 1, 'master 0': 50 });
  assert.equal(s.statuses.part['200'], 5);
  assert.deepEqual(s.clientLoopDelayMs, { p99: 40, max: 80 });
});

test('more held than listed (a count racing the window edge) is not a negative miss', () => {
  const s = summarize({ video: { '1.0': 1 }, audio: {} }, [out({ viewers: 1, joined: 1, heldInWindow: { video: [3], audio: [0] } })]);
  assert.equal(s.missedTotal, 0);
  assert.equal(s.deliveriesHeld, 1);
});

// The shown bitrate and frame rate: bytes and frames over the last 2 s of samples, whatever their period.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BITRATE_WINDOW_MS, SlidingRate } from './sliding-rate.js';

test('bytes over the last window: a keyframe burst is spread over it, a stall shows within it', () => {
  const r = new SlidingRate();
  assert.equal(r.kbps(), null, 'nothing to say before two samples');
  r.push(0, 0, 0);
  assert.equal(r.kbps(), null);
  // 1000 kb/s as 125,000 bytes a second, reported four times a second, with a 60 KB keyframe each second.
  let bytes = 0;
  let frames = 0;
  for (let t = 250; t <= 10_000; t += 250) {
    bytes += 125_000 / 4 - 15_000 + (t % 1000 === 0 ? 60_000 : 0);
    frames += 7.5;
    r.push(t, bytes, frames);
    if (t >= BITRATE_WINDOW_MS) {
      assert.ok(Math.abs(r.kbps()! - 1000) <= 130, `${r.kbps()} kb/s at ${t} ms`);
      assert.ok(Math.abs(r.fps()! - 30) <= 0.1, `${r.fps()} fps at ${t} ms`);
    }
  }
  // Nothing sent for a second: half the window is empty, and a whole window later nothing is shown.
  r.push(11_000, bytes, frames);
  assert.ok(r.kbps()! < 600, `${r.kbps()} kb/s after a second of nothing`);
  r.push(12_000, bytes, frames);
  r.push(13_000, bytes, frames);
  assert.equal(r.kbps(), 0);
});

test('once a second (ffmpeg): the window spans two reports; counters that start again start the window again', () => {
  const r = new SlidingRate();
  for (let s = 0; s <= 5; s++) r.push(s * 1000, s * 250_000, s * 30);
  assert.equal(r.kbps(), 2000);
  assert.equal(r.fps(), 30);
  r.push(6000, 10_000, 5);
  assert.equal(r.kbps(), null);
});

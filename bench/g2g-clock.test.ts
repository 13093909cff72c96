import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODE, FRAME, STRIP, decodeClock, paintBackground, paintClock, stripRect } from './g2g-clock.js';

type Gray = { data: Uint8Array; width: number; height: number };

function frameWith(value: number, background = false): Gray {
  const data = new Uint8Array(FRAME.width * FRAME.height).fill(90);
  if (background) paintBackground(data, 17);
  paintClock(data, value);
  return { data, width: FRAME.width, height: FRAME.height };
}

/** Bilinear sample of `img` over the rectangle r, into a w x h picture: what canvas drawImage does, roughly. */
function resample(img: Gray, r: { x: number; y: number; w: number; h: number }, w: number, h: number): Gray {
  const out = new Uint8Array(w * h);
  const at = (x: number, y: number) => img.data[Math.min(img.height - 1, Math.max(0, y)) * img.width + Math.min(img.width - 1, Math.max(0, x))];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = r.x + ((x + 0.5) * r.w) / w - 0.5;
      const sy = r.y + ((y + 0.5) * r.h) / h - 0.5;
      const x0 = Math.floor(sx),
        y0 = Math.floor(sy),
        fx = sx - x0,
        fy = sy - y0;
      const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
      const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
      out[y * w + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return { data: out, width: w, height: h };
}

/** Separable box blur of radius r (a soft encoder or scaler). */
function blur(img: Gray, r: number): Gray {
  const { width: w, height: h } = img;
  const tmp = new Float32Array(w * h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += img.data[y * w + Math.min(w - 1, Math.max(0, x + k))];
      tmp[y * w + x] = s / (2 * r + 1);
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x];
      out[y * w + x] = Math.round(s / (2 * r + 1));
    }
  }
  return { data: out, width: w, height: h };
}

/** Levels squeezed to video range (16-235) plus deterministic noise of +-amp: compression and colour conversion. */
function degrade(img: Gray, amp: number): Gray {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const data = img.data.map((v) => Math.max(0, Math.min(255, Math.round(16 + (v * 219) / 255 + amp * rnd()))));
  return { ...img, data };
}

/** RGBA copy of a gray picture, as a canvas getImageData gives it. */
function rgba(img: Gray): Uint8ClampedArray {
  const out = new Uint8ClampedArray(img.width * img.height * 4);
  img.data.forEach((v, i) => out.set([v, v, v, 255], i * 4));
  return out;
}

function readBack(img: Gray): number | undefined {
  const strip = resample(img, stripRect(img.width, img.height), STRIP.width, STRIP.height);
  return decodeClock(rgba(strip), strip.width, strip.height, 4);
}

const VALUES = [0, 1, 2 ** 48 - 1, 0xaaaaaaaaaaaa, 0x555555555555, 1_764_000_000_123, Date.now()];

test('clock values survive paint and read at the frame size', () => {
  for (const v of VALUES) assert.equal(readBack(frameWith(v)), v, `value ${v}`);
});

test('the code read straight from the gray frame (one channel) gives the value too', () => {
  const f = frameWith(1_764_000_000_999, true);
  const strip = resample(f, { x: CODE.x, y: CODE.y, w: CODE.width, h: CODE.height }, CODE.width, CODE.height);
  assert.equal(decodeClock(strip.data, strip.width, strip.height, 1), 1_764_000_000_999);
});

test('a blurred, scaled-down, noisy frame with a moving background still decodes', () => {
  for (const v of [Date.now(), 0xaaaaaaaaaaaa]) {
    const soft = degrade(blur(frameWith(v, true), 3), 24);
    for (const [w, h] of [
      [853, 480],
      [640, 360],
      [1920, 1080],
    ]) {
      const scaled = resample(soft, { x: 0, y: 0, w: soft.width, h: soft.height }, w, h);
      assert.equal(readBack(scaled), v, `value ${v} at ${w}x${h}`);
    }
  }
});

test('no code, a flat picture or one damaged pair is rejected, not misread', () => {
  const flat = { data: new Uint8Array(FRAME.width * FRAME.height).fill(128), width: FRAME.width, height: FRAME.height };
  assert.equal(readBack(flat), undefined);
  const bg = { data: new Uint8Array(FRAME.width * FRAME.height), width: FRAME.width, height: FRAME.height };
  paintBackground(bg.data, 3);
  assert.equal(readBack(bg), undefined);
  const damaged = frameWith(Date.now());
  // Block 20's pair painted over with one gray: that bit cannot be read, so the value is not trusted.
  for (let y = CODE.y; y < CODE.y + CODE.height; y++) damaged.data.fill(128, y * FRAME.width + CODE.x + 20 * 24, y * FRAME.width + CODE.x + 21 * 24);
  assert.equal(readBack(damaged), undefined);
  assert.equal(decodeClock(new Uint8Array(10), 5, 2, 1), undefined);
});

test('values outside 48 bits are refused when painting', () => {
  const f = new Uint8Array(FRAME.width * FRAME.height);
  assert.throws(() => paintClock(f, 2 ** 48), RangeError);
  assert.throws(() => paintClock(f, -1), RangeError);
  assert.throws(() => paintClock(f, 1.5), RangeError);
});

// The wall clock painted into video frames and read back from a player's picture. Pure code: the publisher paints
// with it (bench/g2g-painter.ts), the page in Chromium decodes with it (bench/g2g-probe.ts, bundled by esbuild),
// and bench/g2g-clock.test.ts checks the round trip through blur and scaling.
//
// The code is two rows of 48 blocks of 24x24 px in a mid-gray quiet zone near the top of a 1280x720 frame: row A
// holds the value's bits, most significant first (white = 1), row B right under it their complement. A bit is read
// by comparing its two blocks, so no black/white threshold has to be guessed (x264, the player's scaler and the
// colour conversion all shift levels) and every bit is checked: a pair without clear contrast rejects the frame.

export const FRAME = { width: 1280, height: 720, fps: 30 } as const;
export const CLOCK_BITS = 48;
export const BLOCK_PX = 24;
/** The code's rectangle in a FRAME-sized picture: both rows, nothing else. */
export const CODE = { x: (FRAME.width - CLOCK_BITS * BLOCK_PX) / 2, y: 48, width: CLOCK_BITS * BLOCK_PX, height: 2 * BLOCK_PX } as const;
/** Mid-gray margin around the code, so the background's edges stay out of the blocks' neighbourhood. */
const QUIET_PX = 16;
const BLACK = 0;
const WHITE = 255;
const QUIET_GRAY = 128;
/** Least |A - B| (0-255) for a pair to count as read; black against white arrives as about 200+ after x264. */
export const MIN_CONTRAST = 64;
/** The size a reader draws the code rectangle at before decoding: 8x8 px per block. */
export const STRIP = { width: CLOCK_BITS * 8, height: 2 * 8 } as const;

const MAX_VALUE = 2 ** CLOCK_BITS - 1;

/** Pixels the background moves left per frame: motion for the encoder to work on, as a camera picture gives it. */
const SCROLL_PX = 4;
let pattern: Uint8Array | undefined;

/**
 * Fill a FRAME-sized gray picture with frame `n` of a smoothly scrolling pattern (sine waves and a checkerboard of
 * 64 px squares). Rows are copied from a pattern twice the frame's width, so a frame costs one copy per row.
 */
export function paintBackground(frame: Uint8Array, n: number): void {
  const w = FRAME.width;
  const h = FRAME.height;
  if (!pattern) {
    pattern = new Uint8Array(2 * w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < 2 * w; x++) {
        const wave = 55 * Math.sin((2 * Math.PI * x) / 160 + (2 * Math.PI * y) / 240);
        const check = (((x >> 6) + (y >> 6)) & 1) * 40;
        pattern[y * 2 * w + x] = Math.max(0, Math.min(255, Math.round(100 + wave + check)));
      }
    }
  }
  const off = (n * SCROLL_PX) % w;
  for (let y = 0; y < h; y++) frame.set(pattern.subarray(y * 2 * w + off, y * 2 * w + off + w), y * w);
}

/** Paint `value` (an integer 0..2^48-1, e.g. Date.now()) into a FRAME-sized 8-bit gray picture. */
export function paintClock(frame: Uint8Array, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_VALUE) throw new RangeError(`clock value out of range: ${value}`);
  const w = FRAME.width;
  for (let y = CODE.y - QUIET_PX; y < CODE.y + CODE.height + QUIET_PX; y++) {
    frame.fill(QUIET_GRAY, y * w + CODE.x - QUIET_PX, y * w + CODE.x + CODE.width + QUIET_PX);
  }
  for (let i = 0; i < CLOCK_BITS; i++) {
    const bit = Math.floor(value / 2 ** (CLOCK_BITS - 1 - i)) % 2;
    const a = bit ? WHITE : BLACK;
    const b = bit ? BLACK : WHITE;
    const x0 = CODE.x + i * BLOCK_PX;
    for (let dy = 0; dy < BLOCK_PX; dy++) {
      const rowA = (CODE.y + dy) * w;
      const rowB = (CODE.y + BLOCK_PX + dy) * w;
      frame.fill(a, rowA + x0, rowA + x0 + BLOCK_PX);
      frame.fill(b, rowB + x0, rowB + x0 + BLOCK_PX);
    }
  }
}

/** The code's rectangle in a picture of `width` x `height` (the same frame, scaled). */
export function stripRect(width: number, height: number): { x: number; y: number; w: number; h: number } {
  const sx = width / FRAME.width;
  const sy = height / FRAME.height;
  return { x: CODE.x * sx, y: CODE.y * sy, w: CODE.width * sx, h: CODE.height * sy };
}

/** Mean level of the inner half (each way) of a cell, over the first three channels (or the only one). */
function cellMean(data: ArrayLike<number>, width: number, channels: number, x0: number, y0: number, cw: number, ch: number): number {
  const xa = Math.floor(x0 + cw / 4);
  const xb = Math.max(xa + 1, Math.ceil(x0 + (3 * cw) / 4));
  const ya = Math.floor(y0 + ch / 4);
  const yb = Math.max(ya + 1, Math.ceil(y0 + (3 * ch) / 4));
  const planes = Math.min(3, channels);
  let sum = 0;
  let n = 0;
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) {
      const p = (y * width + x) * channels;
      for (let c = 0; c < planes; c++) sum += data[p + c];
      n += planes;
    }
  }
  return sum / n;
}

/**
 * The value painted in a picture of exactly the code rectangle (see stripRect; `channels` 4 for canvas RGBA, 1 for
 * gray), or undefined when any bit pair lacks contrast (no code there, or a picture too damaged to trust).
 */
export function decodeClock(data: ArrayLike<number>, width: number, height: number, channels: number): number | undefined {
  if (width < CLOCK_BITS || height < 2 || data.length < width * height * channels) return undefined;
  const cw = width / CLOCK_BITS;
  const ch = height / 2;
  let value = 0;
  for (let i = 0; i < CLOCK_BITS; i++) {
    const a = cellMean(data, width, channels, i * cw, 0, cw, ch);
    const b = cellMean(data, width, channels, i * cw, ch, cw, ch);
    if (Math.abs(a - b) < MIN_CONTRAST) return undefined;
    value = value * 2 + (a > b ? 1 : 0);
  }
  return value;
}

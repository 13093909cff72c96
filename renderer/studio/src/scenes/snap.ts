// Direct manipulation in the preview, as pure geometry: a layer moved or resized by a pointer, its edges and centre
// pulled to the canvas's edges and centre lines when they come within a few pixels.
import type { ItemPlacement } from '../../engine/scene/commands.js';

export type Corner = 'nw' | 'ne' | 'sw' | 'se';
/** In canvas pixels. */
export const SNAP_PX = 12;
const MIN_SIZE = 8;

/** The smallest correction that brings one of `points` onto one of `lines`, if within `threshold`. */
function pull(points: number[], lines: number[], threshold: number): number {
  let best = 0;
  let bestAbs = threshold + 1;
  for (const p of points)
    for (const l of lines) {
      const d = l - p;
      if (Math.abs(d) < bestAbs) {
        best = d;
        bestAbs = Math.abs(d);
      }
    }
  return bestAbs <= threshold ? best : 0;
}

export function moveBox(start: ItemPlacement, dx: number, dy: number, cw: number, ch: number, threshold = SNAP_PX): ItemPlacement {
  const x = start.x + dx;
  const y = start.y + dy;
  const sx = pull([x, x + start.w / 2, x + start.w], [0, cw / 2, cw], threshold);
  const sy = pull([y, y + start.h / 2, y + start.h], [0, ch / 2, ch], threshold);
  return { x: Math.round(x + sx), y: Math.round(y + sy), w: start.w, h: start.h };
}

export function resizeBox(start: ItemPlacement, corner: Corner, dx: number, dy: number, cw: number, ch: number, threshold = SNAP_PX): ItemPlacement {
  let left = start.x;
  let top = start.y;
  let right = start.x + start.w;
  let bottom = start.y + start.h;
  const xs = [0, cw / 2, cw];
  const ys = [0, ch / 2, ch];
  if (corner === 'nw' || corner === 'sw') left = Math.min(right - MIN_SIZE, left + dx + pull([left + dx], xs, threshold));
  else right = Math.max(left + MIN_SIZE, right + dx + pull([right + dx], xs, threshold));
  if (corner === 'nw' || corner === 'ne') top = Math.min(bottom - MIN_SIZE, top + dy + pull([top + dy], ys, threshold));
  else bottom = Math.max(top + MIN_SIZE, bottom + dy + pull([bottom + dy], ys, threshold));
  return { x: Math.round(left), y: Math.round(top), w: Math.round(right - left), h: Math.round(bottom - top) };
}

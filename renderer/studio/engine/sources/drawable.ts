// What every open source gives the compositor: something that draws itself (cropped) into a rectangle of a canvas.
import type { Crop } from '../scene/model.js';

export type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type SourceStatus =
  | { state: 'opening' }
  /** Opens only from a user's click (`start`): the browser's screen picker needs one, and must not pop up by itself. */
  | { state: 'waiting'; reason: string }
  | { state: 'ready' }
  | { state: 'failed'; reason: string };

export interface Drawable {
  readonly status: SourceStatus;
  /** Draws the source's picture, less the crop, stretched into `dst`. Draws nothing while opening. */
  draw(ctx: Ctx2D, crop: Crop, dst: Rect): void;
  /** For a source `waiting` for the user: opens it (call from a click handler). */
  start?(): void;
  /** Releases what the source holds (camera, screen capture); drawing afterwards draws nothing. */
  close(): void;
}

/** Draws `image` (natural size `iw`×`ih`) cropped into dst; nothing when it has no size yet. */
export function drawCropped(ctx: Ctx2D, image: CanvasImageSource, iw: number, ih: number, crop: Crop, dst: Rect): void {
  if (!iw || !ih) return;
  const sx = crop.left * iw;
  const sy = crop.top * ih;
  const sw = iw * (1 - crop.left - crop.right);
  const sh = ih * (1 - crop.top - crop.bottom);
  if (sw <= 0 || sh <= 0) return;
  ctx.drawImage(image, sx, sy, sw, sh, dst.x, dst.y, dst.w, dst.h);
}

/** What a source that could not open shows in its place: a dark box with the reason, so the layout stays legible. */
export function drawUnavailable(ctx: Ctx2D, reason: string, dst: Rect): void {
  ctx.save();
  ctx.fillStyle = '#2a2a2a';
  ctx.fillRect(dst.x, dst.y, dst.w, dst.h);
  ctx.fillStyle = '#bbbbbb';
  ctx.font = `${Math.max(10, Math.min(24, dst.h / 8))}px sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(reason, dst.x + dst.w / 2, dst.y + dst.h / 2, dst.w - 8);
  ctx.restore();
}

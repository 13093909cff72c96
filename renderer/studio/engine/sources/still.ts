// Sources that are pictures the page makes itself: a colour, an image from a URL, a line of text.
import type { Crop } from '../scene/model.js';
import { drawCropped, drawUnavailable, type Ctx2D, type Drawable, type Rect, type SourceStatus } from './drawable.js';

export function colorSource(color: string): Drawable {
  return {
    status: { state: 'ready' },
    draw(ctx, _crop, dst) {
      ctx.fillStyle = color;
      ctx.fillRect(dst.x, dst.y, dst.w, dst.h);
    },
    close() {},
  };
}

export function imageSource(url: string): Drawable {
  const img = new Image();
  // Loaded without credentials and CORS-checked, so the canvas stays readable by the encoder (a tainted canvas is not).
  img.crossOrigin = 'anonymous';
  let status: SourceStatus = { state: 'opening' };
  img.onload = () => (status = { state: 'ready' });
  img.onerror = () => (status = { state: 'failed', reason: 'The image could not be loaded (or its server does not allow it).' });
  img.src = url;
  return {
    get status() {
      return status;
    },
    draw(ctx: Ctx2D, crop: Crop, dst: Rect) {
      if (status.state === 'failed') drawUnavailable(ctx, 'Image not available', dst);
      else if (status.state === 'ready') drawCropped(ctx, img, img.naturalWidth, img.naturalHeight, crop, dst);
    },
    close() {
      img.src = '';
    },
  };
}

/** The text is rendered once into its own canvas (one line, its own size), then drawn scaled into the layer. */
export function textSource(text: string, color: string, size: number): Drawable {
  const pad = Math.ceil(size / 4);
  const probe = new OffscreenCanvas(1, 1).getContext('2d')!;
  const font = `600 ${size}px system-ui, sans-serif`;
  probe.font = font;
  const width = Math.max(1, Math.ceil(probe.measureText(text).width) + 2 * pad);
  const height = Math.ceil(size * 1.3) + 2 * pad;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.font = font;
  ctx.fillStyle = color;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, pad, height / 2);
  return {
    status: { state: 'ready' },
    draw(target, crop, dst) {
      // Kept in proportion, centred in the layer: text stretched out of shape reads badly.
      const scale = Math.min(dst.w / width, dst.h / height);
      const w = width * scale;
      const h = height * scale;
      drawCropped(target, canvas, width, height, crop, { x: dst.x + (dst.w - w) / 2, y: dst.y + (dst.h - h) / 2, w, h });
    },
    close() {},
  };
}

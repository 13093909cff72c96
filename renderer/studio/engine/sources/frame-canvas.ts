// A video source's newest picture as RGB pixels in a canvas of its own, converted once per picture the source gives.
// Drawing a <video> or a VideoFrame into a 2D canvas converts its YUV picture again at every draw, in software where
// there is no GPU (headless Chromium on this 2-core box: 12-15 ms a 720p picture, whatever the layer's size, for each
// layer on each canvas, so "Screen + camera" cost 50-65 ms a frame). VideoFrame.copyTo with an RGBA format converts
// with libyuv (0.5 ms a 720p picture) and putImageData takes 0.7 ms; the compositor then draws plain RGB.
import { drawCropped, type Ctx2D, type Rect } from './drawable.js';
import type { Crop } from '../scene/model.js';

export class FrameCanvas {
  private canvas: OffscreenCanvas | null = null;
  private ctx: OffscreenCanvasRenderingContext2D | null = null;
  private pixels: ImageData | null = null;
  /** VideoFrame.copyTo converts to RGBA here (Chromium 127+); else each picture is drawn into the canvas once. */
  private copyToRgba = true;
  private converting = false;
  private cleared = false;
  /** Size of the picture held (0 before the first). */
  width = 0;
  height = 0;
  /** Pictures converted, and dropped because the one before was still converting. */
  converted = 0;
  dropped = 0;

  /** Takes `frame` (and closes it): converted, unless the one before is still converting (then dropped). */
  async put(frame: VideoFrame): Promise<void> {
    if (this.converting) {
      this.dropped++;
      return frame.close();
    }
    this.converting = true;
    try {
      const { width, height } = frame.visibleRect ?? { width: frame.displayWidth, height: frame.displayHeight };
      // A new size gets a new canvas, put in place once it holds the picture (draws meanwhile show the last one).
      const same = this.canvas?.width === width && this.canvas.height === height;
      const canvas = same ? this.canvas! : new OffscreenCanvas(width, height);
      const ctx = same ? this.ctx! : canvas.getContext('2d', { alpha: false })!;
      const pixels = same ? this.pixels! : new ImageData(width, height);
      if (this.copyToRgba) {
        try {
          await frame.copyTo(pixels.data, { format: 'RGBA', colorSpace: 'srgb' } as VideoFrameCopyToOptions);
          ctx.putImageData(pixels, 0, 0);
        } catch {
          this.copyToRgba = false;
        }
      }
      if (!this.copyToRgba) ctx.drawImage(frame, 0, 0, width, height);
      if (!this.cleared) {
        this.canvas = canvas;
        this.ctx = ctx;
        this.pixels = pixels;
        this.width = width;
        this.height = height;
      }
      this.converted++;
    } finally {
      frame.close();
      this.converting = false;
    }
  }

  /** Draws the newest picture, less the crop, stretched into `dst`; nothing before the first. */
  draw(ctx: Ctx2D, crop: Crop, dst: Rect): void {
    if (this.canvas && this.width) drawCropped(ctx, this.canvas, this.width, this.height, crop, dst);
  }

  get hasPicture(): boolean {
    return this.width > 0;
  }

  /** Lets the pixels go (the source closed). */
  clear(): void {
    this.cleared = true;
    this.canvas = null;
    this.ctx = null;
    this.pixels = null;
    this.width = this.height = 0;
  }
}

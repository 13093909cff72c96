// The program preview: while a broadcast runs, the same ffmpeg that encodes the stream also writes the picture it
// sends, small and twice a second, as JPEG frames to a pipe of its own (fd 3). The Studio shows them, as OBS shows
// its program output: a second capture of the source would fight the broadcast for the device (a camera opens
// once) and could show something else than what is sent. Pure, except the frame splitter's buffer.
import type { FfmpegOutput } from '../../server/ffmpeg/args.js';

/** Frames a second: enough to see the picture move, a negligible cost beside the encode. */
export const PREVIEW_FPS = 2;
/** Width of a preview frame; the height follows the output's aspect. */
export const PREVIEW_WIDTH = 640;
/** The child's file descriptor the frames are written to (0-2 are stdin, progress and stderr). */
export const PREVIEW_FD = 3;
/** A frame bigger than this is not a preview frame: the splitter drops what it holds and looks for the next. */
export const MAX_PREVIEW_FRAME_BYTES = 2 * 1024 * 1024;

/** The preview size for an output size: PREVIEW_WIDTH wide (or narrower outputs as they are), even sides. */
export function previewSize(width: number, height: number): { width: number; height: number } {
  const w = Math.min(PREVIEW_WIDTH, width);
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return { width: even(w), height: even((w * height) / width) };
}

/**
 * The preview's filter chain from a picture of any size: the rate first (so only two frames a second are scaled),
 * then the same fit as the program (scaled into the frame keeping aspect, letterboxed).
 */
export function previewFilter(outWidth: number, outHeight: number): string {
  const { width: w, height: h } = previewSize(outWidth, outHeight);
  return `fps=${PREVIEW_FPS},scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1`;
}

/** The second output of the broadcast command: `map` (a stream or a filter label) as MJPEG frames on PREVIEW_FD. */
export function previewOutput(map: string, filters?: string[]): FfmpegOutput {
  return {
    url: `pipe:${PREVIEW_FD}`,
    format: 'image2pipe',
    maps: [map],
    audio: 'none',
    // q:v 7: small frames (about 15-40 kB at 640 px) that still show text legibly.
    video: { codec: 'mjpeg', filters, options: { 'q:v': 7 } },
  };
}

/**
 * Splits ffmpeg's MJPEG byte stream into whole JPEG files: each runs from its start marker (FF D8) to its end marker
 * (FF D9). Inside a JPEG's coded data an FF byte is always followed by 00 or a restart marker, so FF D9 only ends it.
 */
export class JpegFrames {
  private buf: Buffer = Buffer.alloc(0);
  /** Where to resume the search for the end marker (bytes before it were searched already). */
  private scanFrom = 2;

  constructor(private readonly maxFrameBytes = MAX_PREVIEW_FRAME_BYTES) {}

  /** Adds bytes; returns the frames they complete (often none, sometimes several). */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Buffer[] = [];
    for (;;) {
      const start = this.buf.indexOf(SOI);
      if (start < 0) {
        // Keep a trailing FF: it may be the first half of the next start marker.
        this.buf = this.buf.subarray(this.buf.length && this.buf[this.buf.length - 1] === 0xff ? this.buf.length - 1 : this.buf.length);
        this.scanFrom = 2;
        return frames;
      }
      if (start > 0) {
        this.buf = this.buf.subarray(start);
        this.scanFrom = 2;
      }
      const end = this.buf.indexOf(EOI, Math.max(2, this.scanFrom - 1));
      if (end < 0) {
        if (this.buf.length > this.maxFrameBytes) {
          // No end in sight: not a frame we can use. Resynchronise on the next start marker.
          this.buf = this.buf.subarray(2);
          this.scanFrom = 2;
          continue;
        }
        this.scanFrom = this.buf.length;
        return frames;
      }
      frames.push(Buffer.from(this.buf.subarray(0, end + 2)));
      this.buf = this.buf.subarray(end + 2);
      this.scanFrom = 2;
    }
  }
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

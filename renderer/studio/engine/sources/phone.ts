// An Android phone's screen over USB as a layer: main records it (adb screenrecord) and sends its H.264 cut into
// access units with the avcC and codec string (electron/main/core/phone-feed.ts); here a WebCodecs VideoDecoder turns
// them into VideoFrames and the newest one is drawn, like a camera's picture. Each frame is converted to RGB and closed
// at once (a decoder has few to hand out, and holding them stalls it).
import { decodeMediaChunk } from '../../../../electron/media-chunk.js';
import type { FeedMessage } from '../../../../electron/source-feed.js';
import { drawUnavailable, type Drawable, type SourceStatus } from './drawable.js';
import { FrameCanvas } from './frame-canvas.js';
import type { FeedOpener } from './source-feed.js';

/** Pictures waiting in the decoder beyond this: the rest are dropped up to the next keyframe (the page cannot keep up). */
const MAX_DECODE_QUEUE = 30;

export function phoneSource(serial: string, open: FeedOpener): Drawable {
  let status: SourceStatus = { state: 'opening' };
  /** A failure nothing will mend (adb missing, no phone): drawn as such instead of the last picture. */
  let fatal = false;
  let closed = false;
  /** The newest picture, in RGB (converted once, drawn on every canvas). */
  const frames = new FrameCanvas();
  let decoder: VideoDecoder | null = null;
  let video: { codec: string; width: number; height: number } | null = null;
  let config: VideoDecoderConfig | null = null;
  /** Until a keyframe reaches the (new) decoder, other pictures cannot be decoded. */
  let needKey = true;

  const fail = (reason: string, final: boolean) => {
    status = { state: 'failed', reason };
    fatal ||= final;
  };
  const configure = () => {
    if (!config) return;
    if (!decoder || decoder.state === 'closed') {
      decoder = new VideoDecoder({
        output: (f) => {
          if (closed) return f.close();
          void frames.put(f);
          if (!fatal) status = { state: 'ready' };
        },
        // The decoder is closed after an error: a new one takes the next keyframe (a restarted screenrecord sends one).
        error: (e) => {
          if (closed) return;
          decoder = null;
          needKey = true;
          if (e.name === 'NotSupportedError') fail(`This phone's video (${config?.codec}) cannot be decoded here.`, true);
        },
      });
    }
    try {
      decoder.configure(config);
    } catch (err) {
      fail(`This phone's video cannot be decoded here: ${(err as Error).message}`, true);
    }
    needKey = true;
  };

  const onMessage = (m: FeedMessage) => {
    if (closed) return;
    if (!(m instanceof Uint8Array)) {
      if (m.type === 'video') video = { codec: m.codec, width: m.width, height: m.height };
      else if (m.state === 'failed') fail(m.reason ?? "The phone's screen could not be recorded.", true);
      else if (m.state === 'reconnecting') fail(`${m.reason ?? 'The phone went away.'} Trying again…`, false);
      return;
    }
    const c = decodeMediaChunk(m);
    if (c instanceof Error || fatal) return;
    if (c.kind === 'video-config') {
      if (!video) return;
      // A new stream (the next screenrecord, the phone turned): configured afresh from its own avcC.
      config = { codec: video.codec, description: c.data.slice(), codedWidth: video.width, codedHeight: video.height, optimizeForLatency: true };
      configure();
      return;
    }
    if (c.kind !== 'video-key' && c.kind !== 'video-delta') return;
    const key = c.kind === 'video-key';
    if (!decoder) configure();
    if (!decoder || (needKey && !key)) return;
    if (!key && decoder.decodeQueueSize > MAX_DECODE_QUEUE) {
      needKey = true;
      return;
    }
    needKey = false;
    decoder.decode(new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp: c.timestampUs, data: c.data }));
  };

  const stop = open({ kind: 'phone', serial }, onMessage, (reason) => fail(reason, true));
  return {
    get status() {
      return status;
    },
    draw(ctx, crop, dst) {
      if (frames.hasPicture && !fatal) frames.draw(ctx, crop, dst);
      else if (status.state === 'failed') drawUnavailable(ctx, status.reason, dst);
    },
    close() {
      closed = true;
      stop();
      if (decoder && decoder.state !== 'closed') decoder.close();
      frames.clear();
    },
  };
}

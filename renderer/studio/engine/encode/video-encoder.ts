// One H.264 encoder per canvas, as the compositor's FrameSink: each drawn frame becomes a VideoFrame at the
// session time the compositor gives, keyframes are forced by timestamp every keyframeSeconds, and a frame is
// dropped (and counted) when the encoder already holds too many: a late picture is worse than a missing one.
import type { FrameSink } from '../types.js';
import { copyBytes, sameBytes } from './bytes.js';
import type { EncodeCounters } from './counters.js';

export interface EncodedVideo {
  kind: 'video-config' | 'video-key' | 'video-delta';
  timestampUs: number;
  data: Uint8Array;
}

/** Frames waiting in the encoder beyond which new ones are dropped (about 100 ms at 30 fps). */
export const MAX_ENCODE_QUEUE = 3;

export class CanvasVideoEncoder implements FrameSink {
  private readonly encoder: VideoEncoder;
  private nextKeyUs: number | null = null;
  private lastUs = -Infinity;
  private pendingKey = false;
  private description: Uint8Array | null = null;
  private readonly submitted = new Map<number, number>();
  /** Timestamps of the keyframes we asked for (see output()). */
  private readonly forced = new Set<number>();
  private closed = false;

  constructor(
    config: VideoEncoderConfig,
    private readonly keyframeSeconds: number,
    private readonly out: (chunk: EncodedVideo) => void,
    private readonly counters: EncodeCounters,
    private readonly onError: (err: Error) => void,
  ) {
    this.encoder = new VideoEncoder({
      output: (chunk, meta) => this.output(chunk, meta),
      error: (e) => this.onError(e),
    });
    this.encoder.configure(config);
  }

  frame(canvas: HTMLCanvasElement | OffscreenCanvas, timestampUs: number): void {
    if (this.closed) return;
    this.counters.framesIn++;
    const intervalUs = this.keyframeSeconds * 1_000_000;
    const due = this.pendingKey || this.nextKeyUs === null || timestampUs >= this.nextKeyUs;
    // A keyframe that is due is never dropped: the schedule matters more than a moment's queue.
    if (timestampUs <= this.lastUs || (!due && this.encoder.encodeQueueSize >= MAX_ENCODE_QUEUE)) {
      this.counters.dropped++;
      return;
    }
    this.lastUs = timestampUs;
    const keyFrame = due;
    this.pendingKey = false;
    // The next one a full interval after this one (not on a fixed grid): a late keyframe followed by a punctual
    // one would make a GOP shorter than the interval, and a server cuts segments only at a keyframe at least a
    // segment target after the last cut, so that GOP would double a segment.
    if (keyFrame) {
      this.nextKeyUs = timestampUs + intervalUs;
      this.forced.add(timestampUs);
    }
    const frame = new VideoFrame(canvas, { timestamp: timestampUs });
    this.submitted.set(timestampUs, performance.now());
    try {
      this.encoder.encode(frame, { keyFrame });
    } finally {
      frame.close();
    }
  }

  /** Ask for a keyframe on the next frame (a new connection to the server starts on one). */
  requestKeyframe(): void {
    if (this.nextKeyUs !== null) this.pendingKey = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.encoder.flush().catch(() => undefined);
    if (this.encoder.state !== 'closed') this.encoder.close();
  }

  private output(chunk: EncodedVideoChunk, meta?: EncodedVideoChunkMetadata): void {
    const started = this.submitted.get(chunk.timestamp);
    // Frames the encoder skipped (rate control) never come out: forget what was older than this one.
    for (const t of this.submitted.keys()) if (t < chunk.timestamp) this.submitted.delete(t);
    for (const t of this.forced) {
      if (t >= chunk.timestamp) continue;
      // A keyframe we asked for was skipped: ask again on the next frame rather than wait a whole interval.
      this.forced.delete(t);
      this.requestKeyframe();
    }
    if (started !== undefined) {
      this.submitted.delete(chunk.timestamp);
      this.counters.encodeTook(performance.now() - started);
    }
    const desc = meta?.decoderConfig?.description;
    if (desc) {
      const bytes = copyBytes(desc);
      if (!this.description || !sameBytes(this.description, bytes)) {
        this.description = bytes;
        this.out({ kind: 'video-config', timestampUs: chunk.timestamp, data: bytes });
      }
    }
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    // Encoders add keyframes of their own at scene cuts (a flash, a cut between cameras). Those stay ordinary
    // frames to the server (an IDR decodes fine unmarked), so segments and the keyframe cadence keep the schedule.
    const scheduled = this.forced.delete(chunk.timestamp);
    this.out({ kind: chunk.type === 'key' && scheduled ? 'video-key' : 'video-delta', timestampUs: chunk.timestamp, data });
  }
}

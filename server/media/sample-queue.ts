// The segmenter's queue of the open segment's frames: parallel arrays, one entry per frame (no per-frame objects on
// the hot path), and the fragment tracks cut from ranges of them.
import { mediaSlabs } from './media-slabs.js';
import { AUDIO_TRACK_ID, VIDEO_TRACK_ID, type FragmentTrack } from './mp4.js';

/**
 * Each queued frame's bytes are held (media-slabs.ts) from push to drop, or until they go into a segment, which then
 * holds them until its files are written (SegmentStore).
 */
export class SampleQueue {
  vData: Buffer[] = [];
  vDts: number[] = [];
  vCts: number[] = [];
  vKey: number[] = [];
  aData: Buffer[] = [];
  aDts: number[] = [];
  /** Bytes of media queued. */
  bytes = 0;

  /** Video frames [v0, nv) as a fragment track; the last one lasts until `end` (the next frame's time). */
  videoTrack(v0: number, nv: number, end: number): FragmentTrack {
    const n = nv - v0;
    const durations = new Array<number>(n);
    for (let i = 0; i < n; i++) durations[i] = (v0 + i + 1 < nv ? this.vDts[v0 + i + 1] : end) - this.vDts[v0 + i];
    return {
      id: VIDEO_TRACK_ID,
      baseDecodeTime: this.vDts[v0],
      count: n,
      data: this.vData.slice(v0, nv),
      durations,
      keyframes: this.vKey.slice(v0, nv),
      cts: this.vCts.slice(v0, nv),
    };
  }

  /**
   * Audio frames [a0, na) as a fragment track. A frame lasts until the next queued frame (or `nextAudioDts` for
   * the last), else one `frameLength`.
   */
  audioTrack(a0: number, na: number, frameLength: number, nextAudioDts?: number): FragmentTrack {
    const n = na - a0;
    const durations = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const k = a0 + i;
      const next = k + 1 < this.aDts.length ? this.aDts[k + 1] : k + 1 === na && nextAudioDts !== undefined ? nextAudioDts : undefined;
      durations[i] = next !== undefined && next > this.aDts[k] ? next - this.aDts[k] : frameLength;
    }
    return { id: AUDIO_TRACK_ID, baseDecodeTime: this.aDts[a0], count: n, data: this.aData.slice(a0, na), durations };
  }

  /** Forgets the queued video. */
  dropVideo(): void {
    for (const d of this.vData) {
      this.bytes -= d.length;
      mediaSlabs.release(d);
    }
    this.vData.length = 0;
    this.vDts.length = 0;
    this.vCts.length = 0;
    this.vKey.length = 0;
  }

  /** Forgets the oldest `k` audio frames. */
  dropAudio(k: number): void {
    for (let i = 0; i < k; i++) {
      this.bytes -= this.aData[i].length;
      mediaSlabs.release(this.aData[i]);
    }
    this.aData.splice(0, k);
    this.aDts.splice(0, k);
  }

  /** The video went into a segment: new arrays (the segment's fragments keep the old ones' buffers). */
  takeVideo(): void {
    this.vData = [];
    this.vDts = [];
    this.vCts = [];
    this.vKey = [];
    this.bytes = 0;
  }

  /** The first `na` audio frames went into a segment; the rest stay queued (and counted again in `bytes`). */
  takeAudio(na: number): void {
    if (na === this.aData.length) {
      this.aData = [];
      this.aDts = [];
    } else {
      this.aData.splice(0, na);
      this.aDts.splice(0, na);
    }
    for (const d of this.aData) this.bytes += d.length;
  }
}

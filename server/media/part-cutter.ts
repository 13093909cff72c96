// Low-Latency HLS parts of the open segment, cut from the segmenter's queue as frames arrive. A part closes on the
// last video frame boundary that keeps it within the part target (audio-only: an audio frame boundary); its audio
// is the audio frames that start before that boundary, so both tracks' part N cover the same time. Between part
// boundaries, while anyone waits for or reads the open part, frames whose durations are known are handed on at once
// as chunks of the part (hinted parts stream while they are cut); with no reader they wait for one or for the part's
// close, so a stream nobody watches at the edge builds one fragment a part, not one a frame. The segmenter decides
// segments; this decides parts within them. Pure: no I/O, no timers.

import { VIDEO_TIMESCALE, type FragmentTrack } from './mp4.js';
import type { SampleQueue } from './sample-queue.js';
import type { CutPart, SegmenterOutput } from './segmenter-output.js';

/** Frame timestamps are whole milliseconds: a part this much over the part target still fits it. */
const PART_TOLERANCE_TICKS = 90;

/** The tracks of the init in use, as parts need them. */
export interface PartLayout {
  hasVideo: boolean;
  hasAudio: boolean;
  /** Audio sample rate (1 without audio) and samples per audio frame. */
  sampleRate: number;
  frameLength: number;
}

export class PartCutter {
  layout: PartLayout = { hasVideo: false, hasAudio: false, sampleRate: 1, frameLength: 1024 };
  /** Parts closed in the open segment. */
  count = 0;
  /** Queue indexes where the open part begins. */
  private video = 0;
  private audio = 0;
  /** Queue indexes of the first frames of the open part not yet handed on in a chunk. */
  private chunkVideo = 0;
  private chunkAudio = 0;

  constructor(
    private readonly q: SampleQueue,
    private readonly out: SegmenterOutput,
    /** Part target on the 90 kHz timeline. */
    private readonly partTicks: number,
    /** What the first part of a segment says about the segment it opens. */
    private readonly opens: () => NonNullable<CutPart['opens']>,
  ) {}

  /**
   * A video frame at `dts` is about to join the open part: close the part before it when the frame would take the
   * part past the part target (judged by the last frame duration `lastDuration`), so that parts stay within
   * PART-TARGET.
   */
  beforeVideo(dts: number, lastDuration: number): void {
    const nv = this.q.vData.length;
    if (nv <= this.video) return;
    const partStart = this.q.vDts[this.video];
    if (dts - partStart + lastDuration <= this.partTicks + PART_TOLERANCE_TICKS) return;
    const limit = (dts * this.layout.sampleRate) / VIDEO_TIMESCALE;
    let na = this.audio;
    while (na < this.q.aData.length && this.q.aDts[na] < limit) na++;
    this.close(nv, na, dts);
  }

  /** Audio-only: close the part before an audio frame at `dts` that would take it past the part target. */
  beforeAudio(dts: number): void {
    const na = this.q.aData.length;
    if (na <= this.audio || !this.layout.hasAudio) return;
    const { sampleRate: sr, frameLength } = this.layout;
    const ticks = ((dts + frameLength - this.q.aDts[this.audio]) * VIDEO_TIMESCALE) / sr;
    if (ticks <= this.partTicks + PART_TOLERANCE_TICKS) return;
    this.close(0, na, Math.round((dts * VIDEO_TIMESCALE) / sr), dts);
  }

  /**
   * Hands on the open part's frames whose durations are now known: the video frames queued before a video frame at
   * `dts` (undefined for audio-only streams), and the audio frames starting before it whose next frame is queued.
   * close() computes the same durations for them, so the chunks are the part.
   */
  chunkBefore(dts: number | undefined): void {
    if (!this.out.partChunksWanted()) return;
    const v0 = this.chunkVideo;
    const a0 = this.chunkAudio;
    let video: FragmentTrack | undefined;
    let na = a0;
    if (dts !== undefined) {
      const nv = this.q.vData.length;
      if (nv > v0) {
        video = this.q.videoTrack(v0, nv, dts);
        this.chunkVideo = nv;
      }
      const limit = (dts * this.layout.sampleRate) / VIDEO_TIMESCALE;
      while (na + 1 < this.q.aData.length && this.q.aDts[na] < limit) na++;
    } else {
      na = Math.max(a0, this.q.aData.length - 1);
    }
    let audio: FragmentTrack | undefined;
    if (this.layout.hasAudio && na > a0) {
      audio = this.audioTrack(a0, na);
      this.chunkAudio = na;
    }
    if (video || audio) this.out.partChunk({ index: this.count, video, audio });
  }

  /**
   * The segment's last part when no frame follows it (the stream's end, a new init): its audio is every audio frame
   * left, which may run on past its last picture. Where that would take the audio part past its PART-TARGET (the
   * part target and one audio frame, manifests.ts), a part closes first at the earliest video frame from which the
   * rest fits. Frames already handed on as the open part's chunks (a reader streams it) stay in it: the split comes
   * after them. Sound that outlasts the picture by more than that still goes in whole, over the target: nothing
   * the publisher sent is dropped.
   */
  closeLast(nv: number, na: number, end: number): void {
    const { hasVideo, hasAudio, sampleRate: sr, frameLength } = this.layout;
    if (hasVideo && hasAudio && na > this.audio && nv > this.video + 1) {
      const audioEnd = this.q.aDts[na - 1] + frameLength;
      const fits = (a: number) => audioEnd - this.q.aDts[a] <= (this.partTicks * sr) / VIDEO_TIMESCALE + frameLength;
      let a = this.audio;
      for (let k = Math.max(this.video + 1, this.chunkVideo); k < nv && !fits(this.audio); k++) {
        const limit = (this.q.vDts[k] * sr) / VIDEO_TIMESCALE;
        while (a < na && this.q.aDts[a] < limit) a++;
        if (a < na && a >= this.chunkAudio && fits(a)) this.close(k, a, this.q.vDts[k]);
      }
    }
    this.close(nv, na, end);
  }

  /**
   * Emits the open part: video frames [video, nv), audio frames [audio, na), ending at `end` (90 kHz; the next
   * frame's time). `nextAudioDts`: the audio frame after the part, when known (audio-only streams).
   */
  close(nv: number, na: number, end: number, nextAudioDts?: number): void {
    const v0 = this.video;
    const a0 = this.audio;
    let video: FragmentTrack | undefined;
    let audio: FragmentTrack | undefined;
    let start: number;
    if (this.layout.hasVideo) {
      if (nv <= v0) return;
      start = this.q.vDts[v0];
      video = this.q.videoTrack(v0, nv, end);
    } else {
      if (na <= a0) return;
      start = Math.round((this.q.aDts[a0] * VIDEO_TIMESCALE) / this.layout.sampleRate);
    }
    if (this.layout.hasAudio && na > a0) audio = this.audioTrack(a0, na, nextAudioDts);
    this.chunkRest(nv, na, end, nextAudioDts);
    const length = Math.max(1, end - start);
    const part: CutPart = {
      index: this.count,
      start,
      // Within the tolerance past the target (millisecond timestamps; the stream's last part, which ends on its last
      // frame's estimated duration): listed at the target, which bounds every EXT-X-PART (RFC 8216bis 4.4.4.9).
      duration: length > this.partTicks && length <= this.partTicks + PART_TOLERANCE_TICKS ? this.partTicks : length,
      independent: video ? video.keyframes![0] === 1 : true,
      video,
      hasAudio: this.layout.hasAudio,
      audio,
    };
    if (this.count === 0) part.opens = this.opens();
    this.count++;
    this.video = nv;
    this.audio = na;
    this.chunkVideo = nv;
    this.chunkAudio = na;
    this.out.part(part);
  }

  /** The segment was cut: the next part is its first. */
  segmentCut(): void {
    this.count = 0;
    this.video = 0;
    this.audio = 0;
    this.chunkVideo = 0;
    this.chunkAudio = 0;
  }

  /** The queue's video was dropped. */
  videoDropped(): void {
    this.video = 0;
    this.chunkVideo = 0;
  }

  /** The queue's first `k` audio frames were dropped. */
  audioDropped(k: number): void {
    this.audio = Math.max(0, this.audio - k);
    this.chunkAudio = Math.max(0, this.chunkAudio - k);
  }

  /** Hands on the open part's frames not yet in a chunk, up to video frame nv and audio frame na, as its last chunk. */
  private chunkRest(nv: number, na: number, end: number, nextAudioDts?: number): void {
    let video: FragmentTrack | undefined;
    let audio: FragmentTrack | undefined;
    if (this.layout.hasVideo && nv > this.chunkVideo) video = this.q.videoTrack(this.chunkVideo, nv, end);
    if (this.layout.hasAudio && na > this.chunkAudio) audio = this.audioTrack(this.chunkAudio, na, nextAudioDts);
    this.chunkVideo = nv;
    this.chunkAudio = na;
    if (video || audio) this.out.partChunk({ index: this.count, video, audio });
  }

  private audioTrack(a0: number, na: number, nextAudioDts?: number): FragmentTrack {
    return this.q.audioTrack(a0, na, this.layout.frameLength, nextAudioDts);
  }
}

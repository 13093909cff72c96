// The segmenter's open segment and its closing: the queue of the segment's frames (SampleQueue) and its parts
// (PartCutter), the init they belong to, the queue's bookkeeping (frames dropped, the bound on its size), and the cut
// that turns what is queued into a CutSegment for the SegmenterOutput. Segmenter (segmenter.ts) extends it with the
// decisions: the timeline, configs and inits, and which frame closes a segment. A base class rather than a helper
// object so that the per-frame path reads the queue and the init's tracks as the segmenter's own fields, no extra hop.

import { AUDIO_TRACK_ID, VIDEO_TIMESCALE, VIDEO_TRACK_ID, type FragmentTrack } from './mp4.js';
import { silentTrack } from './audio-silence.js';
import { SampleQueue } from './sample-queue.js';
import { PartCutter } from './part-cutter.js';
import { PACKAGER_LIMITS, type CutSegment, type PackagerStats, type SegmenterOutput } from './segmenter-output.js';
import type { AudioConfig } from './segment-index.js';

export abstract class SegmentCutter {
  readonly stats: PackagerStats = { skippedMessages: 0, droppedFrames: 0, timestampJumps: 0, forcedCuts: 0, writeErrors: 0 };

  /** An init matching the current configs has been decided; segments may be cut. */
  protected ready = false;
  /** Segments cut so far. */
  protected cuts = 0;
  /** The audio config and the tracks of the init currently in use. */
  protected initAudio?: AudioConfig;
  protected initHasVideo = false;
  protected initHasAudio = false;
  protected initIndex = -1;
  /** The last video frame's duration (90 kHz): what the last frame of a flushed segment lasts. */
  protected lastVideoDur = 3000;

  /** The open segment's frames. */
  protected readonly q = new SampleQueue();
  protected segWall = 0;
  /** Where the media timeline (90 kHz) met the wall clock (ms): at the first segment, and again after a discontinuity. */
  private anchor: { ticks: number; wall: number } | undefined;
  protected pendingDiscontinuity = false;
  /** Set after a forced cut: the next segment may begin with a non-keyframe. */
  protected forcedOpen = false;
  /** Parts of the open segment; undefined without a part target. */
  protected readonly parts?: PartCutter;

  constructor(
    protected readonly out: SegmenterOutput,
    protected readonly now: () => number,
    partSeconds: number,
  ) {
    const partTicks = partSeconds > 0 ? Math.round(partSeconds * VIDEO_TIMESCALE) : 0;
    if (partTicks > 0) {
      this.parts = new PartCutter(this.q, out, partTicks, () => ({
        disc: this.pendingDiscontinuity && this.cuts > 0,
        init: this.initIndex,
        pdt: this.segWall || this.now(),
      }));
    }
  }

  /**
   * The wall clock (ms) of media time `ticks` (90 kHz), for a segment's PROGRAM-DATE-TIME: the media timeline from
   * where it met the wall clock, so that dates advance exactly as the segments' durations. Players align an audio
   * playlist to the video's by their dates (hls.js), and each segment's own arrival time carried the ingest's jitter
   * (an event loop 0.1-0.3 s late under load): hls.js then placed the audio parts that far off and skipped the first
   * audio part of a segment, a hole the video stalled at. A discontinuity (a publisher back, a new config) ties the
   * timeline to the wall clock again.
   */
  protected wallAt(ticks: number): number {
    if (!this.anchor || this.pendingDiscontinuity) this.anchor = { ticks, wall: this.now() };
    return this.anchor.wall + (ticks - this.anchor.ticks) / 90;
  }

  // ------------------------------------------------------------ queues and cutting

  protected dropVideo(): void {
    this.parts?.videoDropped();
    this.q.dropVideo();
  }

  protected dropAudio(k: number): void {
    this.parts?.audioDropped(k);
    this.q.dropAudio(k);
  }

  protected enforceQueueBound(): void {
    if (this.q.bytes <= PACKAGER_LIMITS.maxQueueBytes && this.q.vData.length + this.q.aData.length <= PACKAGER_LIMITS.maxQueueSamples) return;
    if (this.ready && (this.q.vData.length > 0 || (!this.initHasVideo && this.q.aData.length > 0))) {
      // A publisher without keyframes: keep the stream moving rather than growing without bound.
      this.stats.forcedCuts++;
      this.cut(undefined);
      this.forcedOpen = this.initHasVideo;
      return;
    }
    this.stats.droppedFrames += this.q.vData.length + this.q.aData.length;
    this.dropVideo();
    this.dropAudio(this.q.aData.length);
  }

  /** Close the open segment now (end of stream or of a part). */
  protected flush(): void {
    if (!this.ready) return;
    if (this.initHasVideo ? this.q.vData.length > 0 : this.q.aData.length > 0) this.cut(undefined);
  }

  /**
   * Close the queued samples into one segment. `nextVideoDts`: DTS of the keyframe that starts the next segment
   * (undefined at a flush). `nextAudioDts`: same for audio-only streams.
   */
  protected cut(nextVideoDts: number | undefined, nextAudioDts?: number): void {
    let videoTrack: FragmentTrack | undefined;
    let audioTrack: FragmentTrack | undefined;
    let start: number;
    let end: number;
    const sr = this.initAudio?.info.sampleRate ?? 1;
    const nv = this.q.vData.length;
    let na = this.q.aData.length;
    if (this.initHasVideo) {
      if (nv === 0) return;
      const durations = new Array<number>(nv);
      for (let i = 0; i < nv - 1; i++) durations[i] = this.q.vDts[i + 1] - this.q.vDts[i];
      durations[nv - 1] = nextVideoDts !== undefined ? nextVideoDts - this.q.vDts[nv - 1] : this.lastVideoDur;
      start = this.q.vDts[0];
      end = this.q.vDts[nv - 1] + durations[nv - 1];
      videoTrack = {
        id: VIDEO_TRACK_ID,
        baseDecodeTime: this.q.vDts[0],
        count: nv,
        data: this.q.vData,
        durations,
        keyframes: this.q.vKey,
        cts: this.q.vCts,
      };
      if (nextVideoDts !== undefined) {
        const limit = (nextVideoDts * sr) / VIDEO_TIMESCALE;
        na = 0;
        while (na < this.q.aData.length && this.q.aDts[na] < limit) na++;
      }
    } else {
      if (na === 0) return;
      start = Math.round((this.q.aDts[0] * VIDEO_TIMESCALE) / sr);
      const audioEnd = nextAudioDts ?? this.q.aDts[na - 1] + (this.initAudio?.info.frameLength ?? 1024);
      end = Math.round((audioEnd * VIDEO_TIMESCALE) / sr);
    }
    if (this.initHasAudio && na > 0) {
      const durations = new Array<number>(na);
      for (let i = 0; i < na - 1; i++) durations[i] = this.q.aDts[i + 1] - this.q.aDts[i];
      const frame = this.initAudio?.info.frameLength ?? 1024;
      durations[na - 1] =
        na < this.q.aDts.length ? this.q.aDts[na] - this.q.aDts[na - 1] : nextAudioDts !== undefined ? nextAudioDts - this.q.aDts[na - 1] : frame;
      if (durations[na - 1] <= 0) durations[na - 1] = frame;
      audioTrack = { id: AUDIO_TRACK_ID, baseDecodeTime: this.q.aDts[0], count: na, data: this.q.aData.slice(0, na), durations };
    }
    if (this.initHasVideo && nextVideoDts === undefined) this.parts?.closeLast(nv, na, end);
    else if (this.initHasVideo) this.parts?.close(nv, na, end);
    else this.parts?.close(0, na, end, nextAudioDts);
    const disc = this.pendingDiscontinuity && this.cuts > 0;
    this.pendingDiscontinuity = false;
    const pdt = this.segWall || this.now();
    // A segment with no audio (the publisher's audio paused) still gets its audio file, so that numbers stay
    // contiguous for the DASH template: AAC silence where we have a silent frame for the config (ffmpeg's dash
    // demuxer stops at an empty fragment), else an empty fragment listed as EXT-X-GAP in HLS.
    if (this.initHasAudio && !audioTrack && this.initAudio) audioTrack = silentTrack(this.initAudio.info, start, end);
    const segment: CutSegment = {
      start,
      end,
      pdt,
      disc,
      init: this.initIndex,
      video: videoTrack,
      hasAudio: this.initHasAudio,
      audio: audioTrack,
      audioRate: sr,
      parts: this.parts?.count ?? 0,
    };
    this.cuts++;
    this.parts?.segmentCut();
    // Release the queue (the fragment keeps its own references).
    this.q.takeVideo();
    this.q.takeAudio(na);
    this.segWall = 0;
    this.out.segment(segment);
  }
}

// The segmenter: media frames in, segments out. It owns the timeline (publisher timestamps mapped onto one
// continuous, monotonic media time, across clock jumps and publisher returns), the codec configs (a new init when
// they change), and the cut rule: a segment closes at the first video keyframe at or after the target duration
// (audio-only: at the first audio frame), or when its queue outgrows PACKAGER_LIMITS. Pure: no I/O, no timers;
// what it decides goes to its SegmenterOutput (the segment store).
//
// With a part target (Low-Latency HLS), the open segment is also cut into parts as frames arrive (PartCutter). Parts
// flow whatever the keyframe interval; a segment still closes only at a keyframe, as its last part.
//
// This file decides; the open segment's queue, its bookkeeping and the cut itself are segment-cutter.ts (extended here).

import { mediaSlabs } from './media-slabs.js';
import type { MediaFrame, StreamMetadata, VideoCodecId } from './frame.js';
import { VIDEO_TIMESCALE } from './mp4.js';
import { MediaTimeline } from './media-timeline.js';
import { SegmentCutter } from './segment-cutter.js';
import { PACKAGER_LIMITS, type GridBoundary, type SegmenterOutput, type SegmentGrid } from './segmenter-output.js';

export {
  LOW_LATENCY_LIMITS,
  PACKAGER_LIMITS,
  type CutPart,
  type PartChunk,
  type CutSegment,
  type GridBoundary,
  type GridSegment,
  type PackagerStats,
  type SegmentGrid,
  type SegmenterOutput,
} from './segmenter-output.js';
import { audioConfig, videoConfig, type AudioConfig, type VideoConfig } from './segment-index.js';

const sameBuf = (a: Buffer | undefined, b: Buffer | undefined): boolean => a === b || (a !== undefined && b !== undefined && a.equals(b));

export class Segmenter extends SegmentCutter {
  private readonly segmentTicks: number;

  private meta?: StreamMetadata;
  /** The current configs (undefined after a reset until the publisher sends them again). */
  video?: VideoConfig;
  audio?: AudioConfig;
  /** The video config of the init currently in use (for reuse across discontinuities). */
  private initVideo?: VideoConfig;

  private readonly timeline: MediaTimeline;
  private lastVideoDts = -1;
  private audioNext?: number;

  /** A grid's first segment has been placed (after the gaps before it, if any). */
  private gapsListed = false;

  constructor(
    segmentSeconds: number,
    out: SegmenterOutput,
    now: () => number,
    partSeconds = 0,
    /**
     * Cut where another stream cut (an ABR rendition follows its source): frame times are already on the source's
     * timeline, segments begin at the keyframes the grid names, video only.
     */
    private readonly grid?: SegmentGrid,
  ) {
    super(out, now, partSeconds);
    this.timeline = new MediaTimeline(grid !== undefined);
    this.segmentTicks = Math.round(segmentSeconds * VIDEO_TIMESCALE);
  }

  push(frame: MediaFrame): void {
    try {
      if (frame.track === 'data') {
        const m = frame.meta;
        if (m) {
          this.meta = m;
          this.out.meta(m);
        }
      } else if (frame.codec === '') {
        this.stats.skippedMessages++;
      } else if (frame.kind === 'other') {
        // end of sequence: nothing to package
      } else if (frame.track === 'video') {
        this.pushVideo(frame);
      } else {
        this.pushAudio(frame);
      }
    } catch (err) {
      // Defensive: parsers do not throw on bad input, but a bug must not take the RTMP session down.
      this.stats.skippedMessages++;
      this.out.error(err);
    }
  }

  discontinuity(): void {
    this.flush();
    this.resetForNewPart();
    // Continue the timeline where the last part ended, so it stays monotonic for players and the MPD.
    let endMs = this.timeline.last ?? 0;
    if (this.lastVideoDts >= 0) endMs = Math.max(endMs, (this.lastVideoDts + this.lastVideoDur) / 90);
    if (this.audioNext !== undefined && this.initAudio) {
      endMs = Math.max(endMs, (this.audioNext * 1000) / this.initAudio.info.sampleRate);
    }
    this.timeline.rebase(endMs);
    this.audioNext = undefined;
  }

  /** The open segment's start (90 kHz), wall clock and discontinuity, or undefined when none is open. */
  openSegment(): { start: number; pdt: number; disc: boolean } | undefined {
    if (!this.ready || this.q.vData.length === 0) return undefined;
    return { start: this.q.vDts[0], pdt: this.segWall || this.now(), disc: this.pendingDiscontinuity && this.cuts > 0 };
  }

  /** Closes the open segment (end of stream). */
  end(): void {
    this.flush();
  }

  // ------------------------------------------------------------ timeline

  /** A publisher time (ms) on the media timeline as mapped so far, or undefined before the first frame. */
  mediaTime(ms: number): number | undefined {
    return this.timeline.peek(ms);
  }

  private mapTime(ms: number): number {
    const o = this.timeline.map(ms);
    this.stats.timestampJumps = this.timeline.jumps;
    return o;
  }

  // ------------------------------------------------------------ video

  /**
   * A keyframe with RTMP timestamp `ts` has begun to arrive (the session saw its first chunk): the segment it closes
   * is cut now, by the rule pushVideo applies to the whole frame, so players learn of the segment while the rest of
   * the keyframe is still on the wire. The keyframe, once in, opens the next segment as usual.
   */
  keyframeStarting(ts: number): void {
    if (!this.ready || !this.initHasVideo || !this.video) return;
    const o = this.timeline.peekSteady(ts); // undefined before the first frame, or a jump pushVideo folds away
    if (o === undefined) return;
    const dts = this.videoDts(o);
    if (this.keyframeCloses(dts)) this.cut(dts);
  }

  /** The video DTS (90 kHz) of a frame at output time `o` ms: strictly after the last one. */
  private videoDts(o: number): number {
    const dts = Math.round(o * 90);
    return dts <= this.lastVideoDts ? this.lastVideoDts + 90 : dts;
  }

  /** A keyframe at `dts` closes the open segment once that holds about a segment's length. */
  private keyframeCloses(dts: number): boolean {
    return this.q.vData.length > 0 && dts - this.q.vDts[0] >= this.segmentTicks - PACKAGER_LIMITS.cutToleranceMs * 90;
  }

  private pushVideo(frame: MediaFrame): void {
    const codec = frame.codec as VideoCodecId;
    if (frame.kind === 'config') {
      if (this.video && this.video.codec === codec && sameBuf(this.video.record, frame.data)) return;
      let config: VideoConfig;
      try {
        config = videoConfig(codec, Buffer.from(frame.data));
      } catch {
        this.stats.skippedMessages++;
        return;
      }
      if (this.ready) this.configChanged();
      this.video = config;
      return;
    }
    const keyframe = frame.kind === 'key';
    if (!this.video || codec !== this.video.codec || frame.data.length === 0) {
      this.stats.droppedFrames++;
      return;
    }
    const o = this.mapTime(frame.dts);
    if (this.q.vData.length === 0 && !keyframe && !this.forcedOpen) {
      // Segments start on keyframes: wait for one.
      this.stats.droppedFrames++;
      return;
    }
    const dts = this.videoDts(o);
    const onGrid = this.grid && keyframe ? this.grid.boundary(dts + Math.round(frame.cts * 90)) : undefined;
    if (this.grid && this.q.vData.length === 0 && !onGrid && !this.forcedOpen) {
      // A rendition's segments begin where the source's do: wait for such a keyframe.
      this.stats.droppedFrames++;
      return;
    }
    if (!this.ready) this.checkReady();
    const parts = this.ready && this.initHasVideo ? this.parts : undefined;
    parts?.chunkBefore(dts);
    const closes = this.grid ? onGrid !== undefined && this.q.vData.length > 0 : keyframe && this.keyframeCloses(dts);
    if (this.ready && this.initHasVideo && closes) this.cut(dts);
    else parts?.beforeVideo(dts, this.lastVideoDur);
    if (this.q.vData.length === 0) this.opensSegment(dts, onGrid);
    if (this.q.vData.length > 0) this.lastVideoDur = dts - this.q.vDts[this.q.vDts.length - 1];
    mediaSlabs.hold(frame.data);
    this.q.vData.push(frame.data);
    this.q.vDts.push(dts);
    this.q.vCts.push(Math.round(frame.cts * 90));
    this.q.vKey.push(keyframe ? 1 : 0);
    this.lastVideoDts = dts;
    this.forcedOpen = false;
    this.q.bytes += frame.data.length;
    this.enforceQueueBound();
  }

  /** The open segment gets its first frame: its wall clock, and on a grid its discontinuity and number. */
  private opensSegment(dts: number, onGrid: GridBoundary | undefined): void {
    if (!onGrid) {
      this.segWall = this.wallAt(dts);
      return;
    }
    this.segWall = onGrid.pdt;
    if (onGrid.disc) this.pendingDiscontinuity = true;
    // Started after the source's first segments: those numbers are listed without media.
    if (this.cuts === 0 && !this.gapsListed && onGrid.msn > 0) this.out.gaps?.(this.grid!.segments(0, onGrid.msn));
    this.gapsListed = true;
  }

  // ------------------------------------------------------------ audio

  private pushAudio(frame: MediaFrame): void {
    if (frame.kind === 'config') {
      if (this.audio && sameBuf(this.audio.asc, frame.data)) return;
      let config: AudioConfig;
      try {
        config = audioConfig(Buffer.from(frame.data));
      } catch {
        this.stats.skippedMessages++;
        return;
      }
      if (config.info.sampleRate <= 0) {
        this.stats.skippedMessages++;
        return;
      }
      if (this.ready) this.configChanged();
      this.audio = config;
      return;
    }
    if (!this.audio || frame.data.length === 0) {
      this.stats.droppedFrames++;
      return;
    }
    const o = this.mapTime(frame.dts);
    if (this.ready && !this.initHasAudio) {
      this.stats.droppedFrames++;
      return;
    }
    const sr = this.audio.info.sampleRate;
    const cand = Math.round((o * sr) / 1000);
    let dts: number;
    if (this.audioNext === undefined) dts = cand;
    else if (cand > this.audioNext + sr / 10)
      dts = cand; // gap in the publisher's audio: keep it
    else dts = this.audioNext; // jitter or overlap: stay sample-exact and contiguous
    this.audioNext = dts + this.audio.info.frameLength;
    if (!this.ready) this.checkReady();
    if (this.ready && !this.initHasVideo && this.q.aData.length > 0) {
      if ((dts - this.q.aDts[0]) * (VIDEO_TIMESCALE / sr) >= this.segmentTicks - PACKAGER_LIMITS.cutToleranceMs * 90) this.cut(undefined, dts);
      else this.parts?.beforeAudio(dts);
    }
    if (this.q.aData.length === 0 && !this.initHasVideo) this.segWall = this.wallAt(Math.round((dts * VIDEO_TIMESCALE) / sr));
    mediaSlabs.hold(frame.data);
    this.q.aData.push(frame.data);
    this.q.aDts.push(dts);
    this.q.bytes += frame.data.length;
    if (this.ready && !this.initHasVideo) this.parts?.chunkBefore(undefined);
    this.enforceQueueBound();
  }

  // ------------------------------------------------------------ init

  private checkReady(): void {
    const v = this.video !== undefined;
    const a = this.audio !== undefined;
    if (!v && !a) return;
    if (!(v && a)) {
      const waited = this.timeline.span();
      const announced = v ? this.announcesAudio() : this.announcesVideo();
      let wait = announced === undefined ? PACKAGER_LIMITS.configWaitMs : announced ? PACKAGER_LIMITS.announcedConfigWaitMs : 0;
      if (this.grid) wait = 0; // a rendition is video only
      if (waited < wait) return;
      if (v && this.q.vData.length === 0) return; // nothing to start with yet
    }
    if (v && this.q.vData.length === 0) return; // wait for the first keyframe before deciding
    this.becomeReady();
  }

  private announcesAudio(): boolean | undefined {
    if (!this.meta) return undefined;
    return this.meta.audiocodecid !== undefined || (this.meta.audiodatarate ?? 0) > 0 || (this.meta.audiosamplerate ?? 0) > 0;
  }

  private announcesVideo(): boolean | undefined {
    if (!this.meta) return undefined;
    return this.meta.videocodecid !== undefined || (this.meta.width ?? 0) > 0 || (this.meta.videodatarate ?? 0) > 0;
  }

  private becomeReady(): void {
    this.ready = true;
    const hasV = this.video !== undefined;
    const hasA = this.audio !== undefined;
    if (hasV) {
      // Audio that precedes the first keyframe cannot be in a segment that starts with it.
      const firstMs = this.q.vDts[0] / 90;
      const sr = this.audio?.info.sampleRate ?? 1;
      let k = 0;
      while (k < this.q.aDts.length && (this.q.aDts[k] * 1000) / sr < firstMs - 1) k++;
      if (k > 0) this.dropAudio(k);
    } else {
      this.dropVideo();
    }
    const same =
      this.initIndex >= 0 &&
      this.initHasVideo === hasV &&
      this.initHasAudio === hasA &&
      sameBuf(this.initVideo?.record, this.video?.record) &&
      this.initVideo?.codec === this.video?.codec &&
      sameBuf(this.initAudio?.asc, this.audio?.asc);
    this.initVideo = this.video;
    this.initAudio = this.audio;
    this.initHasVideo = hasV;
    this.initHasAudio = hasA;
    if (this.parts) {
      const info = this.audio?.info;
      this.parts.layout = { hasVideo: hasV, hasAudio: hasA, sampleRate: info?.sampleRate ?? 1, frameLength: info?.frameLength ?? 1024 };
    }
    if (same) return;
    this.initIndex++;
    this.out.init(this.initIndex, { video: this.video, audio: this.audio });
  }

  /** A sequence header changed mid-stream: close the segment and start a new part with a new init. */
  private configChanged(): void {
    const { video, audio } = this;
    this.flush();
    this.resetForNewPart();
    this.video = video;
    this.audio = audio;
  }

  private resetForNewPart(): void {
    this.ready = false;
    this.pendingDiscontinuity = this.cuts > 0 || this.pendingDiscontinuity;
    this.dropVideo();
    this.dropAudio(this.q.aData.length);
    this.video = undefined;
    this.audio = undefined;
    this.forcedOpen = false;
  }
}

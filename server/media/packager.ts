// LivePackager: remuxes one live stream of FLV tag bodies into CMAF segments with HLS playlists and a DASH MPD
// over the same files. push() is synchronous and cheap; segments are written synchronously (see write()); while
// live, the playlists and the MPD are rendered from memory on request (playlist(), liveManifest()), and written
// to disk when the stream ends.
//
// Files: one CMAF track per file, with the same N and cut points for both tracks: v-init-N.mp4 / v-seg-N.m4s and
// a-init-N.mp4 / a-seg-N.m4s. `index.m3u8` is a master over video.m3u8, with audio.m3u8 as an EXT-X-MEDIA
// rendition (audio-only streams get audio.m3u8 as the variant); the MPD has one AdaptationSet per track.
// Separate tracks are what DASH players need (dash.js and ffmpeg's reader mislabel a muxed fragment's packets).

import { EventEmitter } from 'node:events';
import { closeSync, openSync, readFileSync, renameSync, writeFileSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import type { MediaMessage } from '../rtmp/types.js';
import { av1Info, avcInfo, hevcInfo, parseAsc, type AudioCodecInfo, type VideoCodecInfo } from './codecs.js';
import { parseAudioTag, parseOnMetaData, parseVideoTag, type StreamMetadata, type VideoCodecId } from './flv.js';
import { renderDashManifest, type DashPeriod, type DashRepresentation, type DashTrack } from './dash-manifest.js';
import { renderHlsMaster, renderHlsPlaylist, TRACK_FILES, type HlsVideoVariant, type PlaylistSegment } from './hls-playlist.js';
import {
  AUDIO_TRACK_ID, buildFragment, buildInitSegment, fragmentSize, VIDEO_TIMESCALE, VIDEO_TRACK_ID, type FragmentTrack, type TrackConfig,
} from './mp4.js';

/** Named limits of the packager. */
export const PACKAGER_LIMITS = {
  /** Queued media (bytes) before a segment is forced out even without a keyframe, or dropped before init. */
  maxQueueBytes: 8 * 1024 * 1024,
  /** Queued samples, same treatment. */
  maxQueueSamples: 4000,
  /** Media time to wait for the other track's config when it was not announced in onMetaData. */
  configWaitMs: 1000,
  /** ...and when onMetaData announced it. */
  announcedConfigWaitMs: 3000,
  /** A timestamp step larger than this (either way) is a publisher clock jump: rebased, not followed. */
  jumpMs: 5000,
  /** A keyframe this close to the target duration still cuts (ms timestamps round frame times). */
  cutToleranceMs: 10,
} as const;

export interface PackagerOptions {
  /** Existing directory to write into. */
  dir: string;
  /** Target segment duration: cut at the first keyframe at or after this much media since segment start. Default 1. */
  segmentSeconds: number;
  /** Segments in the live playlist (default 10). */
  liveWindow?: number;
  /** The master playlist. Default 'index.m3u8'. */
  playlistName?: string;
  /** Default 'index.mpd'. */
  manifestName?: string;
  /** Wall clock (ms), for PROGRAM-DATE-TIME and MPD times. Default Date.now. */
  now?: () => number;
}

export interface SegmentInfo {
  seq: number;
  /** The segment file: the video track's, or the audio track's for audio-only streams. */
  file: string;
  /** Every file written for this segment: one per track. */
  files: string[];
  durationSeconds: number;
  bytes: number;
  programDateTime: number;
  discontinuity: boolean;
}

export interface PackagerInfo {
  video?: { codec: string; width: number; height: number; fps?: number; profile?: string; level?: string };
  audio?: { codec: string; sampleRate: number; channels: number; profile?: string };
  segments: number;
  durationSeconds: number;
  bytes: number;
  firstSegmentAt?: number;
}

/** Counters of what was skipped or repaired, for logs and /stat. */
export interface PackagerStats {
  skippedMessages: number;
  droppedFrames: number;
  timestampJumps: number;
  forcedCuts: number;
  writeErrors: number;
}

interface VideoConfig {
  codec: VideoCodecId;
  record: Buffer;
  info: VideoCodecInfo;
}

interface AudioConfig {
  asc: Buffer;
  info: AudioCodecInfo;
}

/** Append-only columnar segment list: a few numbers per segment, kept for the whole stream (the VOD playlist). */
class SegmentList {
  length = 0;
  private start = new Float64Array(64);
  private duration = new Float64Array(64);
  private pdt = new Float64Array(64);
  private bytes = new Float64Array(64);
  private init = new Uint32Array(64);
  /** Bit 0: discontinuity; bit 1: gap (no media in the segment). */
  private disc = new Uint8Array(64);
  /** Segment number N (file name) when the list skips some (a track missing from a part of the stream). */
  private num = new Uint32Array(64);
  totalTicks = 0;
  totalBytes = 0;

  push(start: number, duration: number, pdt: number, bytes: number, init: number, disc: boolean, num = this.length, gap = false): number {
    if (this.length === this.start.length) this.grow();
    const i = this.length++;
    this.start[i] = start;
    this.duration[i] = duration;
    this.pdt[i] = pdt;
    this.bytes[i] = bytes;
    this.init[i] = init;
    this.disc[i] = (disc ? 1 : 0) | (gap ? 2 : 0);
    this.num[i] = num;
    this.totalTicks += duration;
    this.totalBytes += bytes;
    return i;
  }

  private grow(): void {
    const n = this.start.length * 2;
    const g = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.start = g(this.start, (k) => new Float64Array(k));
    this.duration = g(this.duration, (k) => new Float64Array(k));
    this.pdt = g(this.pdt, (k) => new Float64Array(k));
    this.bytes = g(this.bytes, (k) => new Float64Array(k));
    this.init = g(this.init, (k) => new Uint32Array(k));
    this.disc = g(this.disc, (k) => new Uint8Array(k));
    this.num = g(this.num, (k) => new Uint32Array(k));
  }

  /** Segments [from, to) as plain objects (seq === index). */
  view(from: number, to: number): PlaylistSegment[] {
    const out: PlaylistSegment[] = [];
    for (let i = Math.max(0, from); i < to; i++) {
      const s: PlaylistSegment = {
        seq: i, start: this.start[i], duration: this.duration[i], programDateTime: this.pdt[i],
        discontinuity: (this.disc[i] & 1) === 1, init: this.init[i],
      };
      if (this.num[i] !== i) s.number = this.num[i];
      if (this.disc[i] & 2) s.gap = true;
      out.push(s);
    }
    return out;
  }

  discontinuitiesBefore(i: number): number {
    let n = 0;
    for (let k = 0; k < i; k++) n += this.disc[k] & 1;
    return n;
  }

  numberAt(i: number): number {
    return this.num[i];
  }

  /** Index of the first entry whose segment number is >= n (entries are in increasing number order). */
  indexOfNumber(n: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.num[mid] < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  pdtAt(i: number): number {
    return this.pdt[i];
  }

  durationAt(i: number): number {
    return this.duration[i];
  }
}

/** What one segment adds to the playlists (times in 90 kHz; a track's in its own timescale). */
interface SegmentRecord {
  seq: number;
  start: number;
  duration: number;
  pdt: number;
  bytes: number;
  init: number;
  disc: boolean;
  video?: TrackSegmentRecord;
  audio?: TrackSegmentRecord;
}

interface TrackSegmentRecord {
  start: number;
  duration: number;
  bytes: number;
  /** No media in this track's segment (listed as EXT-X-GAP). */
  gap: boolean;
}

/** One line of the journal (see LivePackager.journal). */
type JournalEntry =
  | { t: 'init'; i: number; v?: { codec: VideoCodecId; record: string }; a?: { asc: string } }
  | ({ t: 'seg' } & SegmentRecord)
  | { t: 'meta'; m: StreamMetadata }
  | { t: 'renditions'; r: readonly HlsVideoVariant[] };

/** The journal of a stream's segments, in its folder. */
export const JOURNAL_FILE = 'journal.jsonl';

function videoConfig(codec: VideoCodecId, record: Buffer): VideoConfig {
  const info = codec === 'avc' ? avcInfo(record) : codec === 'hevc' ? hevcInfo(record) : av1Info(record);
  return { codec, record, info };
}

function audioConfig(asc: Buffer): AudioConfig {
  return { asc, info: parseAsc(asc) };
}

interface PeriodRecord extends DashPeriod {
  /** Period start on the media timeline, seconds (used for the static MPD). */
  mediaStart: number;
}

const sameBuf = (a: Buffer | undefined, b: Buffer | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.equals(b));

export class LivePackager extends EventEmitter {
  readonly stats: PackagerStats = { skippedMessages: 0, droppedFrames: 0, timestampJumps: 0, forcedCuts: 0, writeErrors: 0 };

  private readonly dir: string;
  private readonly segmentTicks: number;
  private readonly segmentSeconds: number;
  private readonly liveWindow: number;
  private readonly playlistName: string;
  private readonly manifestName: string;
  private readonly now: () => number;

  private meta?: StreamMetadata;
  private video?: VideoConfig;
  private audio?: AudioConfig;
  /** Configs of the init currently in use (for reuse across discontinuities). */
  private initVideo?: VideoConfig;
  private initAudio?: AudioConfig;
  private initHasVideo = false;
  private initHasAudio = false;
  private initIndex = -1;
  /** An init matching the current configs has been decided; segments may be cut. */
  private ready = false;

  // timeline
  private tsOffset?: number;
  private rebaseTarget = 0;
  private lastOutMs?: number;
  private startOutMs?: number;
  private lastVideoDts = -1;
  private lastVideoDur = 3000;
  private audioNext?: number;

  // sample queues (parallel arrays)
  private vData: Buffer[] = [];
  private vDts: number[] = [];
  private vCts: number[] = [];
  private vKey: number[] = [];
  private aData: Buffer[] = [];
  private aDts: number[] = [];
  private queuedBytes = 0;
  private segWall = 0;
  private pendingDiscontinuity = false;

  private readonly segments = new SegmentList();
  /**
   * The segments of each track (video in 90 kHz, audio in its sample rate), numbered like `segments`; a part
   * without the track has no entries there.
   */
  private readonly trackSegments = { video: new SegmentList(), audio: new SegmentList() };
  /** The configs of every init written, by index (codecs, sizes and timescales per part). */
  private readonly inits: Array<{ video?: VideoConfig; audio?: AudioConfig }> = [];
  /** The bandwidth the master announces (fixed once rendered). */
  private masterBandwidth = 0;
  private readonly periods: PeriodRecord[] = [];
  private availabilityStart?: number;
  private maxSegSeconds = 1;
  private ending?: Promise<void>;
  /** Segments the playlists cover (those whose files are on disk). */
  private playlistCount = 0;
  private ended = false;

  constructor(opts: PackagerOptions) {
    super();
    this.dir = opts.dir;
    this.segmentSeconds = opts.segmentSeconds > 0 ? opts.segmentSeconds : 1;
    this.segmentTicks = Math.round(this.segmentSeconds * VIDEO_TIMESCALE);
    this.liveWindow = Math.max(1, opts.liveWindow ?? 10);
    this.playlistName = opts.playlistName ?? 'index.m3u8';
    this.manifestName = opts.manifestName ?? 'index.mpd';
    this.now = opts.now ?? Date.now;
  }

  // ------------------------------------------------------------ input

  push(msg: MediaMessage): void {
    if (this.ended) return;
    try {
      if (msg.type === 'video') this.pushVideo(msg.timestamp, msg.payload);
      else if (msg.type === 'audio') this.pushAudio(msg.timestamp, msg.payload);
      else if (msg.type === 'data') {
        const m = parseOnMetaData(msg.payload);
        if (m) {
          this.meta = m;
          this.write(() => this.journal({ t: 'meta', m }));
        }
      }
    } catch (err) {
      // Defensive: parsers do not throw on bad input, but a bug must not take the RTMP session down.
      this.stats.skippedMessages++;
      this.emitError(err);
    }
  }

  discontinuity(): void {
    if (this.ended) return;
    this.flush();
    this.resetForNewPart();
    // Continue the timeline where the last part ended, so it stays monotonic for players and the MPD.
    let endMs = this.lastOutMs ?? 0;
    if (this.lastVideoDts >= 0) endMs = Math.max(endMs, (this.lastVideoDts + this.lastVideoDur) / 90);
    if (this.audioNext !== undefined && this.initAudio) {
      endMs = Math.max(endMs, (this.audioNext * 1000) / this.initAudio.info.sampleRate);
    }
    this.rebaseTarget = Math.ceil(endMs);
    this.tsOffset = undefined;
    this.lastOutMs = undefined;
    this.startOutMs = undefined;
    this.audioNext = undefined;
  }

  end(): Promise<void> {
    if (this.ending) return this.ending;
    this.flush();
    this.flushWrites();
    this.ended = true;
    const count = this.segments.length;
    this.playlistCount = count;
    this.write(() => this.writePlaylists(count));
    this.closeJournal();
    this.ending = Promise.resolve();
    return this.ending;
  }

  /** Discontinuities in the stream so far (publisher returns and config changes). */
  discontinuities(): number {
    return this.segments.discontinuitiesBefore(this.segments.length);
  }

  info(): PackagerInfo {
    const v = this.video ?? this.initVideo;
    const a = this.audio ?? this.initAudio;
    const out: PackagerInfo = {
      segments: this.segments.length,
      durationSeconds: this.segments.totalTicks / VIDEO_TIMESCALE,
      bytes: this.segments.totalBytes,
    };
    if (v) {
      out.video = {
        codec: v.info.codec, width: v.info.width || this.meta?.width || 0, height: v.info.height || this.meta?.height || 0,
        fps: v.info.fps ?? this.meta?.framerate, profile: v.info.profile, level: v.info.level,
      };
    }
    if (a) out.audio = { codec: a.info.codec, sampleRate: a.info.sampleRate, channels: a.info.channels, profile: a.info.profile };
    if (this.segments.length) out.firstSegmentAt = this.segments.pdtAt(0);
    return out;
  }

  // ------------------------------------------------------------ timeline

  private mapTime(ms: number): number {
    if (this.tsOffset === undefined) this.tsOffset = this.rebaseTarget - ms;
    let o = ms + this.tsOffset;
    if (this.lastOutMs !== undefined && Math.abs(o - this.lastOutMs) > PACKAGER_LIMITS.jumpMs) {
      this.tsOffset += this.lastOutMs - o;
      o = this.lastOutMs;
      this.stats.timestampJumps++;
    }
    if (this.lastOutMs === undefined || o > this.lastOutMs) this.lastOutMs = o;
    if (this.startOutMs === undefined) this.startOutMs = o;
    return o;
  }

  // ------------------------------------------------------------ video

  /**
   * A keyframe with RTMP timestamp `ts` has begun to arrive (the session saw its first chunk): the segment it closes
   * is cut now, by the rule pushVideo applies to the whole frame, so players learn of the segment while the rest of
   * the keyframe is still on the wire. The keyframe, once in, opens the next segment as usual.
   */
  keyframeStarting(ts: number): void {
    if (this.ended || !this.ready || !this.initHasVideo || !this.video || this.tsOffset === undefined) return;
    const o = ts + this.tsOffset;
    if (this.lastOutMs !== undefined && Math.abs(o - this.lastOutMs) > PACKAGER_LIMITS.jumpMs) return; // pushVideo rebases a jump
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
    return this.vData.length > 0 && dts - this.vDts[0] >= this.segmentTicks - PACKAGER_LIMITS.cutToleranceMs * 90;
  }

  private pushVideo(ts: number, payload: Buffer): void {
    const tag = parseVideoTag(payload);
    if (tag.kind === 'skip' || tag.kind === 'end') {
      if (tag.kind === 'skip') this.stats.skippedMessages++;
      return;
    }
    if (tag.kind === 'config') {
      if (this.video && this.video.codec === tag.codec && sameBuf(this.video.record, tag.record)) return;
      let config: VideoConfig;
      try {
        config = videoConfig(tag.codec, Buffer.from(tag.record));
      } catch {
        this.stats.skippedMessages++;
        return;
      }
      if (this.ready) this.configChanged();
      this.video = config;
      return;
    }
    // frame
    if (!this.video || tag.codec !== this.video.codec || tag.data.length === 0) {
      this.stats.droppedFrames++;
      return;
    }
    const o = this.mapTime(ts);
    if (this.vData.length === 0 && !tag.keyframe && !this.forcedOpen) {
      // Segments start on keyframes: wait for one.
      this.stats.droppedFrames++;
      return;
    }
    const dts = this.videoDts(o);
    if (!this.ready) this.checkReady();
    if (this.ready && this.initHasVideo && tag.keyframe && this.keyframeCloses(dts)) this.cut(dts);
    if (this.vData.length === 0) this.segWall = this.now();
    if (this.vData.length > 0) this.lastVideoDur = dts - this.vDts[this.vDts.length - 1];
    this.vData.push(tag.data);
    this.vDts.push(dts);
    this.vCts.push(Math.round(tag.cts * 90));
    this.vKey.push(tag.keyframe ? 1 : 0);
    this.lastVideoDts = dts;
    this.forcedOpen = false;
    this.queuedBytes += tag.data.length;
    this.enforceQueueBound();
  }

  /** Set after a forced cut: the next segment may begin with a non-keyframe. */
  private forcedOpen = false;

  // ------------------------------------------------------------ audio

  private pushAudio(ts: number, payload: Buffer): void {
    const tag = parseAudioTag(payload);
    if (tag.kind === 'skip') {
      this.stats.skippedMessages++;
      return;
    }
    if (tag.kind === 'config') {
      if (this.audio && sameBuf(this.audio.asc, tag.asc)) return;
      let config: AudioConfig;
      try {
        config = audioConfig(Buffer.from(tag.asc));
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
    if (!this.audio || tag.data.length === 0) {
      this.stats.droppedFrames++;
      return;
    }
    const o = this.mapTime(ts);
    if (this.ready && !this.initHasAudio) {
      this.stats.droppedFrames++;
      return;
    }
    const sr = this.audio.info.sampleRate;
    const cand = Math.round((o * sr) / 1000);
    let dts: number;
    if (this.audioNext === undefined) dts = cand;
    else if (cand > this.audioNext + sr / 10) dts = cand; // gap in the publisher's audio: keep it
    else dts = this.audioNext; // jitter or overlap: stay sample-exact and contiguous
    this.audioNext = dts + this.audio.info.frameLength;
    if (!this.ready) this.checkReady();
    if (this.ready && !this.initHasVideo && this.aData.length > 0) {
      if ((dts - this.aDts[0]) * (VIDEO_TIMESCALE / sr) >= this.segmentTicks - PACKAGER_LIMITS.cutToleranceMs * 90) this.cut(undefined, dts);
    }
    if (this.aData.length === 0 && !this.initHasVideo) this.segWall = this.now();
    this.aData.push(tag.data);
    this.aDts.push(dts);
    this.queuedBytes += tag.data.length;
    this.enforceQueueBound();
  }

  // ------------------------------------------------------------ init

  private checkReady(): void {
    const v = this.video !== undefined;
    const a = this.audio !== undefined;
    if (!v && !a) return;
    if (!(v && a)) {
      const waited = (this.lastOutMs ?? 0) - (this.startOutMs ?? 0);
      const announced = v ? this.announcesAudio() : this.announcesVideo();
      const wait = announced === undefined ? PACKAGER_LIMITS.configWaitMs : announced ? PACKAGER_LIMITS.announcedConfigWaitMs : 0;
      if (waited < wait) return;
      if (v && this.vData.length === 0) return; // nothing to start with yet
    }
    if (v && this.vData.length === 0) return; // wait for the first keyframe before deciding
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
      const firstMs = this.vDts[0] / 90;
      const sr = this.audio?.info.sampleRate ?? 1;
      let k = 0;
      while (k < this.aDts.length && (this.aDts[k] * 1000) / sr < firstMs - 1) k++;
      if (k > 0) this.dropAudio(k);
    } else {
      this.dropVideo();
    }
    const same =
      this.initIndex >= 0 && this.initHasVideo === hasV && this.initHasAudio === hasA &&
      sameBuf(this.initVideo?.record, this.video?.record) && this.initVideo?.codec === this.video?.codec &&
      sameBuf(this.initAudio?.asc, this.audio?.asc);
    this.initVideo = this.video;
    this.initAudio = this.audio;
    this.initHasVideo = hasV;
    this.initHasAudio = hasA;
    if (same) return;
    this.initIndex++;
    const tracks: TrackConfig[] = [];
    if (this.video) {
      tracks.push({
        id: VIDEO_TRACK_ID, kind: 'video',
        sampleEntry: this.video.codec === 'avc' ? 'avc1' : this.video.codec === 'hevc' ? 'hvc1' : 'av01',
        config: this.video.record, width: this.video.info.width || this.meta?.width || 0,
        height: this.video.info.height || this.meta?.height || 0, timescale: VIDEO_TIMESCALE,
      });
    }
    if (this.audio) {
      tracks.push({
        id: AUDIO_TRACK_ID, kind: 'audio', asc: this.audio.asc, sampleRate: this.audio.info.sampleRate,
        channels: this.audio.info.channels, timescale: this.audio.info.sampleRate,
      });
    }
    const index = this.initIndex;
    this.inits[index] = { video: this.video, audio: this.audio };
    const initEntry: JournalEntry = {
      t: 'init', i: index,
      ...(this.video ? { v: { codec: this.video.codec, record: this.video.record.toString('base64') } } : {}),
      ...(this.audio ? { a: { asc: this.audio.asc.toString('base64') } } : {}),
    };
    // One init per track (video first, so `path` names the video init when there is one).
    const files = tracks.map((t): [string, Buffer] => [TRACK_FILES[t.kind].initName(index), buildInitSegment([t])]);
    this.write(() => {
      for (const [file, data] of files) writeFileSync(join(this.dir, file), data);
      this.journal(initEntry);
      const paths = files.map(([file]) => join(this.dir, file));
      this.emit('init', { index, path: paths[0], paths });
    });
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
    this.pendingDiscontinuity = this.segments.length > 0 || this.pendingDiscontinuity;
    this.dropVideo();
    this.dropAudio(this.aData.length);
    this.video = undefined;
    this.audio = undefined;
    this.forcedOpen = false;
  }

  // ------------------------------------------------------------ queues and cutting

  private dropVideo(): void {
    for (const d of this.vData) this.queuedBytes -= d.length;
    this.vData.length = 0;
    this.vDts.length = 0;
    this.vCts.length = 0;
    this.vKey.length = 0;
  }

  private dropAudio(k: number): void {
    for (let i = 0; i < k; i++) this.queuedBytes -= this.aData[i].length;
    this.aData.splice(0, k);
    this.aDts.splice(0, k);
  }

  private enforceQueueBound(): void {
    if (this.queuedBytes <= PACKAGER_LIMITS.maxQueueBytes && this.vData.length + this.aData.length <= PACKAGER_LIMITS.maxQueueSamples) return;
    if (this.ready && (this.vData.length > 0 || (!this.initHasVideo && this.aData.length > 0))) {
      // A publisher without keyframes: keep the stream moving rather than growing without bound.
      this.stats.forcedCuts++;
      this.cut(undefined);
      this.forcedOpen = this.initHasVideo;
      return;
    }
    this.stats.droppedFrames += this.vData.length + this.aData.length;
    this.dropVideo();
    this.dropAudio(this.aData.length);
  }

  /** Close the open segment now (end of stream or of a part). */
  private flush(): void {
    if (!this.ready) return;
    if (this.initHasVideo ? this.vData.length > 0 : this.aData.length > 0) this.cut(undefined);
  }

  /**
   * Write the queued samples as one segment. `nextVideoDts`: DTS of the keyframe that starts the next segment
   * (undefined at a flush). `nextAudioDts`: same for audio-only streams.
   */
  private cut(nextVideoDts: number | undefined, nextAudioDts?: number): void {
    let videoTrack: FragmentTrack | undefined;
    let audioTrack: FragmentTrack | undefined;
    let start: number;
    let end: number;
    const sr = this.initAudio?.info.sampleRate ?? 1;
    const nv = this.vData.length;
    let na = this.aData.length;
    if (this.initHasVideo) {
      if (nv === 0) return;
      const durations = new Array<number>(nv);
      for (let i = 0; i < nv - 1; i++) durations[i] = this.vDts[i + 1] - this.vDts[i];
      durations[nv - 1] = nextVideoDts !== undefined ? nextVideoDts - this.vDts[nv - 1] : this.lastVideoDur;
      start = this.vDts[0];
      end = this.vDts[nv - 1] + durations[nv - 1];
      videoTrack = {
        id: VIDEO_TRACK_ID, baseDecodeTime: this.vDts[0], count: nv, data: this.vData, durations, keyframes: this.vKey, cts: this.vCts,
      };
      if (nextVideoDts !== undefined) {
        const limit = (nextVideoDts * sr) / VIDEO_TIMESCALE;
        na = 0;
        while (na < this.aData.length && this.aDts[na] < limit) na++;
      }
    } else {
      if (na === 0) return;
      start = Math.round((this.aDts[0] * VIDEO_TIMESCALE) / sr);
      const audioEnd = nextAudioDts ?? this.aDts[na - 1] + (this.initAudio?.info.frameLength ?? 1024);
      end = Math.round((audioEnd * VIDEO_TIMESCALE) / sr);
    }
    if (this.initHasAudio && na > 0) {
      const durations = new Array<number>(na);
      for (let i = 0; i < na - 1; i++) durations[i] = this.aDts[i + 1] - this.aDts[i];
      const frame = this.initAudio?.info.frameLength ?? 1024;
      durations[na - 1] = na < this.aDts.length ? this.aDts[na] - this.aDts[na - 1] : nextAudioDts !== undefined ? nextAudioDts - this.aDts[na - 1] : frame;
      if (durations[na - 1] <= 0) durations[na - 1] = frame;
      audioTrack = { id: AUDIO_TRACK_ID, baseDecodeTime: this.aDts[0], count: na, data: this.aData.slice(0, na), durations };
    }
    const seq = this.segments.length;
    const duration = Math.max(1, end - start);
    const disc = this.pendingDiscontinuity && seq > 0;
    this.pendingDiscontinuity = false;
    const pdt = this.segWall || this.now();
    // One fragment per track, each in its own file.
    // Sizes now (the playlists and stats need them); the bytes are built with the write, off the path to the playlist.
    const out: Array<{ file: string; tracks: FragmentTrack[] }> = [];
    let size = 0;
    const rec: SegmentRecord = { seq, start, duration, pdt, bytes: 0, init: this.initIndex, disc };
    if (videoTrack) {
      const bytes = fragmentSize([videoTrack]);
      out.push({ file: TRACK_FILES.video.segmentName(seq), tracks: [videoTrack] });
      size += bytes;
      rec.video = { start: videoTrack.baseDecodeTime, duration, bytes, gap: false };
    }
    if (this.initHasAudio) {
      // A segment with no audio (the publisher's audio paused) still gets its file, so that numbers stay
      // contiguous for the DASH template: AAC silence where we have a silent frame for the config (ffmpeg's
      // dash demuxer stops at an empty fragment), else an empty fragment listed as EXT-X-GAP in HLS.
      if (!audioTrack && this.initAudio) audioTrack = silentTrack(this.initAudio.info, start, end);
      const tracks = audioTrack ? [audioTrack] : [];
      const bytes = fragmentSize(tracks);
      out.push({ file: TRACK_FILES.audio.segmentName(seq), tracks });
      size += bytes;
      let aStart: number;
      let aDuration: number;
      if (audioTrack) {
        aStart = audioTrack.baseDecodeTime;
        aDuration = 0;
        for (let i = 0; i < audioTrack.count; i++) aDuration += audioTrack.durations[i];
      } else {
        aStart = Math.round((start * sr) / VIDEO_TIMESCALE);
        aDuration = Math.round((end * sr) / VIDEO_TIMESCALE) - aStart;
      }
      rec.audio = { start: aStart, duration: Math.max(1, aDuration), bytes, gap: !audioTrack };
    }
    rec.bytes = size;
    this.recordSegment(rec);
    const seconds = duration / VIDEO_TIMESCALE;
    // Release the queue (the fragment keeps its own references).
    this.vData = [];
    this.vDts = [];
    this.vCts = [];
    this.vKey = [];
    this.queuedBytes = 0;
    this.dropAudioConsumed(na);
    this.segWall = 0;
    const count = seq + 1;
    const files = out.map((o) => o.file);
    const info: SegmentInfo = { seq, file: files[0], files, durationSeconds: seconds, bytes: size, programDateTime: pdt, discontinuity: disc };
    // Listed at once; its files are written in the next turn of the event loop, so a player polling the playlist
    // learns of the segment without waiting for the disk. Whoever reads the files calls flushWrites() first.
    this.playlistCount = count;
    this.liveCache.clear();
    this.unwritten.push(() => {
      for (const o of out) {
        const { buffers } = buildFragment(seq + 1, o.tracks);
        const fd = openSync(join(this.dir, o.file), 'w');
        try {
          writevAll(fd, buffers);
        } finally {
          closeSync(fd);
        }
      }
      // Journaled only once its files are on disk: recovery lists nothing that is not there.
      this.journal({ t: 'seg', ...rec });
    });
    if (this.unwritten.length === 1) setImmediate(this.flushWrites);
    this.emit('segment', info);
  }

  /** Segment files cut but not yet on disk (at most the few cut in one turn of the event loop). */
  private unwritten: Array<() => void> = [];

  /** Puts every listed segment's files on disk now. Cheap when there is nothing to write. */
  readonly flushWrites = (): void => {
    if (this.unwritten.length === 0) return;
    const jobs = this.unwritten;
    this.unwritten = [];
    for (const job of jobs) this.write(job);
  };

  /** Adds a segment to the lists the playlists and the MPD are rendered from (when cut, and in recovery). */
  private recordSegment(r: SegmentRecord): void {
    if (r.video) this.noteTrackSegment('video', r, r.video);
    if (r.audio) this.noteTrackSegment('audio', r, r.audio);
    this.segments.push(r.start, r.duration, r.pdt, r.bytes, r.init, r.disc);
    this.notePeriod(r.seq, r.start, r.pdt, r.disc, r.init);
    const seconds = r.duration / VIDEO_TIMESCALE;
    if (seconds > this.maxSegSeconds) this.maxSegSeconds = seconds;
  }

  /** Records segment N of one track (times in the track's timescale). */
  private noteTrackSegment(kind: 'video' | 'audio', r: SegmentRecord, t: TrackSegmentRecord): void {
    const list = this.trackSegments[kind];
    // The track also starts a discontinuity where it comes back after parts without it.
    const resumed = list.length > 0 && list.numberAt(list.length - 1) !== r.seq - 1;
    list.push(t.start, t.duration, r.pdt, t.bytes, r.init, r.disc || resumed, r.seq, t.gap);
  }

  private dropAudioConsumed(na: number): void {
    if (na === this.aData.length) {
      this.aData = [];
      this.aDts = [];
    } else {
      this.aData.splice(0, na);
      this.aDts.splice(0, na);
    }
    for (const d of this.aData) this.queuedBytes += d.length;
  }

  private notePeriod(seq: number, start: number, pdt: number, disc: boolean, init: number): void {
    if (seq === 0) {
      this.availabilityStart = pdt - start / 90;
      this.periods.push({ id: 0, start: start / VIDEO_TIMESCALE, presentationTimeOffset: start, init, firstNumber: seq, mediaStart: start / VIDEO_TIMESCALE });
      return;
    }
    if (!disc) return;
    const prev = this.periods[this.periods.length - 1];
    const prevEnd = prev.start + (start - prev.presentationTimeOffset) / VIDEO_TIMESCALE;
    const wallStart = (pdt - (this.availabilityStart ?? pdt)) / 1000;
    this.periods.push({
      id: this.periods.length, start: Math.max(prevEnd, wallStart), presentationTimeOffset: start, init, firstNumber: seq,
      mediaStart: start / VIDEO_TIMESCALE,
    });
  }

  // ------------------------------------------------------------ journal and recovery

  private journalFd?: number;

  /**
   * Appends one line to the stream's journal (JOURNAL_FILE): every init, segment, metadata and rendition change,
   * after its files are on disk. While live the playlists exist only in memory; the journal is what lets a server
   * that died mid-stream write them at its next start (LivePackager.recover), so an interrupted stream still
   * becomes a whole replay. An append to an open file costs no inode, unlike rewriting playlists per segment.
   */
  private journal(entry: JournalEntry): void {
    this.journalFd ??= openSync(join(this.dir, JOURNAL_FILE), 'a');
    writeSync(this.journalFd, `${JSON.stringify(entry)}\n`);
  }

  private closeJournal(): void {
    if (this.journalFd === undefined) return;
    try {
      closeSync(this.journalFd);
    } catch { /* already gone */ }
    this.journalFd = undefined;
  }

  /**
   * The packager of a stream whose server stopped without ending it, rebuilt from the journal in `opts.dir`, ended:
   * its playlists and MPD are on disk with ENDLIST, over every segment the journal lists. Undefined when there is
   * no journal. A torn last line (the process died mid-write) is skipped.
   */
  static recover(opts: PackagerOptions): LivePackager | undefined {
    let text: string;
    try {
      text = readFileSync(join(opts.dir, JOURNAL_FILE), 'utf8');
    } catch {
      return undefined;
    }
    const p = new LivePackager(opts);
    for (const line of text.split('\n')) {
      if (!line) continue;
      let e: JournalEntry;
      try {
        e = JSON.parse(line) as JournalEntry;
      } catch {
        continue;
      }
      try {
        p.replayJournal(e);
      } catch {
        p.stats.skippedMessages++; // an entry this version cannot read: the rest may still be whole
      }
    }
    p.ended = true;
    p.playlistCount = p.segments.length;
    if (p.segments.length > 0) p.writePlaylists(p.segments.length);
    p.ending = Promise.resolve();
    return p;
  }

  private replayJournal(e: JournalEntry): void {
    if (e.t === 'meta') this.meta = e.m;
    else if (e.t === 'renditions') this.renditions = e.r;
    else if (e.t === 'init') {
      const video = e.v && videoConfig(e.v.codec, Buffer.from(e.v.record, 'base64'));
      const audio = e.a && audioConfig(Buffer.from(e.a.asc, 'base64'));
      this.inits[e.i] = { video, audio };
      this.initIndex = e.i;
      this.initVideo = video;
      this.initAudio = audio;
    } else if (e.t === 'seg' && e.seq === this.segments.length) {
      this.recordSegment(e);
    }
  }

  // ------------------------------------------------------------ output

  /**
   * Files are written synchronously, as nginx-rtmp does: a segment (a few hundred KB into the page cache) costs
   * under a millisecond, with no thread-pool round trips. Segment files go one turn after their segment is listed
   * (see cut and flushWrites).
   */
  private write(job: () => void): void {
    try {
      job();
    } catch (err) {
      this.stats.writeErrors++;
      this.emitError(err);
    }
  }

  private emitError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err instanceof Error ? err : new Error(String(err)));
  }

  private writeAtomic(name: string, text: string): void {
    const tmp = join(this.dir, `.${name}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(this.dir, name));
  }

  private minTargetDuration(): number {
    return Math.ceil(Math.max(this.segmentSeconds, Math.round(this.maxSegSeconds * 1000) / 1000));
  }

  /**
   * Playlists of a live stream are rendered on request, from memory (see playlist()): a file per playlist per
   * segment would cost a file creation and a rename each (ext4 inode allocation showed up as the largest kernel cost
   * at 8 streams). Once the stream ends they are written to disk with the DASH manifest, as the replay.
   */
  private writePlaylists(count: number): void {
    for (const kind of ['video', 'audio'] as const) {
      const m3u8 = this.renderTrackPlaylist(kind, count, true);
      if (m3u8 !== undefined) this.writeAtomic(TRACK_FILES[kind].playlist, m3u8);
    }
    this.writeMaster();
    const mpd = this.renderManifest(count, true);
    if (mpd) this.writeAtomic(this.manifestName, mpd);
  }

  /** The media playlist of one track over the first `count` segments: its last `liveWindow` while live, all once ended. */
  private renderTrackPlaylist(kind: 'video' | 'audio', count: number, ended: boolean): string | undefined {
    const list = this.trackSegments[kind];
    if (list.length === 0) return undefined;
    // Entries covered by the first `count` segments (a track list can be behind the main one, never ahead).
    const to = list.indexOfNumber(count);
    const from = ended ? 0 : Math.max(0, to - this.liveWindow);
    let segs = list.view(from, to);
    if (kind === 'audio') {
      // EXTINF in seconds: audio ticks (per part's sample rate) to the 90 kHz timescale the renderer is given.
      segs = segs.map((x) => ({ ...x, duration: (x.duration * VIDEO_TIMESCALE) / this.audioRate(x.init) }));
    }
    const names = TRACK_FILES[kind];
    return renderHlsPlaylist({
      segments: segs, timescale: VIDEO_TIMESCALE, ended, discontinuitiesBefore: list.discontinuitiesBefore(from),
      minTargetDuration: this.minTargetDuration(), initName: names.initName, segmentName: names.segmentName,
    });
  }

  /** Live playlists as last rendered, valid until the next segment. */
  private readonly liveCache = new Map<string, string | undefined>();

  /**
   * A live stream's playlist by file name (the master, `video.m3u8`, `audio.m3u8`), as of the newest segment;
   * undefined for other names, before the first segment, and once ended (the files are on disk then). Each text
   * is replaced whole when a segment is added: a reader never sees a half-written playlist.
   */
  playlist(name: string): string | undefined {
    if (this.ended || this.playlistCount === 0) return undefined;
    if (this.liveCache.has(name)) return this.liveCache.get(name);
    let text: string | undefined;
    if (name === this.playlistName) text = this.renderMaster();
    else if (name === TRACK_FILES.video.playlist) text = this.renderTrackPlaylist('video', this.playlistCount, false);
    else if (name === TRACK_FILES.audio.playlist) text = this.renderTrackPlaylist('audio', this.playlistCount, false);
    else return undefined;
    this.liveCache.set(name, text);
    return text;
  }

  private audioRate(init: number): number {
    return this.inits[init]?.audio?.info.sampleRate ?? this.initAudio?.info.sampleRate ?? 1;
  }

  /** The newest config of each track that has segments (a track of an earlier part stays in the master). */
  private latestTrackConfigs(): { video?: VideoConfig; audio?: AudioConfig } {
    const v = this.trackSegments.video;
    const a = this.trackSegments.audio;
    return {
      video: v.length ? this.inits[v.view(v.length - 1, v.length)[0].init]?.video : undefined,
      audio: a.length ? this.inits[a.view(a.length - 1, a.length)[0].init]?.audio : undefined,
    };
  }

  /**
   * Video variants made elsewhere (the ABR ladder's renditions, video only: they play with this stream's audio),
   * listed in the master after the source. The master is rewritten at once when it exists.
   */
  setRenditions(variants: readonly HlsVideoVariant[]): void {
    this.renditions = variants;
    this.liveCache.clear();
    this.write(() => this.journal({ t: 'renditions', r: variants }));
    if (this.ended) this.write(() => this.writeMaster());
  }

  private renditions: readonly HlsVideoVariant[] = [];

  private writeMaster(): void {
    const master = this.renderMaster();
    if (master !== undefined) this.writeAtomic(this.playlistName, master);
  }

  private renderMaster(): string | undefined {
    const { video, audio } = this.latestTrackConfigs();
    if (!video && !audio) return undefined;
    if (this.masterBandwidth === 0) {
      // Announced bitrates when the publisher sent them, else what the first segments measured.
      const announced = ((this.meta?.videodatarate ?? 0) + (this.meta?.audiodatarate ?? 0)) * 1000;
      const seconds = this.segments.totalTicks / VIDEO_TIMESCALE;
      const measured = seconds > 0 ? (this.segments.totalBytes * 8) / seconds : 0;
      this.masterBandwidth = Math.max(1, Math.round(Math.max(announced, measured)));
    }
    return renderHlsMaster({
      variants: video ? [{
        uri: TRACK_FILES.video.playlist, bandwidth: this.masterBandwidth, codec: video.info.codec,
        width: video.info.width || this.meta?.width, height: video.info.height || this.meta?.height,
      }, ...this.renditions] : [],
      audio: audio && { uri: TRACK_FILES.audio.playlist, codec: audio.info.codec, bandwidth: this.masterBandwidth },
    });
  }

  /** The live DASH manifest as of the newest segment, or undefined before the first segment. */
  liveManifest(): string | undefined {
    return this.renderManifest(this.playlistCount, this.ended);
  }

  private renderManifest(count: number, ended: boolean): string | undefined {
    const from = ended ? 0 : Math.max(0, count - this.liveWindow);
    const segs = this.segments.view(from, count);
    if (segs.length === 0) return undefined;
    const totalSeconds = this.segments.totalTicks / VIDEO_TIMESCALE;
    const periods: DashPeriod[] = ended
      ? this.periods.map((p) => ({ id: p.id, start: p.mediaStart - this.periods[0].mediaStart, presentationTimeOffset: p.presentationTimeOffset, init: p.init }))
      : this.periods;
    return renderDashManifest({
      tracks: this.dashTracks(from, count, totalSeconds),
      segments: segs, periods, timescale: VIDEO_TIMESCALE, ended,
      availabilityStartTime: this.availabilityStart ?? this.now(), publishTime: this.now(), segmentSeconds: this.segmentSeconds,
    });
  }

  /** One DASH track per kind that has segments among [from, count). */
  private dashTracks(from: number, count: number, totalSeconds: number): DashTrack[] {
    const out: DashTrack[] = [];
    const v = this.trackSegments.video;
    const a = this.trackSegments.audio;
    const rate = (bytes: number): number => (totalSeconds > 0 ? (bytes * 8) / totalSeconds : 1);
    if (v.length) {
      const bandwidth = rate(v.totalBytes);
      out.push({
        contentType: 'video', segments: v.view(v.indexOfNumber(from), v.indexOfNumber(count)),
        initName: TRACK_FILES.video.initName, mediaTemplate: TRACK_FILES.video.mediaTemplate,
        representation: (init): DashRepresentation | undefined => {
          const c = this.inits[init]?.video;
          return c && {
            codecs: c.info.codec, timescale: VIDEO_TIMESCALE, bandwidth, width: c.info.width || this.meta?.width || undefined,
            height: c.info.height || this.meta?.height || undefined, frameRate: c.info.fps ?? this.meta?.framerate,
          };
        },
      });
    }
    if (a.length) {
      const bandwidth = rate(a.totalBytes);
      out.push({
        contentType: 'audio', segments: a.view(a.indexOfNumber(from), a.indexOfNumber(count)),
        initName: TRACK_FILES.audio.initName, mediaTemplate: TRACK_FILES.audio.mediaTemplate,
        representation: (init): DashRepresentation | undefined => {
          const c = this.inits[init]?.audio;
          return c && {
            codecs: c.info.codec, timescale: c.info.sampleRate, bandwidth, audioSampleRate: c.info.sampleRate, audioChannels: c.info.channels,
          };
        },
      });
    }
    return out;
  }
}

/** Raw AAC-LC frames that decode to silence, by channel count (the well-known values hls.js also uses). */
const AAC_LC_SILENCE: Record<number, Buffer> = {
  1: Buffer.from([0x00, 0xc8, 0x00, 0x80, 0x23, 0x80]),
  2: Buffer.from([0x21, 0x00, 0x49, 0x90, 0x02, 0x19, 0x00, 0x23, 0x80]),
};

/** Silent audio covering [start, end) (90 kHz), or undefined when there is no silent frame for this config. */
function silentTrack(info: AudioCodecInfo, start: number, end: number): FragmentTrack | undefined {
  const frame = AAC_LC_SILENCE[info.channels];
  if (info.objectType !== 2 || !frame || info.frameLength !== 1024) return undefined;
  const sr = info.sampleRate;
  const a = Math.round((start * sr) / VIDEO_TIMESCALE);
  const n = Math.max(1, Math.round((Math.round((end * sr) / VIDEO_TIMESCALE) - a) / info.frameLength));
  return {
    id: AUDIO_TRACK_ID, baseDecodeTime: a, count: n, data: new Array<Buffer>(n).fill(frame),
    durations: new Array<number>(n).fill(info.frameLength),
  };
}

/** writevSync may write less than asked; loop until every buffer is on disk. */
function writevAll(fd: number, buffers: Buffer[]): void {
  let pending = buffers;
  // Bounded: each pass writes at least one byte or throws.
  while (pending.length > 0) {
    let n = writevSync(fd, pending);
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (n >= b.length) {
        n -= b.length;
      } else {
        rest.push(n > 0 ? b.subarray(n) : b);
        n = 0;
      }
    }
    pending = rest;
  }
}

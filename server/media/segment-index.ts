// What a stream has packaged so far, as the manifests need it: every segment (main timeline and per track), the
// codec configs of every init, the DASH periods, the metadata and the ABR renditions. Appended to as segments are
// cut, or rebuilt from the journal after a crash (SegmentIndex.replay). No I/O.

import { parseAsc, videoCodecInfo, type AudioCodecInfo, type VideoCodecInfo } from './codecs.js';
import type { DashPeriod } from './dash-manifest.js';
import type { StreamMetadata, VideoCodecId } from './frame.js';
import type { HlsVideoVariant } from './hls-playlist.js';
import { VIDEO_TIMESCALE } from './mp4.js';
import { SegmentList } from './segment-list.js';

export interface VideoConfig {
  codec: VideoCodecId;
  record: Buffer;
  info: VideoCodecInfo;
}

export interface AudioConfig {
  asc: Buffer;
  info: AudioCodecInfo;
}

/** Throws on a record that cannot be read. */
export function videoConfig(codec: VideoCodecId, record: Buffer): VideoConfig {
  return { codec, record, info: videoCodecInfo(codec, record) };
}

export function audioConfig(asc: Buffer): AudioConfig {
  return { asc, info: parseAsc(asc) };
}

/** What one segment adds to the playlists (times in 90 kHz; a track's in its own timescale). */
export interface SegmentRecord {
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

export interface TrackSegmentRecord {
  start: number;
  duration: number;
  bytes: number;
  /** No media in this track's segment (listed as EXT-X-GAP). */
  gap: boolean;
}

/**
 * The date (ms) of a track's first sample, at `trackStart` (`rate` ticks a second), in a segment or part dated `pdt`
 * whose first frame is at `start` (90 kHz). Each track is dated by its own first sample, so that dates agree with
 * media times across tracks: players align the audio playlist to the video's by them.
 */
export function trackDate(pdt: number, start: number, trackStart: number, rate: number): number {
  return pdt + (trackStart * 1000) / rate - start / 90;
}

/** One part of a segment (Low-Latency HLS), as the playlists list it. */
export interface PartRecord {
  /** 90 kHz: of the video (audio-only: of the audio). */
  duration: number;
  /** 90 kHz: of its audio samples. */
  audioDuration: number;
  /** It begins with a keyframe. */
  independent: boolean;
  /** Its audio fragment holds no samples (listed with GAP=YES in the audio playlist). */
  audioGap: boolean;
  /**
   * Set on a segment's first part: the tags its segment opens with, listed before the part; `audioPdt`: the date of
   * its first audio sample, a few ms after the keyframe's (absent when the part has no audio).
   */
  opens?: { disc: boolean; init: number; pdt: number; audioPdt?: number };
}

/** One line of the journal (see SegmentStore). Its format is what recovery reads: keep it stable. */
export type JournalEntry =
  | { t: 'init'; i: number; v?: { codec: VideoCodecId; record: string }; a?: { asc: string } }
  | ({ t: 'seg' } & SegmentRecord)
  | { t: 'meta'; m: StreamMetadata }
  | { t: 'renditions'; r: readonly HlsVideoVariant[] };

export interface PeriodRecord extends DashPeriod {
  /** Period start on the media timeline, seconds (used for the static MPD). */
  mediaStart: number;
}

export interface InitConfigs {
  video?: VideoConfig;
  audio?: AudioConfig;
}

export class SegmentIndex {
  readonly segments = new SegmentList();
  /**
   * The segments of each track (video in 90 kHz, audio in its sample rate), numbered like `segments`; a part
   * without the track has no entries there.
   */
  readonly trackSegments = { video: new SegmentList(), audio: new SegmentList() };
  /** The configs of every init written, by index (codecs, sizes and timescales per part). */
  readonly inits: InitConfigs[] = [];
  readonly periods: PeriodRecord[] = [];
  availabilityStart?: number;
  maxSegSeconds = 1;
  meta?: StreamMetadata;
  /** Video variants made elsewhere (the ABR ladder), listed in the master after the source. */
  renditions: readonly HlsVideoVariant[] = [];
  /** The bandwidth the master announces (fixed once rendered). */
  masterBandwidth = 0;
  /** The newest init. */
  lastInit: InitConfigs = {};
  /**
   * Parts of the newest segments and of the open one (numbered `count`), by segment number: only while live with
   * a part target, and only for the last few segments (see SegmentStore).
   */
  readonly parts = new Map<number, PartRecord[]>();

  get count(): number {
    return this.segments.length;
  }

  /**
   * EXT-X-TARGETDURATION, seconds, for a target segment length of `segmentSeconds`: no segment's duration rounded to
   * the nearest integer may exceed it (RFC 8216bis 4.4.3.1). Rounding up instead would let one segment a millisecond
   * over (a publisher's timestamps around a loop) double it, and with it how long parts are kept, for the rest of
   * the stream.
   */
  targetDuration(segmentSeconds = 1): number {
    return Math.max(Math.ceil(segmentSeconds), Math.round(this.maxSegSeconds));
  }

  addInit(index: number, configs: InitConfigs): void {
    this.inits[index] = configs;
    this.lastInit = configs;
  }

  /** Adds a segment to the lists the playlists and the MPD are rendered from (when cut, and in recovery). */
  record(r: SegmentRecord): void {
    if (r.video) this.noteTrackSegment('video', r, r.video);
    if (r.audio) this.noteTrackSegment('audio', r, r.audio);
    this.segments.push(r.start, r.duration, r.pdt, r.bytes, r.init, r.disc);
    this.notePeriod(r.seq, r.start, r.pdt, r.disc, r.init);
    const seconds = r.duration / VIDEO_TIMESCALE;
    if (seconds > this.maxSegSeconds) this.maxSegSeconds = seconds;
  }

  /** One journal line into the index (recovery). Throws on an entry this version cannot read. */
  replay(e: JournalEntry): void {
    if (e.t === 'meta') this.meta = e.m;
    else if (e.t === 'renditions') this.renditions = e.r;
    else if (e.t === 'init') {
      const video = e.v && videoConfig(e.v.codec, Buffer.from(e.v.record, 'base64'));
      const audio = e.a && audioConfig(Buffer.from(e.a.asc, 'base64'));
      this.addInit(e.i, { video, audio });
    } else if (e.t === 'seg' && e.seq === this.segments.length) {
      this.record(e);
    }
  }

  /** Notes a part of the open segment (numbered `count`). */
  addPart(p: PartRecord): void {
    let list = this.parts.get(this.count);
    if (!list) this.parts.set(this.count, (list = []));
    list.push(p);
  }

  /** The newest part as (segment, part index), or undefined before the first. */
  lastPart(): { msn: number; part: number } | undefined {
    for (const msn of [this.count, this.count - 1]) {
      const list = this.parts.get(msn);
      if (list?.length) return { msn, part: list.length - 1 };
    }
    return undefined;
  }

  /** Discontinuities so far (publisher returns and config changes). */
  discontinuities(): number {
    return this.segments.discontinuitiesBefore(this.segments.length);
  }

  audioRate(init: number): number {
    return this.inits[init]?.audio?.info.sampleRate ?? this.lastInit.audio?.info.sampleRate ?? 1;
  }

  /** The newest config of each track that has segments (a track of an earlier part stays in the master). */
  latestTrackConfigs(): InitConfigs {
    const v = this.trackSegments.video;
    const a = this.trackSegments.audio;
    // Before the first segment (Low-Latency HLS lists its parts), the init the parts use.
    if (v.length === 0 && a.length === 0) return this.lastInit;
    return {
      video: v.length ? this.inits[v.initAt(v.length - 1)]?.video : undefined,
      audio: a.length ? this.inits[a.initAt(a.length - 1)]?.audio : undefined,
    };
  }

  /** Records segment N of one track (times in the track's timescale). */
  private noteTrackSegment(kind: 'video' | 'audio', r: SegmentRecord, t: TrackSegmentRecord): void {
    const list = this.trackSegments[kind];
    // The track also starts a discontinuity where it comes back after parts without it.
    const resumed = list.length > 0 && list.numberAt(list.length - 1) !== r.seq - 1;
    const pdt = kind === 'audio' ? trackDate(r.pdt, r.start, t.start, this.audioRate(r.init)) : r.pdt;
    list.push(t.start, t.duration, pdt, t.bytes, r.init, r.disc || resumed, r.seq, t.gap);
  }

  private notePeriod(seq: number, start: number, pdt: number, disc: boolean, init: number): void {
    if (seq === 0) {
      this.availabilityStart = pdt - start / 90;
      this.periods.push({
        id: 0,
        start: start / VIDEO_TIMESCALE,
        presentationTimeOffset: start,
        init,
        firstNumber: seq,
        mediaStart: start / VIDEO_TIMESCALE,
      });
      return;
    }
    if (!disc) return;
    const prev = this.periods[this.periods.length - 1];
    const prevEnd = prev.start + (start - prev.presentationTimeOffset) / VIDEO_TIMESCALE;
    const wallStart = (pdt - (this.availabilityStart ?? pdt)) / 1000;
    this.periods.push({
      id: this.periods.length,
      start: Math.max(prevEnd, wallStart),
      presentationTimeOffset: start,
      init,
      firstNumber: seq,
      mediaStart: start / VIDEO_TIMESCALE,
    });
  }
}

// One stream on air (or waiting out its reconnect grace period): its packager, ABR ladder and thumbnails' state,
// and what it answers for itself: its playlists, manifests, segments and parts, and the version blocking playlist
// requests wait on. The registry (live-streams.ts) creates, feeds and ends it.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { StreamStats } from '../api/types.js';
import type { MediaFrame } from './frame.js';
import type { PartSource } from './growing-parts.js';
import { renditionFolder, type AbrLadder } from './abr.js';
import { TRACK_FILES } from './hls-playlist.js';
import type { ManifestUris } from './manifests.js';
import { KeyframeMeter } from './keyframe-cadence.js';
import type { LivePackager, PackagerInfo, SegmentInfo } from './packager.js';

/** What a stream that ended leaves: it is a replay now. */
export interface StreamEnded {
  channel: string;
  /** Set on a channel's vertical companion (docs/API.md, *Vertical companion*): never the channel's stream itself. */
  vertical?: boolean;
  streamId: string;
  startedAt: number;
  endedAt: number;
  durationSeconds: number;
  bytes: number;
  segments: number;
  discontinuities: number;
}

/** The registry key of a channel's vertical companion: channel names are [a-z0-9_-], so it never clashes with one. */
export function verticalKey(channel: string): string {
  return `${channel}:vertical`;
}

/** Window for the rolling input bitrate. */
const BITRATE_WINDOW_MS = 5000;

export class LiveStream {
  readonly streamId: string;
  readonly dir: string;
  readonly startedAt: number;
  /** The stream's key in the registry: the channel name, or verticalKey(channel) for the vertical companion. */
  readonly key: string;
  /** A channel's main stream, or its vertical companion (a second publisher with the same key, app `vertical`). */
  readonly role: 'main' | 'vertical';
  /** Main stream: the vertical companion that was on air with it (the replay keeps it). */
  companion?: LiveStream;
  /** Vertical companion: a main stream linked it, so its files are kept with that replay. */
  linked = false;
  /**
   * Streams of nodes that died while live that this one took over (the one it took over and those that one had):
   * it answers their playlists.
   */
  succeeds: readonly string[] = [];
  state: 'live' | 'waiting' = 'live';
  publisherAddress: string | null;
  bytesIn = 0;
  /** Video frames received (key and inter), across returns within the grace period: the dashboard's frame rate. */
  videoFrames = 0;
  discontinuities = 0;
  segments = 0;
  lastSegment?: SegmentInfo;
  initFile = '';
  packager: LivePackager;
  abr?: AbrLadder;
  /** Whether this stream gets an ABR ladder is settled (it started, or the source is too small for one). */
  abrDecided = false;
  /** Video frames (with their media time) since the first keyframe, held for the ladder until it starts. */
  abrBacklog: Array<[MediaFrame, number | undefined]> = [];
  abrBacklogBytes = 0;
  /** The ABR renditions are listed in the master (once each has a segment). */
  renditionsListed = false;
  graceTimer?: NodeJS.Timeout;
  lastThumbAt = 0;
  /**
   * Bumped whenever the stream's playlists change (a segment is listed, renditions join the master): a response
   * rendered at version v stays right until then. See waitForVersion.
   */
  version = 0;
  private versionWaiters = new Set<{ v: number; done: (reached: boolean) => void }>();
  lastSegmentAt = 0;
  bytesAtLastSegment = 0;
  /** When the current publisher started sending (start or return from the grace period). */
  liveSince: number;
  ending?: Promise<StreamEnded | null>;
  /** Incremented per publisher so a stale sink cannot write into a resumed stream. */
  generation = 0;
  /** (time, bytesIn) at each segment of the last few seconds: the input bitrate with no work per message. */
  private rateMarks: Array<[number, number]> = [];
  failures: number[] = [];
  /** The newest audio and video sequence headers, for decoders that join late (the ABR ladder). */
  sequenceHeaders: MediaFrame[] = [];
  /** The newest `onMetaData`, for outputs that join late (restream destinations). */
  metadata: MediaFrame | null = null;
  /**
   * Called synchronously with every frame the publisher sends, across returns within the grace period (restream
   * destinations). Each must be cheap and never throw.
   */
  readonly taps = new Set<(frame: MediaFrame) => void>();
  /** The publisher's keyframe interval, against the segment target. */
  readonly keyframes: KeyframeMeter;
  /** The keyframe warning was logged (once per stream). */
  keyframeWarned = false;

  constructor(
    readonly channel: string,
    mediaDir: string,
    publisherAddress: string,
    packager: (dir: string) => LivePackager,
    now: number,
    segmentSeconds: number,
    role: 'main' | 'vertical' = 'main',
  ) {
    this.role = role;
    this.key = role === 'vertical' ? verticalKey(channel) : channel;
    this.streamId = randomBytes(9).toString('base64url');
    this.dir = path.join(mediaDir, this.streamId);
    this.startedAt = now;
    this.liveSince = now;
    this.markRate(now);
    this.publisherAddress = publisherAddress;
    this.packager = packager(this.dir);
    this.keyframes = new KeyframeMeter(segmentSeconds);
  }

  /**
   * A live playlist by file name (the master `index.m3u8`, `video.m3u8`, `audio.m3u8`) as of `version`, its URIs
   * under `uris.base` with `uris.query` on each; undefined for other names and before the first segment. Once the
   * stream has ended, the final playlists (ENDLIST): players behind the edge play out the last segments.
   */
  playlist(name: string, uris: ManifestUris = {}, delta = false, blocking = false): string | undefined {
    const t = this.target(name);
    if (!t?.folder) return this.packager.playlist(name, uris, delta, blocking);
    // A rendition's playlist, from its folder: its own files relative to it.
    return t.packager.playlist(t.name, { base: uris.base ? uris.base + t.folder : undefined, query: uris.query }, delta, blocking);
  }

  /**
   * Which packager answers for `rel` (a file of the stream folder, or of an ABR rendition's folder) and the name it
   * has there; undefined for a folder that is not a rendition of this stream.
   */
  target(rel: string): { packager: LivePackager; name: string; folder: string } | undefined {
    const slash = rel.indexOf('/');
    if (slash < 0) return { packager: this.packager, name: rel, folder: '' };
    const folder = rel.slice(0, slash + 1);
    const r = this.abr?.renditions.find((x) => renditionFolder(x.rendition) === folder);
    return r && { packager: r.packager, name: rel.slice(slash + 1), folder };
  }

  /** `rel` is one of the live media playlists (a track's or a rendition's): LL-HLS delivery directives apply. */
  isMediaPlaylist(rel: string): boolean {
    const t = this.target(rel);
    return t !== undefined && (t.name === TRACK_FILES.video.playlist || (!t.folder && t.name === TRACK_FILES.audio.playlist));
  }

  /**
   * Every live media playlist reports all the others (RFC 8216bis EXT-X-RENDITION-REPORT): the source's tracks
   * report the renditions, a rendition the source's tracks and the other renditions. Set once the ladder exists.
   */
  linkRenditionReports(): void {
    const renditions = this.abr?.renditions ?? [];
    this.packager.setReports(() => renditions.flatMap((r) => r.packager.reportable(renditionFolder(r.rendition))));
    for (const own of renditions) {
      const folder = renditionFolder(own.rendition);
      own.packager.setReports((base) => {
        // Served from the rendition's folder: the stream folder is its parent.
        const up = base && base.endsWith(folder) ? base.slice(0, -folder.length) : '../';
        return [
          ...this.packager.reportable(up),
          ...renditions.filter((r) => r !== own).flatMap((r) => r.packager.reportable(up + renditionFolder(r.rendition))),
        ];
      });
    }
  }

  /** A packager cut a part or a segment: playlists that report it are stale too, and waiters wake. */
  changed(): void {
    this.packager.invalidate();
    for (const r of this.abr?.renditions ?? []) r.packager.invalidate();
    this.bumpVersion();
  }

  /** What the stream carries so far: codecs, picture size, segments, duration and bytes. */
  info(): PackagerInfo {
    return this.packager.info();
  }

  /** The stream as /api/stats, /stat and /metrics show it, at `now`, with its viewer count. */
  stats(now: number, viewers: number): StreamStats {
    const info = this.packager.info();
    const v = info.video;
    const a = info.audio;
    return {
      channel: this.channel,
      streamId: this.streamId,
      uptimeSeconds: Math.round((now - this.startedAt) / 1000),
      publisherAddress: this.publisherAddress,
      state: this.state,
      video: v ? { codec: v.codec, width: v.width, height: v.height, fps: v.fps ?? null, profile: v.profile ?? null, level: v.level ?? null } : null,
      audio: a ? { codec: a.codec, sampleRate: a.sampleRate, channels: a.channels, profile: a.profile ?? null } : null,
      bitrateKbps: this.bitrateKbps(now),
      bytesIn: this.bytesIn,
      viewers,
      segments: info.segments,
      keyframes: this.keyframes.summary(),
    };
  }

  /** The live DASH manifest (see playlist; static once ended), or undefined. */
  manifest(uris: ManifestUris = {}): string | undefined {
    return this.packager.liveManifest(uris);
  }

  /** A listed segment file whose bytes are still only in memory, or a part; undefined when it is on disk (or unknown). */
  segment(name: string): Buffer | undefined {
    const t = this.target(name);
    return t?.packager.segment(t.name);
  }

  /** A part: complete bytes, the part still growing, or undefined. */
  partSource(name: string): PartSource {
    const t = this.target(name);
    return t?.packager.partSource(t.name);
  }

  /** The playlists changed: wake whoever waits for this version. */
  bumpVersion(): void {
    this.version++;
    for (const w of this.versionWaiters) if (w.v <= this.version) w.done(true);
  }

  /**
   * Resolves true once `version` reaches `v` (at once if it has), false after `timeoutMs` or when the stream
   * ends first: what a blocking playlist request waits on.
   */
  waitForVersion(v: number, timeoutMs: number): Promise<boolean> {
    if (this.version >= v) return Promise.resolve(true);
    if (this.ending) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        v,
        done: (reached: boolean) => {
          clearTimeout(timer);
          this.versionWaiters.delete(waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.done(false), Math.max(0, timeoutMs));
      timer.unref();
      this.versionWaiters.add(waiter);
    });
  }

  /**
   * The live playlists of `packager` (the source's, or a rendition's) list part `part` of segment `msn` or something
   * after it (without `part`: segment `msn` is complete): what a blocking playlist request (_HLS_msn, _HLS_part)
   * waits for.
   */
  reached(msn: number, part?: number, packager: LivePackager = this.packager): boolean {
    const pos = packager.position();
    if (part === undefined || !pos.lastPart) return pos.segments > msn;
    const last = pos.lastPart;
    return last.msn > msn || (last.msn === msn && last.part >= part);
  }

  /** Requests waiting for a version now. */
  get waiting(): number {
    return this.versionWaiters.size;
  }

  /**
   * Resolves true once `ready()` holds (checked at once and at each new version, never on a timer), false after
   * `timeoutMs` or when the stream ends first.
   */
  async waitUntil(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    // Bounded: each pass waits for a new version or runs out the time left.
    while (!ready()) {
      const left = until - Date.now();
      if (left <= 0 || this.ending || !(await this.waitForVersion(this.version + 1, left))) return ready();
    }
    return true;
  }

  /** The stream is ending: nobody waits for a version that will not come. */
  releaseWaiters(): void {
    for (const w of this.versionWaiters) w.done(false);
  }

  /** Notes the byte count now (at each segment, and when a publisher starts) for bitrateKbps. */
  markRate(now: number): void {
    this.rateMarks.push([now, this.bytesIn]);
    // Keep the newest mark older than the window too: the rate is measured from it when nothing newer exists.
    while (this.rateMarks.length > 2 && now - this.rateMarks[1][0] > BITRATE_WINDOW_MS) this.rateMarks.shift();
  }

  /** Input bitrate over about the last BITRATE_WINDOW_MS, from the marks to the byte count now. */
  bitrateKbps(now: number): number {
    const from = this.rateMarks.find(([t]) => now - t <= BITRATE_WINDOW_MS) ?? this.rateMarks[this.rateMarks.length - 1];
    if (!from) return 0;
    return Math.round(((this.bytesIn - from[1]) * 8) / Math.max(1000, now - from[0]));
  }
}

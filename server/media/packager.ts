// LivePackager: one live stream of media frames into CMAF segments with HLS playlists and a DASH MPD over the same
// files. It wires three parts: the Segmenter (frames -> segments: timeline and cut rule, pure), the SegmentStore
// (segments -> bytes, files, journal) and the manifest renderers (index -> playlists). push() is synchronous and
// cheap; while live the playlists and the MPD are rendered from memory on request, and written to disk when the
// stream ends.
//
// Files: one CMAF track per file, with the same N and cut points for both tracks: v-init-N.mp4 / v-seg-N.m4s and
// a-init-N.mp4 / a-seg-N.m4s. `index.m3u8` is a master over video.m3u8, with audio.m3u8 as an EXT-X-MEDIA
// rendition (audio-only streams get audio.m3u8 as the variant); the MPD has one AdaptationSet per track.
// Separate tracks are what DASH players need (dash.js and ffmpeg's reader mislabel a muxed fragment's packets).

import { EventEmitter } from 'node:events';
import type { PartSource } from './growing-parts.js';
import type { MediaFrame } from './frame.js';
import { TRACK_FILES, type HlsRenditionReport, type HlsVideoVariant, type SequenceContinuation } from './hls-playlist.js';
import { renderMaster, renderMpd, renderTrackPlaylist, type ManifestOptions, type ManifestUris } from './manifests.js';
import { VIDEO_TIMESCALE } from './mp4.js';
import { ENDED_PLAYOUT_MS } from './recently-ended.js';
import { SegmentIndex } from './segment-index.js';
import { SegmentStore, type SegmentInfo } from './segment-store.js';
import { Segmenter, type PackagerStats, type SegmentGrid } from './segmenter.js';
import type { GridSource } from './rendition-grid.js';

export { LOW_LATENCY_LIMITS, PACKAGER_LIMITS, type PackagerStats } from './segmenter.js';
export { JOURNAL_FILE, type SegmentInfo } from './segment-store.js';

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
  /** Part target in seconds (Low-Latency HLS: parts, listed in the live playlists). Default 0: no parts. */
  partSeconds?: number;
  /** Cut where another stream cut (an ABR rendition on its source's segments): see Segmenter. */
  grid?: SegmentGrid;
  /** Its media playlists only: no master and no DASH manifest (an ABR rendition, listed in its source's master). */
  mediaOnly?: boolean;
  /** Its live HLS playlists continue an earlier stream's numbering (a channel taken over from a dead node). */
  continues?: SequenceContinuation;
}

export interface PackagerInfo {
  video?: { codec: string; width: number; height: number; fps?: number; profile?: string; level?: string };
  audio?: { codec: string; sampleRate: number; channels: number; profile?: string };
  segments: number;
  durationSeconds: number;
  bytes: number;
  firstSegmentAt?: number;
}

export class LivePackager extends EventEmitter {
  readonly stats: PackagerStats;

  private readonly playlistName: string;
  private readonly manifestName: string;
  private readonly manifestOptions: ManifestOptions;
  private readonly index = new SegmentIndex();
  private readonly segmenter: Segmenter;
  private readonly store: SegmentStore;
  private ending?: Promise<void>;
  /** Segments the playlists cover. */
  private playlistCount = 0;
  private ended = false;
  /** Live playlists as last rendered (by name and base, without a query), valid until the next segment. */
  private readonly liveCache = new Map<string, string | undefined>();
  private readonly mediaOnly: boolean;
  /** The other playlists' reports its live playlists carry besides its own tracks' (see setReports). */
  private reports: (base: string | undefined) => HlsRenditionReport[] = () => [];

  constructor(opts: PackagerOptions) {
    super();
    const segmentSeconds = opts.segmentSeconds > 0 ? opts.segmentSeconds : 1;
    const now = opts.now ?? Date.now;
    this.playlistName = opts.playlistName ?? 'index.m3u8';
    this.mediaOnly = opts.mediaOnly ?? false;
    this.manifestName = opts.manifestName ?? 'index.mpd';
    const partSeconds = opts.partSeconds && opts.partSeconds > 0 ? opts.partSeconds : 0;
    this.manifestOptions = { liveWindow: Math.max(1, opts.liveWindow ?? 10), segmentSeconds, now, partSeconds, continues: opts.continues };
    let store: SegmentStore | undefined;
    this.segmenter = new Segmenter(
      segmentSeconds,
      {
        init: (i, c) => store!.init(i, c),
        partChunk: (c) => store!.partChunk(c),
        partChunksWanted: () => store!.partChunksWanted(),
        part: (p) => store!.part(p),
        segment: (s) => store!.segment(s),
        meta: (m) => store!.meta(m),
        error: (err) => this.emitError(err),
        gaps: (g) => store!.gaps(g),
      },
      now,
      partSeconds,
      opts.grid,
    );
    this.stats = this.segmenter.stats;
    store = new SegmentStore(opts.dir, this.index, this.stats, {
      init: (info) => this.emit('init', info),
      part: (info) => this.onPart(info),
      segment: (info) => this.onSegment(info),
      error: (err) => this.emitError(err),
    });
    this.store = store;
  }

  push(frame: MediaFrame): void {
    if (!this.ended) this.segmenter.push(frame);
  }

  /**
   * A keyframe with RTMP timestamp `ts` has begun to arrive (the session saw its first chunk): the segment it closes
   * is cut now, so players learn of the segment while the rest of the keyframe is still on the wire.
   */
  keyframeStarting(ts: number): void {
    if (!this.ended) this.segmenter.keyframeStarting(ts);
  }

  /** The publisher is gone or came back: the open segment is closed, and what follows starts a discontinuity. */
  discontinuity(): void {
    if (!this.ended) this.segmenter.discontinuity();
  }

  end(): Promise<void> {
    if (this.ending) return this.ending;
    this.segmenter.end();
    this.store.flush();
    this.ended = true;
    this.playlistCount = this.index.count;
    this.liveCache.clear();
    // The final live playlist keeps its last segments' parts while its live URLs answer (recently-ended.ts): a
    // Low-Latency player at the edge reads on part by part to the end. Then their media is let go.
    if (this.lowLatency) {
      setTimeout(() => {
        this.store.dropParts();
        this.liveCache.clear();
      }, ENDED_PLAYOUT_MS).unref();
    } else this.store.dropParts();
    this.store.write(() => this.writePlaylists());
    this.store.closeJournal();
    this.ending = Promise.resolve();
    return this.ending;
  }

  /** The numbering its live HLS playlists continue; undefined: their own, from 0. */
  get continues(): SequenceContinuation | undefined {
    return this.manifestOptions.continues;
  }

  /**
   * Where a stream that takes this one's place at the same playlist addresses continues: past the segment in
   * progress, which never completes (players may have read its parts; the successor lists it as a gap), one
   * discontinuity on.
   */
  successorNumbering(): SequenceContinuation {
    const c = this.manifestOptions.continues;
    return { msn: (c?.msn ?? 0) + this.playlistCount + 1, discontinuity: (c?.discontinuity ?? 0) + this.discontinuities() + 1 };
  }

  /** Discontinuities in the stream so far (publisher returns and config changes). */
  discontinuities(): number {
    return this.index.discontinuities();
  }

  info(): PackagerInfo {
    const v = this.segmenter.video ?? this.index.lastInit.video;
    const a = this.segmenter.audio ?? this.index.lastInit.audio;
    const meta = this.index.meta;
    const segments = this.index.segments;
    const out: PackagerInfo = { segments: segments.length, durationSeconds: segments.totalTicks / VIDEO_TIMESCALE, bytes: segments.totalBytes };
    if (v) {
      out.video = {
        codec: v.info.codec,
        width: v.info.width || meta?.width || 0,
        height: v.info.height || meta?.height || 0,
        fps: v.info.fps ?? meta?.framerate,
        profile: v.info.profile,
        level: v.info.level,
      };
    }
    if (a) out.audio = { codec: a.info.codec, sampleRate: a.info.sampleRate, channels: a.info.channels, profile: a.info.profile };
    if (segments.length) out.firstSegmentAt = segments.pdtAt(0);
    return out;
  }

  /**
   * A live stream's playlist by file name (the master, `video.m3u8`, `audio.m3u8`), as of the newest segment, with
   * its URIs as `uris` says; undefined for other names and before the first segment (but see `blocking`). Each text
   * is replaced whole when a segment or a part is added: a reader never sees a half-written playlist. `delta`: a
   * delta update (Low-Latency HLS _HLS_skip), older segments replaced by EXT-X-SKIP. Once ended, the live
   * playlists' last version (the live window, its last segments' parts for a minute, ENDLIST): players still playing the stream's last seconds
   * read it at the live URLs, so they play to the end instead of meeting a 404 while the replay's files are written.
   */
  playlist(name: string, uris: ManifestUris = {}, delta = false, blocking = false): string | undefined {
    // Before the first segment closes (Low-Latency HLS, from the first part on): the master, and a track playlist
    // listing the first parts only to a blocking request (an LL-HLS client that asked for a part). Players refuse a
    // playlist without segments (hls.js: levelEmptyError), so a plain request waits for the first segment.
    const early = !this.ended && this.lowLatency && this.index.lastPart() !== undefined && (blocking || name === this.playlistName);
    if (this.playlistCount === 0 && !early) return undefined;
    const key = uris.query ? undefined : `${name}\n${uris.base ?? ''}\n${delta}`;
    if (key !== undefined && this.liveCache.has(key)) return this.liveCache.get(key);
    let text: string | undefined;
    const o = this.manifestOptions;
    const reports = this.ended || !this.lowLatency ? [] : this.reports(uris.base);
    if (name === this.playlistName && !this.mediaOnly) text = renderMaster(this.index, uris);
    else if (name === TRACK_FILES.video.playlist)
      text = renderTrackPlaylist(this.index, 'video', this.playlistCount, this.ended, o, uris, delta, this.ended, reports);
    else if (name === TRACK_FILES.audio.playlist)
      text = renderTrackPlaylist(this.index, 'audio', this.playlistCount, this.ended, o, uris, delta, this.ended, reports);
    else return undefined;
    if (key !== undefined) this.liveCache.set(key, text);
    return text;
  }

  /**
   * The reports of other playlists (ABR renditions, or the source's from a rendition) that its live playlists carry
   * besides the one of its other track: `reports` is asked at each render, with the base its URIs are served under
   * (undefined: relative to the playlist). See invalidate.
   */
  setReports(reports: (base: string | undefined) => HlsRenditionReport[]): void {
    this.reports = reports;
    this.liveCache.clear();
  }

  /** Another playlist it reports changed: the live playlists are rendered again at the next request. */
  invalidate(): void {
    this.liveCache.clear();
  }

  /**
   * Its live track playlists that list parts, each with its newest part (what another playlist's
   * EXT-X-RENDITION-REPORT says of them), their URIs under `prefix`.
   */
  reportable(prefix: string): HlsRenditionReport[] {
    const last = this.ended ? undefined : this.index.lastPart();
    if (!last) return [];
    const out: HlsRenditionReport[] = [];
    for (const kind of ['video', 'audio'] as const) {
      if (this.index.trackSegments[kind].length || this.index.lastInit[kind]) {
        out.push({ uri: prefix + TRACK_FILES[kind].playlist, lastMsn: last.msn, lastPart: last.part });
      }
    }
    return out;
  }

  /** A publisher time (ms) on the stream's media timeline (what its segments are stamped with), once known. */
  mediaTime(ms: number): number | undefined {
    return this.segmenter.mediaTime(ms);
  }

  /** Its segment boundaries for an ABR rendition to cut on (see rendition-grid.ts). */
  gridSource(keyframeOffsetMs: () => number): GridSource {
    return { segments: this.index.segments, open: () => this.segmenter.openSegment(), keyframeOffsetMs };
  }

  /** The codec string (RFC 6381) of its newest video init, once there is one. */
  videoCodec(): string | undefined {
    return this.index.lastInit.video?.info.codec;
  }

  /** Low-Latency HLS is on: live playlists list parts. */
  get lowLatency(): boolean {
    return this.manifestOptions.partSeconds > 0;
  }

  /** Segments listed so far, and the newest part (undefined before the first or without parts). */
  position(): { segments: number; lastPart?: { msn: number; part: number } } {
    return { segments: this.playlistCount, lastPart: this.ended ? undefined : this.index.lastPart() };
  }

  /** EXT-X-TARGETDURATION of the live playlists, seconds. */
  targetDuration(): number {
    return this.index.targetDuration(this.manifestOptions.segmentSeconds);
  }

  /** The live DASH manifest as of the newest segment, or undefined before the first segment. */
  liveManifest(uris: ManifestUris = {}): string | undefined {
    return renderMpd(this.index, this.playlistCount, this.ended, this.manifestOptions, uris);
  }

  /** A listed segment's bytes while its file is not yet written (undefined otherwise: read the file). */
  segment(name: string): Buffer | undefined {
    return this.store.read(name);
  }

  /** A part: complete bytes, the part still growing (Low-Latency HLS), or undefined. */
  partSource(name: string): PartSource {
    return this.store.partSource(name);
  }

  /** Resolves when part `name` starts growing, another part closes, or after `timeoutMs`. */
  waitForPart(name: string, timeoutMs: number): Promise<void> {
    return this.store.waitForPart(name, timeoutMs);
  }

  /** Puts every listed segment's files on disk now (for readers of the folder, such as the thumbnailer). */
  writePending(): void {
    this.store.flush();
  }

  /**
   * Video variants made elsewhere (the ABR ladder's renditions, video only: they play with this stream's audio),
   * listed in the master after the source. The master is rewritten at once when it exists.
   */
  setRenditions(variants: readonly HlsVideoVariant[]): void {
    this.store.setRenditions(variants);
    this.liveCache.clear();
    if (this.ended) this.store.write(() => this.writeMaster());
  }

  /**
   * The packager of a stream whose server stopped without ending it, rebuilt from the journal in `opts.dir`, ended:
   * its playlists and MPD are on disk with ENDLIST, over every segment the journal lists. Undefined when there is
   * no journal.
   */
  static recover(opts: PackagerOptions): LivePackager | undefined {
    const p = new LivePackager(opts);
    if (!SegmentStore.recover(opts.dir, p.index, p.stats)) return undefined;
    p.ended = true;
    p.playlistCount = p.index.count;
    if (p.index.count > 0) p.writePlaylists();
    p.ending = Promise.resolve();
    return p;
  }

  private onPart(info: { msn: number; index: number }): void {
    this.liveCache.clear();
    this.emit('part', info);
  }

  private onSegment(info: SegmentInfo): void {
    this.playlistCount = this.index.count;
    this.liveCache.clear();
    this.emit('segment', info);
  }

  /**
   * Playlists of a live stream are rendered on request, from memory (see playlist()): a file per playlist per
   * segment would cost a file creation and a rename each (ext4 inode allocation showed up as the largest kernel cost
   * at 8 streams). Once the stream ends they are written to disk with the DASH manifest, as the replay.
   */
  private writePlaylists(): void {
    const count = this.playlistCount;
    for (const kind of ['video', 'audio'] as const) {
      const m3u8 = renderTrackPlaylist(this.index, kind, count, true, this.manifestOptions);
      if (m3u8 !== undefined) this.store.writeText(TRACK_FILES[kind].playlist, m3u8);
    }
    if (this.mediaOnly) return;
    this.writeMaster();
    const mpd = renderMpd(this.index, count, true, this.manifestOptions);
    if (mpd) this.store.writeText(this.manifestName, mpd);
  }

  private writeMaster(): void {
    if (this.mediaOnly) return;
    const master = renderMaster(this.index);
    if (master !== undefined) this.store.writeText(this.playlistName, master);
  }

  private emitError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err instanceof Error ? err : new Error(String(err)));
  }
}

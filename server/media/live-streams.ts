// The live stream registry: one LiveStream (live-stream.ts) per channel on air (or waiting out its grace period).
// It owns each stream's packager, ABR ladder and thumbnails, and tells the rest of the server what happened
// through events (LiveStreamEvents). It never reaches into the database or HTTP.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { StreamStats } from '../api/types.js';
import type { MediaConfig } from '../config.js';
import type { Logger } from '../log.js';
import { every, type StopJob } from '../periodic.js';
import type { MediaSink } from '../rtmp/types.js';
import { StreamAbr } from './stream-abr.js';
import { RecentlyEnded } from './recently-ended.js';
import { LiveStream, verticalKey, type StreamEnded } from './live-stream.js';
import { writeVerticalLink } from './vertical-link.js';
import { LivePackager, type SegmentInfo } from './packager.js';
import type { SequenceContinuation } from './hls-playlist.js';
import { Thumbnailer } from './thumbnails.js';
import { deleteStreamFiles, writeStreamHeader } from './stream-files.js';
import { recoverInterrupted } from './stream-recovery.js';
import { MEDIA_SLAB_LIMITS, mediaSlabs } from './media-slabs.js';
import { publisherSink } from './publisher-sink.js';

/** What LiveStreams tells the rest of the server (server/services/stream-lifecycle.ts acts on it). */
export interface LiveStreamEvents {
  /** A new stream started (not a publisher returning within the grace period). */
  live: [{ channel: string; streamId: string }];
  /** A channel's stream cut a segment (cluster mode records how far its numbering got). */
  segment: [{ channel: string; streamId: string }];
  /** A stream ended with media: it is a replay now (also for streams recovered after a crash). */
  ended: [StreamEnded];
  /** A stream ended with nothing playable; its folder is gone. */
  'ended-empty': [{ channel: string; streamId: string }];
  /**
   * Packaging kept failing and the stream is ending: its publisher should be dropped. `channel` is the registry key
   * (the RTMP publisher's name too): verticalKey(channel) for a vertical companion.
   */
  failed: [{ channel: string; streamId: string; reason: string }];
  /**
   * A channel's vertical companion ended (it never emits the events above but `failed`: it is not the channel's
   * stream). `kept`: its files stay, linked to the main stream's replay.
   */
  'vertical-ended': [{ channel: string; streamId: string; kept: boolean }];
}

export interface LiveStreamsOptions {
  mediaDir: string;
  media: MediaConfig;
  ffmpeg: string;
  logger: Logger;
  now?: () => number;
}

/** Packager write failures within this window that end the stream. */
const PACKAGER_RESTARTS = { max: 3, windowMs: 30_000 };
/** A live stream whose packager produced nothing for this long while media arrived is ended. */
const STALL_MIN_MS = 15_000;
const STALL_MIN_BYTES = 64 * 1024;
export class LiveStreams extends EventEmitter<LiveStreamEvents> {
  private readonly streams = new Map<string, LiveStream>();
  /** Streams that ended with media in the last minute: their live URLs still answer their last playlists. */
  readonly recentlyEnded: RecentlyEnded;
  private readonly thumbnailer: Thumbnailer;
  private readonly abr: StreamAbr;
  private readonly now: () => number;
  private closed = false;
  private readonly stopStallCheck: StopJob;

  constructor(private readonly opts: LiveStreamsOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.recentlyEnded = new RecentlyEnded(this.now);
    if (opts.media.poisonReleasedMedia) mediaSlabs.poison = true;
    this.thumbnailer = new Thumbnailer(opts.ffmpeg, opts.logger.child({ part: 'thumbnails' }));
    this.abr = new StreamAbr({ ffmpeg: opts.ffmpeg, media: opts.media, logger: opts.logger, now: this.now });
    this.stopStallCheck = every(2000, () => this.checkStalled());
  }

  get mediaDir(): string {
    return this.opts.mediaDir;
  }

  /** True while a publisher is attached (not during the grace period). `key`: a channel, or verticalKey(channel). */
  isPublishing(key: string): boolean {
    return this.streams.get(key)?.state === 'live';
  }

  /** The channel's vertical companion, live or waiting for its publisher. */
  vertical(channel: string): LiveStream | undefined {
    return this.streams.get(verticalKey(channel));
  }

  /** The stream a channel is showing now, live or waiting for its publisher. */
  get(channel: string): LiveStream | undefined {
    return this.streams.get(channel);
  }

  byStreamId(streamId: string): LiveStream | undefined {
    for (const s of this.streams.values()) if (s.streamId === streamId) return s;
    return undefined;
  }

  /** The live stream that took over `streamId`, a stream of a node that died while live (see open). */
  successorOf(streamId: string): LiveStream | undefined {
    for (const s of this.streams.values()) if (s.succeeds.includes(streamId) && !s.ending) return s;
    return undefined;
  }

  /** The channels' streams on air (vertical companions are not the channels' streams: see vertical()). */
  list(): LiveStream[] {
    return [...this.streams.values()].filter((s) => s.role === 'main');
  }

  /**
   * A publisher was accepted for `channel`. Within the grace period the previous stream continues with a
   * discontinuity; otherwise a new stream starts. `succeeds`: the channel was taken over from a node that died
   * while live; the new stream numbers its live playlists on from that stream's and answers its playlist addresses
   * (successorOf). The caller has already refused a second publisher.
   */
  async open(
    channel: string,
    publisherAddress: string,
    role: 'main' | 'vertical' = 'main',
    succeeds?: { streamIds: readonly string[]; continueAt: SequenceContinuation },
  ): Promise<MediaSink> {
    if (this.closed) throw new Error('server is shutting down');
    const key = role === 'vertical' ? verticalKey(channel) : channel;
    let stream = this.streams.get(key);
    if (stream && stream.state === 'live') throw new Error(`channel ${channel} already has a publisher`);
    if (stream && stream.state === 'waiting' && !stream.ending) {
      clearTimeout(stream.graceTimer);
      stream.state = 'live';
      stream.liveSince = this.now();
      stream.markRate(stream.liveSince);
      stream.publisherAddress = publisherAddress;
      stream.discontinuities++;
      stream.keyframes.restart();
      stream.packager.discontinuity();
      stream.abr?.discontinuity();
      this.opts.logger.info({ channel, streamId: stream.streamId }, 'publisher returned within grace period');
    } else {
      if (stream?.ending) await stream.ending;
      stream = new LiveStream(
        channel,
        this.opts.mediaDir,
        publisherAddress,
        (dir) => this.makePackager(dir, succeeds?.continueAt),
        this.now(),
        this.opts.media.segmentSeconds,
        role,
      );
      stream.succeeds = succeeds?.streamIds ?? [];
      await mkdir(stream.dir, { recursive: true });
      // Whose stream this folder holds, for recoverInterrupted() should this process die before the end.
      await writeStreamHeader(stream.dir, { streamId: stream.streamId, channel, startedAt: stream.startedAt, role });
      this.streams.set(key, stream);
      this.watchPackager(stream);
      this.opts.logger.info({ channel, streamId: stream.streamId, role }, 'stream started');
      if (role === 'main') {
        const companion = this.streams.get(verticalKey(channel));
        if (companion && !companion.ending) this.link(stream, companion);
        this.emit('live', { channel, streamId: stream.streamId });
      } else {
        const main = this.streams.get(channel);
        if (main && !main.ending) this.link(main, stream);
      }
    }
    return this.sinkFor(stream, ++stream.generation);
  }

  /** The main stream's replay keeps this vertical companion (the last one on air with it). */
  private link(main: LiveStream, companion: LiveStream): void {
    main.companion = companion;
    companion.linked = true;
  }

  private makePackager(dir: string, continues: SequenceContinuation | undefined): LivePackager {
    const m = this.opts.media;
    return new LivePackager({
      dir,
      continues,
      segmentSeconds: m.segmentSeconds,
      liveWindow: m.liveWindowSegments,
      now: this.now,
      partSeconds: m.lowLatency ? m.partSeconds : 0,
    });
  }

  private watchPackager(stream: LiveStream): void {
    const p = stream.packager;
    p.on('init', (info: { index: number; path: string }) => {
      stream.initFile = path.basename(info.path);
      // Codec and size are known from the init on: the ladder starts now, with the frames since the first keyframe.
      this.abr.init(stream, () => {
        stream.changed();
        this.abr.listRenditions(stream);
      });
    });
    // Each part changes the live playlists (and the renditions' reports of them): blocking requests wait for it.
    p.on('part', () => stream.changed());
    p.on('segment', (seg: SegmentInfo) => {
      stream.segments++;
      stream.changed();
      stream.lastSegment = seg;
      stream.lastSegmentAt = this.now();
      stream.bytesAtLastSegment = stream.bytesIn;
      stream.markRate(stream.lastSegmentAt);
      this.afterSegment(stream, seg);
    });
    p.on('error', (err: Error) => this.packagerFailed(stream, err));
  }

  private afterSegment(stream: LiveStream, seg: SegmentInfo): void {
    // One thumbnail as soon as there is a picture; later ones only when someone looks (thumbnailWanted).
    if (stream.segments === 1) this.makeThumbnail(stream, seg.file);
    if (stream.role === 'main') this.emit('segment', { channel: stream.channel, streamId: stream.streamId });
  }

  private makeThumbnail(stream: LiveStream, segmentFile: string): void {
    if (this.opts.media.thumbnailIntervalSeconds <= 0) return;
    stream.lastThumbAt = this.now();
    stream.packager.writePending(); // ffmpeg reads the files
    this.thumbnailer.request({ dir: stream.dir, initFile: stream.initFile, segmentFile });
  }

  /**
   * A viewer asked for the channel's thumbnail: refresh it when it is older than the interval. Thumbnails cost
   * an ffmpeg start each, so channels nobody is browsing do not pay for them.
   */
  thumbnailWanted(channel: string): void {
    const stream = this.streams.get(channel);
    if (!stream?.lastSegment || stream.state !== 'live') return;
    if (this.now() - stream.lastThumbAt < this.opts.media.thumbnailIntervalSeconds * 1000) return;
    this.makeThumbnail(stream, stream.lastSegment.file);
  }

  private sinkFor(stream: LiveStream, generation: number): MediaSink {
    return publisherSink(stream, {
      media: this.opts.media,
      logger: this.opts.logger,
      isCurrent: () => stream.generation === generation && stream.state === 'live' && this.streams.get(stream.key) === stream,
      abrFrame: (frame) => this.abr.frame(stream, frame),
      packagerFailed: (err) => this.packagerFailed(stream, err),
      finish: (reason) => void this.finish(stream, reason),
    });
  }

  /** Publishers' media memory (media-slabs.ts), for /metrics. */
  mediaMemory(): { inUseBytes: number; freeBytes: number; allocated: number } {
    const { inUse, free, allocated } = mediaSlabs.stats;
    return { inUseBytes: inUse * MEDIA_SLAB_LIMITS.slabBytes, freeBytes: free * MEDIA_SLAB_LIMITS.slabBytes, allocated };
  }

  /**
   * A write error costs one segment; errors that keep coming (a full or vanished disk) end the stream cleanly and
   * 'failed' asks for the publisher to be dropped, so its encoder reconnects to a fresh stream. Never a hung one.
   */
  private packagerFailed(stream: LiveStream, err: Error): void {
    if (stream.ending) return; // errors while ending are reported once, by end()
    const now = this.now();
    stream.failures = stream.failures.filter((t) => now - t < PACKAGER_RESTARTS.windowMs);
    stream.failures.push(now);
    this.opts.logger.warn({ channel: stream.channel, streamId: stream.streamId, err: err.message }, 'packager error');
    if (stream.failures.length >= PACKAGER_RESTARTS.max) this.fail(stream, err.message);
  }

  private fail(stream: LiveStream, reason: string): void {
    if (stream.ending) return;
    this.opts.logger.error({ channel: stream.channel, streamId: stream.streamId, reason }, 'ending stream: packaging failed');
    void this.finish(stream, reason);
    this.emit('failed', { channel: stream.key, streamId: stream.streamId, reason });
  }

  /** Media keeps arriving but no segment comes out: the packager is stuck. */
  private checkStalled(): void {
    const now = this.now();
    const limitMs = Math.max(STALL_MIN_MS, this.opts.media.segmentSeconds * 10_000);
    for (const stream of this.streams.values()) {
      if (stream.state !== 'live' || stream.ending) continue;
      const since = Math.max(stream.lastSegmentAt, stream.liveSince);
      if (stream.bytesIn > stream.bytesAtLastSegment + STALL_MIN_BYTES && now - since > limitMs) this.fail(stream, 'no segment for too long');
    }
  }

  /** Ends a stream: ENDLIST, final thumbnail, the ABR ladder closed, then 'ended'. Idempotent. */
  finish(stream: LiveStream, reason: string): Promise<StreamEnded | null> {
    if (stream.ending) return stream.ending;
    clearTimeout(stream.graceTimer);
    stream.state = 'waiting';
    // Set before any ending work runs: a packager error raised while it ends must find the stream already ending.
    stream.ending = Promise.resolve().then(() => this.end(stream, reason));
    return stream.ending;
  }

  private async end(stream: LiveStream, reason: string): Promise<StreamEnded | null> {
    try {
      await stream.packager.end();
    } catch (err) {
      this.opts.logger.error({ channel: stream.channel, err: (err as Error).message }, 'packager failed to end');
    }
    // Released once the packager has ended: held playlist requests are answered with the final playlist (ENDLIST).
    stream.releaseWaiters();
    await stream.abr?.finish().catch(() => {});
    // The replay's picture: from its last segment.
    if (stream.lastSegment) this.makeThumbnail(stream, stream.lastSegment.file);
    await this.thumbnailer.idle();
    if (this.streams.get(stream.key) === stream) this.streams.delete(stream.key);
    const info = stream.packager.info();
    const endedAt = this.now();
    if (stream.role === 'vertical') return this.endVertical(stream, info.segments > 0, reason);
    if (info.segments === 0 || !existsSync(stream.dir)) {
      // Nothing playable was ever written (or the folder is gone): no replay to keep.
      await rm(stream.dir, { recursive: true, force: true });
      this.opts.logger.info({ channel: stream.channel, streamId: stream.streamId, reason }, 'stream ended with no media');
      this.emit('ended-empty', { channel: stream.channel, streamId: stream.streamId });
      return null;
    }
    this.recentlyEnded.add(stream);
    if (stream.companion) await this.writeLink(stream, stream.companion);
    const ended: StreamEnded = {
      channel: stream.channel,
      streamId: stream.streamId,
      startedAt: stream.startedAt,
      endedAt,
      durationSeconds: info.durationSeconds,
      bytes: info.bytes,
      segments: info.segments,
      discontinuities: stream.discontinuities,
    };
    this.opts.logger.info({ channel: stream.channel, streamId: stream.streamId, reason, durationSeconds: info.durationSeconds }, 'stream ended');
    this.emit('ended', ended);
    return ended;
  }

  /** The replay names its vertical companion, with the picture size it had. */
  private async writeLink(main: LiveStream, companion: LiveStream): Promise<void> {
    const video = companion.packager.info().video;
    try {
      await writeVerticalLink(main.dir, { streamId: companion.streamId, width: video?.width ?? 0, height: video?.height ?? 0 });
    } catch (err) {
      this.opts.logger.warn({ channel: main.channel, streamId: main.streamId, err: (err as Error).message }, 'could not link the vertical companion');
    }
  }

  /** A vertical companion is over: kept when a main stream linked it, else its files go (no replay would show them). */
  private async endVertical(stream: LiveStream, hasMedia: boolean, reason: string): Promise<null> {
    const kept = hasMedia && stream.linked && existsSync(stream.dir);
    if (kept) this.recentlyEnded.add(stream);
    else await rm(stream.dir, { recursive: true, force: true });
    this.opts.logger.info({ channel: stream.channel, streamId: stream.streamId, reason, kept }, 'vertical companion ended');
    this.emit('vertical-ended', { channel: stream.channel, streamId: stream.streamId, kept });
    return null;
  }

  /** Stats for /api/stats, /stat and /metrics. `viewers` is filled in by whoever counts them. */
  stats(viewers: (channel: string) => number = () => 0): StreamStats[] {
    const now = this.now();
    return this.list().map((s) => s.stats(now, viewers(s.channel)));
  }

  /** Ends every stream (shutdown): each becomes a replay. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopStallCheck();
    await Promise.all([...this.streams.values()].map((s) => this.finish(s, 'server stopping')));
  }

  /**
   * Streams that a server process left unfinished (it crashed or was killed mid-stream) become replays, each emitted
   * as 'ended' like any stream (stream-recovery.ts). Returns what was recovered.
   */
  recoverInterrupted(isRecorded: (streamId: string) => Promise<boolean>, quietMs: number): Promise<StreamEnded[]> {
    const ctx = {
      ...this.opts,
      now: this.now,
      skip: (streamId: string) => this.closed || this.byStreamId(streamId) !== undefined,
      recoverRenditions: (dir: string) => this.abr.recover(dir),
      ended: (ended: StreamEnded) => this.emit('ended', ended),
    };
    return recoverInterrupted(ctx, isRecorded, quietMs);
  }

  /** Deletes a finished stream's files (replay retention). */
  deleteFiles(streamId: string): Promise<void> {
    return deleteStreamFiles(this.opts.mediaDir, streamId);
  }
}

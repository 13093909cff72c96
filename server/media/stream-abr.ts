// A live stream's ABR ladder, from the registry's side (live-streams.ts): when it starts (at the source's first
// init, with the frames since the first keyframe so the renditions begin with the source's first segment), what it
// is fed (the source's video on the source's media timeline), when the renditions join the master (each has a
// segment), how it ends (the renditions' final playlists), and their replays after a crash.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { MediaConfig } from '../config.js';
import type { Logger } from '../log.js';
import { AbrLadder, ABR_LADDER, renditionsFor, renditionVariants } from './abr.js';
import type { MediaFrame } from './frame.js';
import type { LiveStream } from './live-stream.js';
import { JOURNAL_FILE, LivePackager } from './packager.js';

/** Frames held for a ladder that has not started, at most: past it, the backlog starts again at the next keyframe. */
const MAX_BACKLOG_BYTES = 16 * 1024 * 1024;

/** What a rendition's variant announces for the audio it plays with (the source's, typically 128 kb/s AAC). */
const AUDIO_BITS_PER_SECOND = 128_000;

export class StreamAbr {
  constructor(
    private readonly opts: {
      ffmpeg: string;
      media: MediaConfig;
      logger: Logger;
      now: () => number;
    },
  ) {}

  /** A frame the source's packager has just taken: to the ladder, or held for it until it starts. */
  frame(stream: LiveStream, frame: MediaFrame): void {
    if (!this.opts.media.abr || frame.track !== 'video') return;
    const mediaMs = frame.kind === 'config' ? undefined : stream.packager.mediaTime(frame.dts);
    if (stream.abr) {
      stream.abr.write(frame, mediaMs);
      return;
    }
    if (stream.abrDecided || frame.kind === 'config') return;
    if (frame.kind === 'key' && stream.abrBacklogBytes > MAX_BACKLOG_BYTES) stream.abrBacklog = [];
    if (stream.abrBacklog.length === 0 && frame.kind !== 'key') return;
    if (stream.abrBacklog.length === 0) stream.abrBacklogBytes = 0;
    stream.abrBacklog.push([frame, mediaMs]);
    stream.abrBacklogBytes += frame.tag.length;
  }

  /** The source has its first init (its size is known): start the ladder, when the source is large enough. */
  init(stream: LiveStream, onRenditionChange: () => void): void {
    if (!this.opts.media.abr || stream.abrDecided) return;
    stream.abrDecided = true;
    const backlog = stream.abrBacklog;
    stream.abrBacklog = [];
    const info = stream.packager.info();
    if (!info.video) return;
    const { width, height } = info.video;
    const renditions = renditionsFor(height).map((r) => ({ ...r, width: Math.round((width * r.height) / height / 2) * 2 }));
    if (!renditions.length) return;
    const m = this.opts.media;
    const ladder = new AbrLadder({
      ffmpeg: this.opts.ffmpeg,
      dir: stream.dir,
      renditions,
      source: stream.packager,
      packaging: {
        segmentSeconds: m.segmentSeconds,
        liveWindow: m.liveWindowSegments,
        now: this.opts.now,
        partSeconds: m.lowLatency ? m.partSeconds : 0,
        // The renditions' playlists are numbered as the source's.
        continues: stream.packager.continues,
      },
      logger: this.opts.logger,
      onExit: (exit) => {
        if (exit.code !== 0)
          this.opts.logger.warn(
            { channel: stream.channel, code: exit.code, stalled: exit.stalled, stderr: exit.stderrTail.slice(-300) },
            'ABR ladder exited',
          );
      },
    });
    for (const r of ladder.renditions) {
      r.packager.on('part', onRenditionChange);
      r.packager.on('segment', onRenditionChange);
      r.packager.on('error', (err: Error) =>
        this.opts.logger.warn({ channel: stream.channel, rendition: r.rendition.name, err: err.message }, 'ABR rendition packager error'),
      );
    }
    ladder.start();
    stream.abr = ladder;
    stream.linkRenditionReports();
    for (const h of stream.sequenceHeaders) ladder.write(h, undefined);
    for (const [frame, mediaMs] of backlog) ladder.write(frame, mediaMs);
  }

  /** Lists the renditions in the master once each has a segment, so players never meet a playlist that is not there. */
  listRenditions(stream: LiveStream): void {
    const ladder = stream.abr;
    if (!ladder || stream.renditionsListed || !ladder.renditions.every((r) => r.packager.position().segments > 0)) return;
    const audio = stream.packager.info().audio ? AUDIO_BITS_PER_SECOND : 0;
    const variants = ladder.renditions.map((r) => ({ ...r.rendition, codec: r.packager.videoCodec() ?? 'avc1.64001f' }));
    stream.packager.setRenditions(renditionVariants(variants, audio));
    stream.renditionsListed = true;
  }

  /**
   * The renditions of a stream whose server stopped without ending it, from their journals: their final playlists
   * are written (see LivePackager.recover). Returns the names of those with segments.
   */
  recover(dir: string): string[] {
    const out: string[] = [];
    for (const r of ABR_LADDER) {
      const sub = path.join(dir, r.name);
      if (!existsSync(path.join(sub, JOURNAL_FILE))) continue;
      const p = LivePackager.recover({ dir: sub, segmentSeconds: this.opts.media.segmentSeconds, mediaOnly: true });
      if (p && p.info().segments > 0) out.push(r.name);
    }
    return out;
  }
}

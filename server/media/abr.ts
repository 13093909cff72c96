// The optional ABR ladder: one ffmpeg child per stream decodes the source's video once and encodes 720p and 480p
// renditions, each written as FLV to its own pipe. Each rendition is then packaged here like the source (its own
// LivePackager in a folder named after it: CMAF segments, Low-Latency HLS parts, its journal), on the source's
// segment grid: ffmpeg keeps every frame's time and makes keyframes where the source has them, and the rendition's
// segments begin where the source's do (rendition-grid.ts), with the same numbers and wall clock. The source itself
// is never re-encoded, and every rendition plays with the source's audio (the master's one audio group).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pipeUrl, type FfmpegCommand } from '../ffmpeg/args.js';
import { FfmpegProcess, type FfmpegExit } from '../ffmpeg/process.js';
import type { Logger } from '../log.js';
import { FlvStreamReader } from './flv-file.js';
import { flvHeader, flvTag } from './flv-writer.js';
import type { MediaFrame } from './frame.js';
import { TRACK_FILES, type HlsVideoVariant } from './hls-playlist.js';
import { LivePackager, type PackagerOptions } from './packager.js';
import { sourceGrid } from './rendition-grid.js';

export interface Rendition {
  name: string;
  height: number;
  videoKbps: number;
}

export const ABR_LADDER: Rendition[] = [
  { name: '720p', height: 720, videoKbps: 2800 },
  { name: '480p', height: 480, videoKbps: 1200 },
];

/** A rendition's folder in the stream folder (its files are named as the source's: TRACK_FILES). */
export const renditionFolder = (r: Pick<Rendition, 'name'>): string => `${r.name}/`;

/** The media playlist of a rendition, relative to the stream folder. */
export const renditionPlaylist = (r: Pick<Rendition, 'name'>): string => renditionFolder(r) + TRACK_FILES.video.playlist;

/** Renditions worth making for a source of this height: never upscale, never duplicate the source. */
export function renditionsFor(sourceHeight: number, ladder = ABR_LADDER): Rendition[] {
  return ladder.filter((r) => r.height < sourceHeight);
}

/** Output pipes start after stdin, stdout and stderr. */
const FIRST_PIPE_FD = 3;

/** The ladder's ffmpeg: FLV in on stdin, one FLV output per rendition on pipes 3, 4, … */
export function abrCommand(renditions: Rendition[]): FfmpegCommand {
  return {
    logLevel: 'error',
    // Every frame keeps its time, so a rendition's keyframe is presented when the source's is.
    copyTimestamps: true,
    // The input starts with the sequence header, so 0.1 s of probing is enough; the default 5 s would hold the
    // renditions back that long.
    inputs: [{ url: 'pipe:0', format: 'flv', options: { analyzeduration: 100_000 } }],
    outputs: renditions.map((r, i) => ({
      url: pipeUrl(FIRST_PIPE_FD + i),
      format: 'flv',
      maps: ['0:v:0'],
      video: {
        codec: 'libx264',
        preset: 'veryfast',
        // No B-frames and no lookahead: a frame leaves the encoder as soon as it is in, for Low-Latency parts.
        tune: 'zerolatency',
        height: r.height,
        bitrateKbps: r.videoKbps,
        maxrateKbps: Math.round(r.videoKbps * 1.1),
        bufsizeKbps: r.videoKbps * 2,
        pixelFormat: 'yuv420p',
        // Keyframes exactly where the source has them, and no others: segments cut where the source's do.
        forceKeyframes: 'source',
        passthroughTimestamps: true,
        options: { g: 100_000, sc_threshold: 0 },
      },
      audio: 'none',
      // Each frame to the pipe as it is encoded; no seek back to patch the header (a pipe cannot).
      options: { flush_packets: 1, flvflags: 'no_duration_filesize' },
    })),
  };
}

/** The master playlist's entries for the renditions. */
export function renditionVariants(renditions: Array<Rendition & { width: number; codec: string }>, audioBitsPerSecond: number): HlsVideoVariant[] {
  return renditions.map((r) => ({
    uri: renditionPlaylist(r),
    bandwidth: r.videoKbps * 1000 * 1.1 + audioBitsPerSecond,
    codec: r.codec,
    width: r.width,
    height: r.height,
  }));
}

/** One rendition of a stream: what it is and the packager of its ffmpeg output. */
export interface AbrRendition {
  rendition: Rendition & { width: number };
  packager: LivePackager;
}

/** Bytes waiting for ffmpeg past which frames are dropped (up to the next keyframe) rather than buffered. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

/**
 * Feeds a stream's video to the ladder's ffmpeg on the source's media timeline, and its outputs to the renditions'
 * packagers. Starts at a keyframe with the sequence header, drops frames (up to the next keyframe) when ffmpeg
 * falls behind rather than buffering without bound.
 */
export class AbrLadder {
  readonly renditions: AbrRendition[];
  private proc?: FfmpegProcess;
  private started = false;
  private dropping = false;
  private resync = false;
  private lastTs = 0;
  private header?: MediaFrame;
  private exitReported = false;
  /** The largest composition offset of the source's keyframes (ms): how far before a keyframe's time its segment may start. */
  private keyframeOffsetMs = 0;

  constructor(
    private readonly opts: {
      ffmpeg: string;
      dir: string;
      renditions: Array<Rendition & { width: number }>;
      /** The source's packager: its segments are the grid. */
      source: LivePackager;
      /** How the renditions are packaged (segment and part targets, live window, clock), as the source is. */
      packaging: Omit<PackagerOptions, 'dir' | 'grid' | 'mediaOnly'>;
      logger: Logger;
      onExit: (exit: FfmpegExit) => void;
    },
  ) {
    const grid = sourceGrid(opts.source.gridSource(() => this.keyframeOffsetMs));
    this.renditions = opts.renditions.map((rendition) => {
      const dir = path.join(opts.dir, rendition.name);
      mkdirSync(dir, { recursive: true });
      return { rendition, packager: new LivePackager({ ...opts.packaging, dir, grid, mediaOnly: true }) };
    });
  }

  /** Starts ffmpeg; its outputs go to the renditions' packagers as they come. */
  start(): void {
    const proc = new FfmpegProcess({
      binary: this.opts.ffmpeg,
      stdin: 'pipe',
      stallSeconds: 30,
      outputPipes: this.renditions.length,
      command: abrCommand(this.renditions.map((r) => r.rendition)),
    });
    this.proc = proc;
    this.renditions.forEach(({ rendition, packager }, i) => {
      const reader = new FlvStreamReader((frame) => packager.push(frame));
      let failed = false;
      proc.output(i).on('data', (chunk: Buffer) => {
        if (failed) return;
        try {
          reader.push(chunk);
        } catch (err) {
          failed = true;
          this.opts.logger.warn({ rendition: rendition.name, err: (err as Error).message }, 'ABR rendition output unreadable');
        }
      });
    });
    proc.done.then((exit) => {
      if (!this.exitReported) {
        this.exitReported = true;
        this.opts.onExit(exit);
      }
    });
  }

  /** A source frame, `mediaMs` its time on the source's media timeline (undefined: not placed on it yet). */
  write(frame: MediaFrame, mediaMs: number | undefined): void {
    // Video only: the renditions play with the source's audio.
    if (!this.proc || frame.track !== 'video') return;
    if (frame.kind === 'config') {
      this.header = frame;
      if (this.started && !this.resync) this.send(frame, this.lastTs);
      return;
    }
    if (mediaMs === undefined) return;
    const key = frame.kind === 'key';
    if (key) this.keyframeOffsetMs = Math.max(this.keyframeOffsetMs, frame.cts);
    if (!this.started) {
      if (!key) return;
      this.started = true;
      this.proc.write(flvHeader(false, true));
      if (this.header) this.send(this.header, mediaMs);
    }
    if (this.resync) {
      // The publisher came back: the decoder starts again at a keyframe (the media timeline simply continues).
      if (!key) return;
      this.resync = false;
      if (this.header) this.send(this.header, mediaMs);
    }
    if (this.dropping) {
      if (!key) return;
      this.dropping = false;
    }
    if (!this.send(frame, mediaMs)) this.dropping = (this.proc.stdin?.writableLength ?? 0) > MAX_BACKLOG_BYTES;
  }

  /** The publisher reconnected: frames resume at its next keyframe. */
  discontinuity(): void {
    if (this.started) this.resync = true;
  }

  private send(frame: MediaFrame, ts: number): boolean {
    this.lastTs = Math.max(this.lastTs, ts);
    let ok = true;
    for (const part of flvTag(frame, frame.dts - ts)) ok = this.proc!.write(part);
    return ok;
  }

  /** Ends the input, lets ffmpeg encode what it holds, then ends the renditions' packagers (their final playlists). */
  async finish(): Promise<void> {
    if (this.proc) {
      this.exitReported = true;
      await this.proc.finish(10_000);
    }
    for (const r of this.renditions) await r.packager.end();
  }
}

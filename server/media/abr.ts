// The optional ABR ladder: one ffmpeg child per stream decodes the source once and encodes 720p and 480p
// video-only HLS renditions beside the source's own segments. The source itself is never re-encoded, and every
// rendition plays with the source's audio track (the master's one audio group), so audio is never re-encoded either.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FfmpegOutput } from '../ffmpeg/args.js';
import type { HlsVideoVariant } from './hls-playlist.js';
import { FfmpegProcess, type FfmpegExit } from '../ffmpeg/process.js';
import type { Logger } from '../log.js';
import { flvHeader, flvTag } from './flv-writer.js';
import { retimed, type MediaFrame } from './frame.js';

export interface Rendition {
  name: string;
  height: number;
  videoKbps: number;
}

export const ABR_LADDER: Rendition[] = [
  { name: '720p', height: 720, videoKbps: 2800 },
  { name: '480p', height: 480, videoKbps: 1200 },
];

/** The media playlist of a rendition, relative to the stream folder. */
export const renditionPlaylist = (r: Rendition): string => `${r.name}/index.m3u8`;

/** Renditions worth making for a source of this height: never upscale, never duplicate the source. */
export function renditionsFor(sourceHeight: number, ladder = ABR_LADDER): Rendition[] {
  return ladder.filter((r) => r.height < sourceHeight);
}

export function abrOutputs(dir: string, renditions: Rendition[], segmentSeconds: number): FfmpegOutput[] {
  return renditions.map((r) => ({
    url: path.join(dir, renditionPlaylist(r)),
    format: 'hls',
    maps: ['0:v:0'],
    video: {
      codec: 'libx264',
      preset: 'veryfast',
      height: r.height,
      bitrateKbps: r.videoKbps,
      maxrateKbps: Math.round(r.videoKbps * 1.1),
      bufsizeKbps: r.videoKbps * 2,
      pixelFormat: 'yuv420p',
      // Keyframes on the segment grid whatever the frame rate, so renditions switch cleanly.
      options: { force_key_frames: `expr:gte(t,n_forced*${segmentSeconds})`, sc_threshold: 0 },
    },
    audio: 'none',
    options: {
      hls_time: segmentSeconds,
      hls_segment_type: 'fmp4',
      hls_list_size: 0,
      hls_playlist_type: 'event',
      hls_flags: 'independent_segments+program_date_time',
      hls_fmp4_init_filename: 'init.mp4',
      hls_segment_filename: path.join(dir, r.name, 'seg-%d.m4s'),
    },
  }));
}

/** The master playlist's entries for the renditions (x264 High profile, level 3.1 as ffmpeg picks for these sizes). */
export function renditionVariants(renditions: Array<Rendition & { width: number }>, audioBitsPerSecond: number): HlsVideoVariant[] {
  return renditions.map((r) => ({
    uri: renditionPlaylist(r),
    bandwidth: r.videoKbps * 1000 * 1.1 + audioBitsPerSecond,
    codec: 'avc1.64001f',
    width: r.width,
    height: r.height,
  }));
}

/**
 * Feeds a stream's video to the ladder's ffmpeg. Starts at a keyframe with the sequence header, drops
 * frames (up to the next keyframe) when ffmpeg falls behind rather than buffering without bound.
 */
export class AbrLadder {
  private proc?: FfmpegProcess;
  private started = false;
  private dropping = false;
  private baseTs = 0;
  private lastOutTs = 0;
  private rebase = false;
  private header?: MediaFrame;
  private exitReported = false;

  constructor(
    private readonly opts: {
      ffmpeg: string;
      dir: string;
      renditions: Rendition[];
      segmentSeconds: number;
      logger: Logger;
      onExit: (exit: FfmpegExit) => void;
    },
  ) {}

  async start(): Promise<void> {
    for (const r of this.opts.renditions) await mkdir(path.join(this.opts.dir, r.name), { recursive: true });
    this.proc = new FfmpegProcess({
      binary: this.opts.ffmpeg,
      stdin: 'pipe',
      stallSeconds: 30,
      command: {
        logLevel: 'error',
        // The input starts with the sequence header, so 0.1 s of probing is enough; the default 5 s would hold
        // the renditions back that long.
        inputs: [{ url: 'pipe:0', format: 'flv', options: { analyzeduration: 100_000 } }],
        outputs: abrOutputs(this.opts.dir, this.opts.renditions, this.opts.segmentSeconds),
      },
    });
    this.proc.done.then((exit) => {
      if (!this.exitReported) {
        this.exitReported = true;
        this.opts.onExit(exit);
      }
    });
  }

  write(frame: MediaFrame): void {
    // Video only: the renditions play with the source's audio.
    if (!this.proc || frame.track !== 'video') return;
    if (frame.kind === 'config') {
      this.header = frame;
      if (this.started) this.send(frame);
      return;
    }
    const key = frame.kind === 'key';
    if (!this.started) {
      if (!key) return;
      this.started = true;
      this.baseTs = frame.dts;
      this.proc.write(flvHeader(false, true));
      if (this.header) this.send(retimed(this.header, frame.dts));
    }
    if (this.rebase) {
      // The publisher came back with its own clock: continue ffmpeg's timeline from where it stopped.
      if (!key) return;
      this.rebase = false;
      this.baseTs = frame.dts - (this.lastOutTs + 40);
      if (this.header) this.send(retimed(this.header, frame.dts));
    }
    if (this.dropping) {
      if (!key) return;
      this.dropping = false;
    }
    if (!this.send(frame)) this.dropping = (this.proc.stdin?.writableLength ?? 0) > 8 * 1024 * 1024;
  }

  /** The publisher reconnected (timestamps restart). */
  discontinuity(): void {
    if (this.started) this.rebase = true;
  }

  private send(frame: MediaFrame): boolean {
    this.lastOutTs = Math.max(this.lastOutTs, frame.dts - this.baseTs);
    let ok = true;
    for (const part of flvTag(frame, this.baseTs)) ok = this.proc!.write(part);
    return ok;
  }

  /** Ends the input so ffmpeg writes ENDLIST on every rendition. */
  async finish(): Promise<void> {
    if (!this.proc) return;
    this.exitReported = true;
    await this.proc.finish(10000);
  }
}

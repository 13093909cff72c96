// The optional ABR ladder: one ffmpeg child per stream decodes the source once and encodes 720p and 480p
// HLS renditions beside the source's own segments. The source itself is never re-encoded.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FfmpegOutput } from '../ffmpeg/args.js';
import { FfmpegProcess, type FfmpegExit } from '../ffmpeg/process.js';
import type { Logger } from '../log.js';
import type { MediaMessage } from '../rtmp/types.js';
import { flvHeader, flvTag, isKeyframe, isSequenceHeader } from './flv-writer.js';

export interface Rendition {
  name: string;
  height: number;
  videoKbps: number;
  audioKbps: number;
}

export const ABR_LADDER: Rendition[] = [
  { name: '720p', height: 720, videoKbps: 2800, audioKbps: 128 },
  { name: '480p', height: 480, videoKbps: 1200, audioKbps: 96 },
];

/** Renditions worth making for a source of this height: never upscale, never duplicate the source. */
export function renditionsFor(sourceHeight: number, ladder = ABR_LADDER): Rendition[] {
  return ladder.filter((r) => r.height < sourceHeight);
}

export function abrOutputs(dir: string, renditions: Rendition[], segmentSeconds: number, hasAudio: boolean): FfmpegOutput[] {
  return renditions.map((r) => ({
    url: path.join(dir, r.name, 'index.m3u8'),
    format: 'hls',
    maps: hasAudio ? ['0:v:0', '0:a:0'] : ['0:v:0'],
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
    audio: hasAudio ? { codec: 'aac', bitrateKbps: r.audioKbps, channels: 2 } : 'none',
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

/** A master playlist: the source first (players start there), then the lower renditions. */
export function renderMasterPlaylist(source: { uri: string; bandwidth: number; width: number; height: number; codecs: string }, renditions: Array<Rendition & { width: number }>, audioCodec?: string): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${Math.round(source.bandwidth)},RESOLUTION=${source.width}x${source.height},CODECS="${source.codecs}"`, source.uri);
  for (const r of renditions) {
    const bw = (r.videoKbps + (audioCodec ? r.audioKbps : 0)) * 1000 * 1.1;
    const codecs = audioCodec ? `avc1.64001f,${audioCodec}` : 'avc1.64001f';
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${Math.round(bw)},RESOLUTION=${r.width}x${r.height},CODECS="${codecs}"`, `${r.name}/index.m3u8`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Feeds a stream's messages to the ladder's ffmpeg. Starts at a keyframe with the sequence headers, drops
 * frames (up to the next keyframe) when ffmpeg falls behind rather than buffering without bound.
 */
export class AbrLadder {
  private proc?: FfmpegProcess;
  private started = false;
  private dropping = false;
  private baseTs = 0;
  private lastOutTs = 0;
  private rebase = false;
  private readonly headers: MediaMessage[] = [];
  private exitReported = false;

  constructor(
    private readonly opts: { ffmpeg: string; dir: string; renditions: Rendition[]; segmentSeconds: number; hasAudio: boolean; logger: Logger; onExit: (exit: FfmpegExit) => void },
  ) {}

  async start(): Promise<void> {
    for (const r of this.opts.renditions) await mkdir(path.join(this.opts.dir, r.name), { recursive: true });
    this.proc = new FfmpegProcess({
      binary: this.opts.ffmpeg,
      stdin: 'pipe',
      stallSeconds: 30,
      command: {
        logLevel: 'error',
        inputs: [{ url: 'pipe:0', format: 'flv' }],
        outputs: abrOutputs(this.opts.dir, this.opts.renditions, this.opts.segmentSeconds, this.opts.hasAudio),
      },
    });
    this.proc.done.then((exit) => {
      if (!this.exitReported) {
        this.exitReported = true;
        this.opts.onExit(exit);
      }
    });
  }

  write(msg: MediaMessage): void {
    if (!this.proc) return;
    if (msg.type === 'data') return;
    if (isSequenceHeader(msg)) {
      const i = this.headers.findIndex((h) => h.type === msg.type);
      if (i >= 0) this.headers[i] = msg;
      else this.headers.push(msg);
      if (this.started) this.send(msg);
      return;
    }
    if (!this.started) {
      if (!isKeyframe(msg)) return;
      this.started = true;
      this.baseTs = msg.timestamp;
      this.proc.write(flvHeader(this.opts.hasAudio, true));
      for (const h of this.headers) this.send({ ...h, timestamp: msg.timestamp });
    }
    if (this.rebase) {
      // The publisher came back with its own clock: continue ffmpeg's timeline from where it stopped.
      if (!isKeyframe(msg)) return;
      this.rebase = false;
      this.baseTs = msg.timestamp - (this.lastOutTs + 40);
      for (const h of this.headers) this.send({ ...h, timestamp: msg.timestamp });
    }
    if (this.dropping) {
      if (!isKeyframe(msg)) return;
      this.dropping = false;
    }
    if (!this.send(msg)) this.dropping = (this.proc.stdin?.writableLength ?? 0) > 8 * 1024 * 1024;
  }

  /** The publisher reconnected (timestamps restart). */
  discontinuity(): void {
    if (this.started) this.rebase = true;
  }

  private send(msg: MediaMessage): boolean {
    this.lastOutTs = Math.max(this.lastOutTs, msg.timestamp - this.baseTs);
    let ok = true;
    for (const part of flvTag(msg, this.baseTs)) ok = this.proc!.write(part);
    return ok;
  }

  /** Ends the input so ffmpeg writes ENDLIST on every rendition. */
  async finish(): Promise<void> {
    if (!this.proc) return;
    this.exitReported = true;
    await this.proc.finish(10000);
  }
}

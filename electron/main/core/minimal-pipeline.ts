// A minimal stand-in for electron/broadcast's Broadcast, with the same API, used until that module lands: one
// ffmpeg process pushing to RTMP, health from `-progress pipe:1`, states idle -> connecting -> live -> ended |
// failed(reason). No reconnection, no picture-in-picture. The real pipeline replaces it in pipeline.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { maskSecrets } from '../../../server/ffmpeg/args.js';
import type { BroadcastHealth, BroadcastSettings, BroadcastState, FailureCode } from '../../broadcast/types.js';
import type { BroadcastLike, PipelineLogger, PipelineModule } from './pipeline.js';
import { sourceInputArgs } from './sources.js';

const KNOWN_ENCODERS = ['libx264', 'h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_videotoolbox', 'h264_vaapi'];

export async function probeEncodersMinimal(ffmpegPath: string): Promise<string[]> {
  const out = await new Promise<string>((resolve) => {
    let text = '';
    const p = spawn(ffmpegPath, ['-hide_banner', '-encoders'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.stdout.on('data', (c: Buffer) => (text += c.toString()));
    p.on('error', () => resolve(''));
    p.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
  const listed = KNOWN_ENCODERS.filter((e) => new RegExp(`\\s${e}\\s`).test(out));
  return listed.length ? listed : [];
}

class MinimalBroadcast extends EventEmitter implements BroadcastLike {
  private _state: BroadcastState = { kind: 'idle' };
  private proc: ChildProcess | null = null;
  private stopping = false;
  private stderrTail = '';
  private last = { frames: 0, drop: 0, dup: 0, t: 0 };
  private startedAt = 0;

  constructor(
    private readonly settings: BroadcastSettings,
    private readonly opts: { ffmpegPath?: string; logger?: PipelineLogger },
  ) {
    super();
  }

  get state(): BroadcastState {
    return this._state;
  }

  private set(s: BroadcastState) {
    this._state = s;
    this.emit('state', s);
  }

  start(): void {
    if (this.proc) return;
    const s = this.settings;
    const v = s.video;
    const url = `${s.server.replace(/\/+$/, '')}/${s.streamKey}`;
    const gop = Math.max(1, Math.round(v.fps * v.keyframeSeconds));
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1',
      ...sourceInputArgs(s.source, { fps: v.fps, realtime: true }),
      '-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=44100',
      '-map', '0:v:0', '-map', '1:a:0',
      '-vf', `scale=${v.width}:${v.height}:force_original_aspect_ratio=decrease,pad=${v.width}:${v.height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`,
      '-r', String(v.fps),
      '-c:v', v.encoder, ...(v.encoder === 'libx264' ? ['-preset', 'veryfast', '-tune', 'zerolatency'] : []),
      '-b:v', `${v.bitrateKbps}k`, '-maxrate', `${v.bitrateKbps}k`, '-bufsize', `${v.bitrateKbps * 2}k`,
      '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
      '-c:a', 'aac', '-b:a', `${s.audio.bitrateKbps}k`,
      ...(s.durationSeconds ? ['-t', String(s.durationSeconds)] : []),
      ...(s.recordPath ? ['-f', 'tee', `[f=flv:onfail=ignore]${url}|[f=${s.recordPath.endsWith('.mp4') ? 'mp4' : 'matroska'}:onfail=ignore]${s.recordPath}`] : ['-f', 'flv', url]),
    ];
    this.set({ kind: 'connecting', attempt: 1 });
    this.startedAt = Date.now();
    const proc = spawn(this.opts.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    let buf = '';
    const fields: Record<string, string> = {};
    proc.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        const eq = line.indexOf('=');
        if (eq < 0) continue;
        const k = line.slice(0, eq);
        fields[k] = line.slice(eq + 1);
        if (k === 'progress') this.onProgress(fields);
      }
    });
    proc.stderr!.on('data', (c: Buffer) => {
      this.stderrTail = (this.stderrTail + c.toString()).slice(-4000);
    });
    proc.on('error', (err: NodeJS.ErrnoException) => {
      this.proc = null;
      if (err.code === 'ENOENT') this.set({ kind: 'failed', code: 'ffmpeg_missing', reason: 'ffmpeg was not found. Reinstall Onair Studio or set FFMPEG_PATH.' });
      else this.set({ kind: 'failed', code: 'encoder_failed', reason: `ffmpeg could not start: ${err.message}` });
    });
    proc.on('close', (code) => {
      this.proc = null;
      if (this._state.kind === 'failed') return;
      if (this.stopping || code === 0) return this.set({ kind: 'ended' });
      const tail = maskSecrets(this.stderrTail, [this.settings.streamKey]);
      this.opts.logger?.warn({ code, stderr: tail.slice(-500) }, 'broadcast ffmpeg exited');
      this.set(classify(tail, this._state.kind === 'live'));
    });
  }

  private onProgress(f: Record<string, string>) {
    const frames = Number(f.frame ?? 0);
    const now = Date.now();
    if (this._state.kind === 'connecting' && frames > 0) this.set({ kind: 'live', since: now });
    const bitrate = parseFloat(f.bitrate ?? '');
    const dt = this.last.t ? (now - this.last.t) / 1000 : 0;
    const fps = dt > 0 ? (frames - this.last.frames) / dt : 0;
    const health: BroadcastHealth = {
      bitrateKbps: Number.isFinite(bitrate) ? Math.round(bitrate) : 0,
      fps: Math.round(fps * 10) / 10,
      droppedFrames: Number(f.drop_frames ?? 0),
      duplicatedFrames: Number(f.dup_frames ?? 0),
      speed: parseFloat(f.speed ?? '') || 0,
      cpuPercent: cpuOf(this.proc?.pid),
      uptimeSeconds: Math.round((now - this.startedAt) / 1000),
    };
    this.last = { frames, drop: health.droppedFrames, dup: health.duplicatedFrames, t: now };
    if (this._state.kind === 'live') this.emit('health', health);
  }

  stop(): void {
    this.stopping = true;
    const p = this.proc;
    if (!p) {
      if (this._state.kind !== 'failed') this.set({ kind: 'ended' });
      return;
    }
    p.kill('SIGINT');
    setTimeout(() => p.exitCode === null && p.kill('SIGKILL'), 3000).unref();
  }
}

const cpuSamples = new Map<number, { ticks: number; at: number }>();
/** % of one core from /proc on Linux; 0 elsewhere (the real pipeline measures it everywhere). */
function cpuOf(pid: number | undefined): number {
  if (!pid || process.platform !== 'linux') return 0;
  try {
    const stat = readProcStat(pid);
    if (!stat) return 0;
    const prev = cpuSamples.get(pid);
    cpuSamples.set(pid, stat);
    if (!prev) return 0;
    const secs = (stat.at - prev.at) / 1000;
    return secs > 0 ? Math.round(((stat.ticks - prev.ticks) / 100 / secs) * 100) : 0;
  } catch {
    return 0;
  }
}

function readProcStat(pid: number): { ticks: number; at: number } | null {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return Number.isFinite(ticks) ? { ticks, at: Date.now() } : null;
}

function classify(stderr: string, wasLive: boolean): BroadcastState {
  const fail = (code: FailureCode, reason: string): BroadcastState => ({ kind: 'failed', code, reason });
  if (/Connection refused|Cannot open connection|Network is unreachable|timed out|No route|Name or service not known/i.test(stderr))
    return fail('unreachable', wasLive ? 'The connection to the server was lost.' : 'Cannot reach the streaming server. Check the server address.');
  if (/Unknown encoder|Error while opening encoder|Could not open encoder|Cannot load/i.test(stderr)) return fail('encoder_failed', 'The video encoder could not start. Pick another encoder.');
  if (/x11grab|v4l2|dshow|avfoundation|gdigrab|No such file or directory|Input\/output error/i.test(stderr)) return fail('source_failed', 'The source could not be opened. Pick another source.');
  if (/Broken pipe|Connection reset|Error writing trailer|I\/O error/i.test(stderr))
    return wasLive ? fail('unreachable', 'The connection to the server was lost.') : fail('refused', 'The server refused the stream. Check the stream key.');
  return fail(wasLive ? 'unreachable' : 'refused', wasLive ? 'The stream stopped unexpectedly.' : 'The server did not accept the stream. Check the server address and stream key.');
}

export const minimalPipeline: PipelineModule = {
  name: 'minimal adapter (electron/main/core/minimal-pipeline.ts)',
  createBroadcast: (settings, opts) => new MinimalBroadcast(settings, opts),
  probeEncoders: probeEncodersMinimal,
};

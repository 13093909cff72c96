// A typed ffmpeg argument builder: every ffmpeg command this project runs is described as data and turned
// into argv here, so media logic does not hide in strings spread through the code. Pure; table-tested.

export type Scalar = string | number;

export interface FfmpegInput {
  /** URL, file path, 'pipe:0', or a device name. */
  url: string;
  /** -f before -i (flv, lavfi, x11grab, …). */
  format?: string;
  /** Read at native frame rate (-re). */
  realtime?: boolean;
  /** Options placed before -i, in order: { video_size: '1280x720', framerate: 30 }. */
  options?: Record<string, Scalar | undefined>;
  /** Loop the input forever (-stream_loop -1). */
  loop?: boolean;
}

export interface VideoEncode {
  codec: string; // libx264, h264_nvenc, copy, …
  bitrateKbps?: number;
  /** CBR: maxrate = bufsize/2 = bitrate. */
  cbr?: boolean;
  maxrateKbps?: number;
  bufsizeKbps?: number;
  preset?: string;
  tune?: string;
  profile?: string;
  /** GOP length in frames; also sets keyint_min and disables scene-cut keyframes for regular segments. */
  gopFrames?: number;
  fps?: number;
  /** Scale to this height keeping aspect (width even). */
  height?: number;
  width?: number;
  pixelFormat?: string;
  /**
   * Forced keyframes: 'source' where the input frame was a keyframe (renditions whose segments cut where the
   * source's do), or a number: every that many seconds of output time.
   */
  forceKeyframes?: 'source' | number;
  /**
   * Keep every input frame with its input timestamp (no frame rate conversion, the encoder in the input's time
   * base): an output whose frames must land at the source's times, to the millisecond.
   */
  passthroughTimestamps?: boolean;
  /** Extra -filter:v chain parts appended after scaling. */
  filters?: string[];
  /** Codec-private options: { 'x264-params': 'nal-hrd=cbr' }. */
  options?: Record<string, Scalar | undefined>;
}

export interface AudioEncode {
  codec: string; // aac, copy, …
  bitrateKbps?: number;
  sampleRate?: number;
  channels?: number;
}

/** The URL of an output written to the child's file descriptor `fd` (3 and up: see FfmpegRunOptions.outputPipes). */
export function pipeUrl(fd: number): string {
  return `pipe:${fd}`;
}

export interface FfmpegOutput {
  url: string;
  format: string;
  /** -map arguments, in order. */
  maps?: string[];
  video?: VideoEncode | 'none';
  audio?: AudioEncode | 'none';
  /** Stop after this many seconds (-t). */
  durationSeconds?: number;
  /** Stop after this many video frames (-frames:v). */
  frames?: number;
  /** Muxer options: { hls_time: 1, hls_segment_type: 'fmp4' }. */
  options?: Record<string, Scalar | undefined>;
}

export interface FfmpegCommand {
  inputs: FfmpegInput[];
  outputs: FfmpegOutput[];
  /** Defaults to 'error'. */
  logLevel?: 'quiet' | 'error' | 'warning' | 'info' | 'verbose';
  /** Write key=value progress to this URL, e.g. 'pipe:1'. */
  progressUrl?: string;
  /** Overwrite outputs (-y). Default true. */
  overwrite?: boolean;
  /** Keep the inputs' timestamps as they are (-copyts): outputs on the input's timeline. */
  copyTimestamps?: boolean;
  /** filter_complex graph, when one is needed (picture in picture). */
  filterComplex?: string;
}

function pushOptions(argv: string[], options: Record<string, Scalar | undefined> | undefined): void {
  if (!options) return;
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    argv.push(`-${k}`, String(v));
  }
}

function videoArgs(argv: string[], v: VideoEncode | 'none' | undefined): void {
  if (v === undefined) return;
  if (v === 'none') {
    argv.push('-vn');
    return;
  }
  argv.push('-c:v', v.codec);
  if (v.codec === 'copy') return;
  const filters: string[] = [];
  if (v.width || v.height) filters.push(`scale=${v.width ?? -2}:${v.height ?? -2}`);
  if (v.filters) filters.push(...v.filters);
  if (filters.length) argv.push('-filter:v', filters.join(','));
  if (v.fps) argv.push('-r', String(v.fps));
  if (v.pixelFormat) argv.push('-pix_fmt', v.pixelFormat);
  if (v.preset) argv.push('-preset', v.preset);
  if (v.tune) argv.push('-tune', v.tune);
  if (v.profile) argv.push('-profile:v', v.profile);
  if (v.bitrateKbps) {
    argv.push('-b:v', `${v.bitrateKbps}k`);
    const maxrate = v.maxrateKbps ?? (v.cbr ? v.bitrateKbps : undefined);
    const bufsize = v.bufsizeKbps ?? (v.cbr ? v.bitrateKbps * 2 : undefined);
    if (maxrate) argv.push('-maxrate', `${maxrate}k`);
    if (bufsize) argv.push('-bufsize', `${bufsize}k`);
  }
  if (v.gopFrames) argv.push('-g', String(v.gopFrames), '-keyint_min', String(v.gopFrames), '-sc_threshold', '0');
  if (v.forceKeyframes === 'source') argv.push('-force_key_frames', 'source');
  else if (v.forceKeyframes !== undefined) argv.push('-force_key_frames', `expr:gte(t,n_forced*${v.forceKeyframes})`);
  if (v.passthroughTimestamps) argv.push('-fps_mode', 'passthrough', '-enc_time_base:v', '-1');
  pushOptions(argv, v.options);
}

function audioArgs(argv: string[], a: AudioEncode | 'none' | undefined): void {
  if (a === undefined) return;
  if (a === 'none') {
    argv.push('-an');
    return;
  }
  argv.push('-c:a', a.codec);
  if (a.codec === 'copy') return;
  if (a.bitrateKbps) argv.push('-b:a', `${a.bitrateKbps}k`);
  if (a.sampleRate) argv.push('-ar', String(a.sampleRate));
  if (a.channels) argv.push('-ac', String(a.channels));
}

export function buildFfmpegArgs(cmd: FfmpegCommand): string[] {
  if (cmd.inputs.length === 0) throw new Error('ffmpeg command needs at least one input');
  if (cmd.outputs.length === 0) throw new Error('ffmpeg command needs at least one output');
  const argv = ['-hide_banner', '-nostdin', '-loglevel', cmd.logLevel ?? 'error'];
  if (cmd.overwrite !== false) argv.push('-y');
  if (cmd.progressUrl) argv.push('-progress', cmd.progressUrl, '-stats_period', '1');
  if (cmd.copyTimestamps) argv.push('-copyts');
  for (const input of cmd.inputs) {
    if (input.realtime) argv.push('-re');
    if (input.loop) argv.push('-stream_loop', '-1');
    pushOptions(argv, input.options);
    if (input.format) argv.push('-f', input.format);
    argv.push('-i', input.url);
  }
  if (cmd.filterComplex) argv.push('-filter_complex', cmd.filterComplex);
  for (const out of cmd.outputs) {
    for (const m of out.maps ?? []) argv.push('-map', m);
    videoArgs(argv, out.video);
    audioArgs(argv, out.audio);
    if (out.durationSeconds !== undefined) argv.push('-t', String(out.durationSeconds));
    if (out.frames !== undefined) argv.push('-frames:v', String(out.frames));
    pushOptions(argv, out.options);
    argv.push('-f', out.format, out.url);
  }
  return argv;
}

/**
 * Replaces secrets in an argv or a line of ffmpeg output: the stream key in an RTMP URL's last path
 * segment, and any literal secret passed in.
 */
export function maskSecrets(text: string, secrets: string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('****');
  // rtmp://host[:port]/app/<key>  -> rtmp://host[:port]/app/****
  return out.replace(/(rtmps?:\/\/[^\s/]+\/[^\s/]+\/)([^\s'"]+)/g, '$1****');
}

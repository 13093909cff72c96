// BroadcastSettings -> one ffmpeg command (through the server's typed builder). Pure; table-tested.
// One encode feeds the RTMP output and, through the tee muxer, the program as FLV on a pipe when asked: the
// broadcast reads it for the local recording (pipeline-recording.ts) and extra destinations (fanout.ts); with
// `preview`, a second output writes the same picture, small, as JPEG frames for the Studio (preview.ts).
import type { FfmpegCommand, FfmpegOutput } from '../../server/ffmpeg/args.js';
import { encoderProfile } from './encoders.js';
import { PREVIEW_FD, previewFilter, previewOutput } from './preview.js';
import { fitFilter, planSources, type SourceEnv, type SourcePlan } from './sources.js';
import { PRESETS, type BroadcastSettings, type PresetName, type VideoSettings } from './types.js';

export const DEFAULT_AUDIO_KBPS = 160;

/** rtmp://host/app + key -> rtmp://host/app/key (one slash). */
export function publishUrl(server: string, streamKey: string): string {
  return `${server.replace(/\/+$/, '')}/${streamKey}`;
}

/** Video settings from a preset name, with an encoder. */
export function presetVideo(name: PresetName, encoder = 'libx264'): VideoSettings {
  return { ...PRESETS[name], encoder };
}

/** Escapes a slave URL for the tee muxer (its separators are | and [ ], its escape character is \). */
export function escapeTee(url: string): string {
  return url.replace(/[\\|[\]']/g, (c) => `\\${c}`);
}

/** file.mkv, part 2 -> file-2.mkv: a reconnect starts a new ffmpeg, and must not overwrite the recording so far. */
export function recordPartPath(recordPath: string, part: number): string {
  return part <= 1 ? recordPath : recordNameWith(recordPath, `-${part}`);
}

/** file.mkv, "-vertical" -> file-vertical.mkv: a name beside a recording's, before its extension. */
export function recordNameWith(recordPath: string, suffix: string): string {
  const m = /^(.*?)(\.[^./\\]+)?$/.exec(recordPath)!;
  return `${m[1]}${suffix}${m[2] ?? ''}`;
}

/**
 * The container a recording is written in, from its name (the Studio takes .mkv, .mp4, .mov and .flv): fragmented
 * MP4 for .mp4 and .mov, FLV for .flv, Matroska otherwise. Each plays up to where it stopped if the app or the
 * machine dies, which a plain MP4 (its index written last) does not: OBS's advice, and its "Fragmented MP4" choice.
 */
export function recordFormat(recordPath: string): { format: 'mp4' | 'flv' | 'matroska'; options: Record<string, string> } {
  if (/\.(mp4|mov)$/i.test(recordPath)) return { format: 'mp4', options: { movflags: '+frag_keyframe+empty_moov+default_base_moof' } };
  return { format: /\.flv$/i.test(recordPath) ? 'flv' : 'matroska', options: {} };
}

export interface BuiltBroadcast {
  command: FfmpegCommand;
  plan: SourcePlan;
  /** Literal secrets to mask in anything logged. */
  secrets: string[];
}

/**
 * Whether ffmpeg also writes the program on a pipe (a recording, one that may start while live, or extra
 * destinations). It then goes through the tee muxer: the RTMP side's failure shows in ffmpeg's log rather than in
 * its exit, and ffmpeg reports no output size (the pipe's bytes tell it).
 */
export function usesTee(settings: BroadcastSettings): boolean {
  return !!settings.recordPath || !!settings.recordWhileLive || !!settings.destinations?.length;
}

/** The file descriptor of the program's FLV pipe: after the preview's, when there is one. */
export function programFd(settings: BroadcastSettings): number {
  return PREVIEW_FD + (settings.preview ? 1 : 0);
}

export type BuildResult = ({ ok: true } & BuiltBroadcast) | { ok: false; code: 'source_failed'; reason: string };

export interface BuildOptions {
  env: SourceEnv;
}

export function buildBroadcastCommand(settings: BroadcastSettings, opts: BuildOptions): BuildResult {
  const sources = planSources(settings, opts.env);
  if (!sources.ok) return sources;
  const plan = sources.plan;
  const v = settings.video;
  const enc = encoderProfile(v.encoder);
  const gop = Math.max(1, Math.round(v.fps * v.keyframeSeconds));

  let filterComplex = plan.filterComplex;
  let filters: string[] | undefined;
  let videoMap = plan.videoMap;
  let preview: FfmpegOutput | undefined;
  if (plan.videoScaledInGraph && filterComplex) {
    // Simple (-filter:v) and complex filtering cannot both apply to one stream: the preview's branch and the encoder's
    // filters join the graph. The preview branches off before the encoder's filters (a hardware upload).
    const graph = [filterComplex];
    if (settings.preview) {
      graph.push(`${videoMap}split=2[vprogram][vpreviewin]`, `[vpreviewin]${previewFilter(v.width, v.height)}[vpreview]`);
      videoMap = '[vprogram]';
      preview = previewOutput('[vpreview]');
    }
    if (enc.filters?.length) {
      graph.push(`${videoMap}${enc.filters.join(',')}[vencode]`);
      videoMap = '[vencode]';
    }
    filterComplex = graph.join(';');
  } else {
    filters = [fitFilter(v.width, v.height, v.fps), ...(enc.filters ?? [])];
    // The picture again, decoded once by ffmpeg, through its own small chain.
    if (settings.preview) preview = previewOutput(plan.videoMap, [previewFilter(v.width, v.height)]);
  }

  const inputs = plan.inputs.map((i) => ({ ...i, options: i.options ? { ...i.options } : undefined }));
  if (enc.globalOptions) inputs[0] = { ...inputs[0], options: { ...enc.globalOptions, ...(inputs[0].options ?? {}) } };

  const rtmp = publishUrl(settings.server, settings.streamKey);
  const base: Omit<FfmpegOutput, 'url' | 'format'> = {
    maps: [videoMap, plan.audioMap],
    video: {
      codec: enc.codec,
      bitrateKbps: v.bitrateKbps,
      cbr: true,
      gopFrames: gop,
      fps: v.fps,
      preset: enc.preset,
      tune: enc.tune,
      profile: enc.profile,
      pixelFormat: enc.pixelFormat,
      filters,
      options: enc.options,
    },
    audio: { codec: 'aac', bitrateKbps: settings.audio.bitrateKbps || DEFAULT_AUDIO_KBPS, sampleRate: 48000, channels: 2 },
  };

  let output: FfmpegOutput;
  if (usesTee(settings)) {
    // The same packets as FLV on a pipe, which the broadcast records from (a file that starts and stops at any time)
    // and hands to each extra destination's own connection (fanout.ts): one encode, and a destination or a disk that
    // fails touches neither ffmpeg nor the others. A write per packet, as to the server: its bytes are the bitrate
    // shown (ffmpeg's flush_packets=0 would cut the reads to a quarter but show the rate a 32 KB block at a time).
    const slaves = [
      `[f=flv:onfail=ignore:flvflags=no_duration_filesize]${escapeTee(rtmp)}`,
      `[f=flv:onfail=ignore:flvflags=no_duration_filesize]pipe:${programFd(settings)}`,
    ];
    output = {
      ...base,
      format: 'tee',
      // Every slave takes the encoder's global header (SPS/PPS in extradata), which FLV wants.
      // onfail=ignore: a network drop must not end the recording or the other outputs; we see the slave fail and reconnect.
      url: slaves.join('|'),
      options: { flags: '+global_header' },
    };
  } else {
    output = { ...base, format: 'flv', url: rtmp, options: { flvflags: 'no_duration_filesize' } };
  }

  return {
    ok: true,
    plan,
    secrets: [settings.streamKey, ...(settings.destinations ?? []).map((d) => d.key)],
    command: { inputs, outputs: preview ? [output, preview] : [output], filterComplex, logLevel: 'error', progressUrl: 'pipe:1' },
  };
}

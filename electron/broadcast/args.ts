// BroadcastSettings -> one ffmpeg command (through the server's typed builder). Pure; table-tested.
// One encode feeds the RTMP output and, when recording, a Matroska file through the tee muxer.
import type { FfmpegCommand, FfmpegOutput } from '../../server/ffmpeg/args.js';
import { encoderProfile } from './encoders.js';
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
  if (part <= 1) return recordPath;
  const m = /^(.*?)(\.[^./\\]+)?$/.exec(recordPath)!;
  return `${m[1]}-${part}${m[2] ?? ''}`;
}

export interface BuiltBroadcast {
  command: FfmpegCommand;
  plan: SourcePlan;
  /** Literal secrets to mask in anything logged. */
  secrets: string[];
}

export type BuildResult = ({ ok: true } & BuiltBroadcast) | { ok: false; code: 'source_failed'; reason: string };

export interface BuildOptions {
  env: SourceEnv;
  /** Recording part (1 = the path as given). */
  recordPart?: number;
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
  if (plan.videoScaledInGraph) {
    // Simple (-filter:v) and complex filtering cannot both apply to one stream: encoder filters join the graph.
    if (enc.filters?.length && filterComplex) {
      const at = filterComplex.lastIndexOf(plan.videoMap);
      filterComplex = `${filterComplex.slice(0, at)},${enc.filters.join(',')}${filterComplex.slice(at)}`;
    }
  } else {
    filters = [fitFilter(v.width, v.height, v.fps), ...(enc.filters ?? [])];
  }

  const inputs = plan.inputs.map((i) => ({ ...i, options: i.options ? { ...i.options } : undefined }));
  if (enc.globalOptions) inputs[0] = { ...inputs[0], options: { ...enc.globalOptions, ...(inputs[0].options ?? {}) } };

  const rtmp = publishUrl(settings.server, settings.streamKey);
  const base: Omit<FfmpegOutput, 'url' | 'format'> = {
    maps: [plan.videoMap, plan.audioMap],
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
  if (settings.recordPath) {
    const file = recordPartPath(settings.recordPath, opts.recordPart ?? 1);
    output = {
      ...base,
      format: 'tee',
      // Both slaves take the encoder's global header (SPS/PPS in extradata), which FLV and Matroska both want.
      // onfail=ignore: a network drop must not end the recording; we see the slave fail and reconnect.
      url: `[f=flv:onfail=ignore:flvflags=no_duration_filesize]${escapeTee(rtmp)}|[f=matroska]${escapeTee(file)}`,
      options: { flags: '+global_header' },
    };
  } else {
    output = { ...base, format: 'flv', url: rtmp, options: { flvflags: 'no_duration_filesize' } };
  }

  return {
    ok: true,
    plan,
    secrets: [settings.streamKey],
    command: { inputs, outputs: [output], filterComplex, logLevel: 'error', progressUrl: 'pipe:1' },
  };
}

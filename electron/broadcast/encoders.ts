// H.264 encoders: how each one is driven for live CBR, and a probe that offers only those that really encode on
// this machine (a one-second test encode each, in parallel, bounded). An encoder listed by `ffmpeg -encoders` is
// not enough: NVENC without an NVIDIA GPU, QSV without an Intel iGPU, VAAPI without /dev/dri all list and fail.
import { runFfmpeg } from '../../server/ffmpeg/process.js';
import type { FfmpegCommand, Scalar } from '../../server/ffmpeg/args.js';

export const ENCODER_CANDIDATES = ['libx264', 'h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_videotoolbox', 'h264_vaapi'] as const;

export const ENCODER_LABELS: Record<string, string> = {
  libx264: 'x264 (software)',
  h264_nvenc: 'NVIDIA NVENC',
  h264_qsv: 'Intel Quick Sync',
  h264_amf: 'AMD AMF',
  h264_videotoolbox: 'Apple VideoToolbox',
  h264_vaapi: 'VA-API (Linux GPU)',
};

/** How to drive one encoder for a live CBR stream. */
export interface EncoderProfile {
  codec: string;
  preset?: string;
  tune?: string;
  profile?: string;
  pixelFormat?: string;
  /** Filters after scaling (VAAPI uploads frames to the GPU). */
  filters?: string[];
  /** Codec options. */
  options: Record<string, Scalar | undefined>;
  /** Options that must precede the inputs (global device setup). */
  globalOptions?: Record<string, Scalar>;
}

export function encoderProfile(name: string, opts: { vaapiDevice?: string } = {}): EncoderProfile {
  switch (name) {
    case 'libx264':
      return {
        codec: name,
        preset: 'veryfast',
        tune: 'zerolatency',
        profile: 'high',
        pixelFormat: 'yuv420p',
        options: { 'x264-params': 'nal-hrd=cbr' },
      };
    case 'h264_nvenc':
      return { codec: name, preset: 'p4', profile: 'high', pixelFormat: 'yuv420p', options: { rc: 'cbr', tune: 'll', 'no-scenecut': 1 } };
    case 'h264_qsv':
      return { codec: name, preset: 'veryfast', profile: 'high', pixelFormat: 'nv12', options: { look_ahead: 0 } };
    case 'h264_amf':
      return { codec: name, profile: 'high', pixelFormat: 'yuv420p', options: { rc: 'cbr', usage: 'lowlatency' } };
    case 'h264_videotoolbox':
      return { codec: name, profile: 'high', pixelFormat: 'yuv420p', options: { realtime: 1, allow_sw: 0 } };
    case 'h264_vaapi':
      return {
        codec: name,
        filters: ['format=nv12', 'hwupload'],
        options: { rc_mode: 'CBR' },
        globalOptions: { vaapi_device: opts.vaapiDevice ?? '/dev/dri/renderD128' },
      };
    default:
      // An encoder we do not know: pass it through with no extra options.
      return { codec: name, pixelFormat: 'yuv420p', options: {} };
  }
}

/** The one-second test encode for one encoder (exported for tests). */
export function probeCommand(name: string): FfmpegCommand {
  const p = encoderProfile(name);
  return {
    inputs: [{ format: 'lavfi', url: 'testsrc2=size=640x360:rate=30', options: { ...(p.globalOptions ?? {}) } }],
    outputs: [
      {
        url: '-',
        format: 'null',
        durationSeconds: 1,
        video: {
          codec: p.codec,
          bitrateKbps: 1000,
          cbr: true,
          gopFrames: 30,
          preset: p.preset,
          profile: p.profile,
          pixelFormat: p.pixelFormat,
          filters: p.filters,
          options: p.options,
        },
        audio: 'none',
      },
    ],
  };
}

export interface ProbeResult {
  name: string;
  ok: boolean;
  ms: number;
  /** Why it failed: the last line ffmpeg wrote. */
  error?: string;
}

/** Tries each encoder with a one-second encode, in parallel; each is killed after timeoutMs. */
export async function probeEncoders(opts: { ffmpegPath: string; candidates?: readonly string[]; timeoutMs?: number }): Promise<ProbeResult[]> {
  const candidates = opts.candidates ?? ENCODER_CANDIDATES;
  return Promise.all(
    candidates.map(async (name): Promise<ProbeResult> => {
      const t0 = Date.now();
      const exit = await runFfmpeg({ binary: opts.ffmpegPath, command: probeCommand(name), timeoutMs: opts.timeoutMs ?? 8000 });
      const ok = exit.code === 0;
      const lastLine = exit.stderrTail.trim().split('\n').filter(Boolean).pop();
      return { name, ok, ms: Date.now() - t0, error: ok ? undefined : (lastLine ?? (exit.signal ? `killed (${exit.signal})` : `exit ${exit.code}`)) };
    }),
  );
}

/** Just the names that work, in candidate order (libx264 first when it works). */
export async function availableEncoders(opts: { ffmpegPath: string; candidates?: readonly string[]; timeoutMs?: number }): Promise<string[]> {
  return (await probeEncoders(opts)).filter((r) => r.ok).map((r) => r.name);
}

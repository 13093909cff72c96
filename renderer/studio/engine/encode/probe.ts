// What this machine's WebCodecs can do: the H.264 configuration to encode with (hardware first, then software; the
// profile/level candidates of avc-codec.ts in order) and whether AudioEncoder offers AAC-LC, else the
// WebAssembly encoder is used.
import { avcCandidates, type AvcChoice } from './avc-codec.js';

export interface VideoTarget {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
}

export interface VideoPlan {
  config: VideoEncoderConfig;
  choice: AvcChoice;
  acceleration: 'prefer-hardware' | 'prefer-software';
}

export const AAC_LC = 'mp4a.40.2';
export const AUDIO_RATE = 48_000;
export const AUDIO_CHANNELS = 2;

export function videoConfig(t: VideoTarget, codec: string, acceleration: VideoPlan['acceleration']): VideoEncoderConfig {
  return {
    codec,
    width: t.width,
    height: t.height,
    framerate: t.fps,
    bitrate: t.bitrateKbps * 1000,
    bitrateMode: 'constant',
    latencyMode: 'realtime',
    hardwareAcceleration: acceleration,
    // AVCC NAL units and the avcC record as `description`: what FLV carries, no Annex B rewriting.
    avc: { format: 'avc' },
  };
}

/** The first configuration the browser says it can encode; throws with plain words when there is none. */
export async function probeVideo(t: VideoTarget): Promise<VideoPlan> {
  if (typeof VideoEncoder === 'undefined') throw new Error('This browser has no WebCodecs video encoder.');
  const candidates = avcCandidates(t.width, t.height, t.fps, t.bitrateKbps);
  for (const acceleration of ['prefer-hardware', 'prefer-software'] as const) {
    for (const choice of candidates) {
      const config = videoConfig(t, choice.codec, acceleration);
      const r = await VideoEncoder.isConfigSupported(config).catch(() => ({ supported: false }));
      if (r.supported) return { config, choice, acceleration };
    }
  }
  throw new Error(`No H.264 encoder here takes ${t.width}x${t.height} at ${t.fps} fps and ${t.bitrateKbps} kb/s.`);
}

/** 'native' when AudioEncoder encodes AAC-LC at 48 kHz stereo, else 'wasm'. */
export async function probeAudio(bitrateKbps: number): Promise<'native' | 'wasm'> {
  if (typeof AudioEncoder === 'undefined') return 'wasm';
  const r = await AudioEncoder.isConfigSupported({
    codec: AAC_LC,
    sampleRate: AUDIO_RATE,
    numberOfChannels: AUDIO_CHANNELS,
    bitrate: bitrateKbps * 1000,
  }).catch(() => ({ supported: false }));
  return r.supported ? 'native' : 'wasm';
}

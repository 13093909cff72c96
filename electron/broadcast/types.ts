// The broadcast pipeline's contract: what the Studio asks for and what it is told. Plain data, no Node or
// Electron imports, so the renderer can import these types too.

/** What to show. */
export type SourceSpec =
  | { kind: 'test' }
  | {
      kind: 'screen';
      /** Monitor index (Windows ddagrab output, macOS "Capture screen N"). */
      display?: number;
      /** Part of the desktop to grab, in desktop pixels (a monitor's bounds on X11 and gdigrab); whole screen when absent. */
      region?: { x: number; y: number; width: number; height: number };
    }
  | { kind: 'window'; id: string; title?: string }
  | { kind: 'camera'; name: string }
  | { kind: 'android'; serial?: string };

export interface PictureInPicture {
  camera: string;
  /** Corner of the main picture. */
  position: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
  /** Width of the inset as a fraction of the output width (0.1 to 0.5). */
  size: number;
}

export interface AudioSettings {
  microphone?: string;
  /** System audio where the operating system allows it. */
  system?: boolean;
  /** Device for system audio where it is a named device: a PulseAudio monitor source, a DirectShow loopback
   * ("Stereo Mix", "virtual-audio-capturer"), or on macOS a virtual device such as "BlackHole 2ch". */
  systemDevice?: string;
  bitrateKbps: number;
}

export interface VideoSettings {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  /** Seconds between keyframes (default 2). */
  keyframeSeconds: number;
  /** An encoder name from the probe: libx264, h264_nvenc, h264_qsv, h264_amf, h264_videotoolbox, h264_vaapi. */
  encoder: string;
}

export interface BroadcastSettings {
  /** rtmp://host[:port]/app (Onair: rtmp://HOST/live). */
  server: string;
  /** Secret: never logged or shown in full. */
  streamKey: string;
  source: SourceSpec;
  pip?: PictureInPicture;
  video: VideoSettings;
  audio: AudioSettings;
  /** Also record to this file. */
  recordPath?: string;
  /** Stop after this many seconds (the CLI's --duration). */
  durationSeconds?: number;
}

export type FailureCode = 'wrong_key' | 'unreachable' | 'encoder_failed' | 'source_failed' | 'ffmpeg_missing' | 'refused';

export type BroadcastState =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'live'; since: number }
  | { kind: 'reconnecting'; attempt: number; retryInMs: number; reason: string }
  | { kind: 'ended' }
  | { kind: 'failed'; code: FailureCode; reason: string };

/** From ffmpeg's -progress output, about once a second while live. */
export interface BroadcastHealth {
  bitrateKbps: number;
  fps: number;
  droppedFrames: number;
  duplicatedFrames: number;
  /** Encoder speed: 1.0 is real time. */
  speed: number;
  /** ffmpeg's CPU use, % of one core. */
  cpuPercent: number;
  uptimeSeconds: number;
}

export const PRESETS = {
  'Smooth 720p30': { width: 1280, height: 720, fps: 30, bitrateKbps: 3500, keyframeSeconds: 2 },
  'Sharp 1080p30': { width: 1920, height: 1080, fps: 30, bitrateKbps: 6000, keyframeSeconds: 2 },
  'Low bandwidth 480p': { width: 854, height: 480, fps: 30, bitrateKbps: 1200, keyframeSeconds: 2 },
} as const satisfies Record<string, Omit<VideoSettings, 'encoder'>>;

export type PresetName = keyof typeof PRESETS;

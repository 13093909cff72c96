// The broadcast pipeline's contract: what the Studio asks for and what it is told. Plain data, no Node or
// Electron imports, so the renderer can import these types too.
import type { DestinationState } from '../../server/api/types.js';

export type { DestinationState };

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

/** The corners a picture-in-picture camera may sit in. */
export const PIP_POSITIONS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;
/** The inset's width as a fraction of the output width. */
export const PIP_SIZE = { min: 0.1, max: 0.5 } as const;

export interface PictureInPicture {
  camera: string;
  /** Corner of the main picture. */
  position: (typeof PIP_POSITIONS)[number];
  /** Width of the inset as a fraction of the output width (PIP_SIZE). */
  size: number;
}

/** Linux's audio systems a microphone can be opened through: PulseAudio (and PipeWire's pulse server), or ALSA. */
export const MICROPHONE_APIS = ['pulse', 'alsa'] as const;
export type MicrophoneApi = (typeof MICROPHONE_APIS)[number];

export interface AudioSettings {
  /** Device name: a PulseAudio source or ALSA device (Linux), a DirectShow device (Windows), an avfoundation
   * device (macOS); 'default' for the system's default (not on Windows). */
  microphone?: string;
  /** Linux only: the audio system `microphone` is opened through; default pulse. */
  microphoneApi?: MicrophoneApi;
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
  /** Seconds between keyframes (the presets' 1: every segment and LL-HLS part can start on time, for low delay). */
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
  /** Also record to this file, from the start (a reconnect goes on in the next free numbered sibling). */
  recordPath?: string;
  /**
   * A recording may start and stop while live (Broadcast.startRecording / stopRecording; the Studio sets it): ffmpeg
   * writes the program on a pipe as well, whether recording or not.
   */
  recordWhileLive?: boolean;
  /** Stop after this many seconds on the air, counted from first going live (the CLI's --duration). */
  durationSeconds?: number;
  /** Also write the picture being sent, small and twice a second, as JPEG frames (the Broadcast's 'preview' event). */
  preview?: boolean;
  /** More RTMP destinations (Twitch, YouTube, …) fed from the same encode, each on its own connection. */
  destinations?: RestreamTarget[];
}

/** One more place the broadcast goes: an RTMP or RTMPS ingest and its stream key (secret: never logged or shown). */
export interface RestreamTarget {
  id: string;
  name: string;
  url: string;
  key: string;
}

/** How one extra destination is doing, about once a second while the broadcast runs. */
export interface DestinationStatus {
  id: string;
  name: string;
  state: DestinationState;
  /** Why it is retrying or failed, in plain words (the destination's own answer when it refused). */
  reason: string | null;
  bitrateKbps: number;
  /** Frames dropped because the destination could not keep up. */
  droppedFrames: number;
}

export type FailureCode = 'wrong_key' | 'unreachable' | 'encoder_failed' | 'source_failed' | 'ffmpeg_missing' | 'refused';

export type BroadcastState =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'live'; since: number }
  | { kind: 'reconnecting'; attempt: number; retryInMs: number; reason: string }
  | { kind: 'ended' }
  | { kind: 'failed'; code: FailureCode; reason: string };

/**
 * The stream's figures while live, about once a second: from ffmpeg's -progress output (pipeline mode) or the engine
 * sender's own counters (engine mode). Counters are the whole broadcast's, through its reconnects.
 */
export interface BroadcastHealth {
  /** Bytes sent over the last BITRATE_WINDOW_MS (sliding-rate.ts), as OBS's status bar shows it. */
  bitrateKbps: number;
  fps: number;
  /** Frames dropped on the way out (a slow uplink, waiting for a keyframe after a reconnect). */
  droppedFrames: number;
  duplicatedFrames: number;
  /** Encoder speed: 1.0 is real time. */
  speed: number;
  /** ffmpeg's CPU use, % of one core. */
  cpuPercent: number;
  uptimeSeconds: number;
  /** Bytes sent to the server since the broadcast started (obs-websocket's outputBytes). */
  bytesSent: number;
  /** Video frames sent since the broadcast started (with droppedFrames, obs-websocket's outputTotalFrames). */
  framesSent: number;
  /** 0..1: how much waits to go out against what the sender tolerates before dropping; 0 where unknown (ffmpeg). */
  congestion: number;
}

/**
 * A local recording beside the stream ("Also record to", or Start recording while live: OBS's Start Recording while
 * streaming): the file it writes, never one already there, and how it went.
 */
export interface RecordingStatus {
  state: 'recording' | 'stopped' | 'failed';
  /** The file written: the path given, or its first free numbered sibling (stream-2.mkv) when that one exists. */
  path: string;
  /** Why it stopped short, in words (failed only). The stream goes on without it. */
  reason?: string;
  /** The vertical output's file beside it (engine mode, while the broadcast has a vertical output). */
  vertical?: Omit<RecordingStatus, 'vertical'>;
}

/** Whether a file of the recording is being written (the vertical one may go on after the main one failed). */
export function recordingWrites(r: RecordingStatus | null | undefined): boolean {
  return r?.state === 'recording' || r?.vertical?.state === 'recording';
}

/**
 * The frame rates the Studio's canvases offer, as OBS's common values and as it writes them (numerator, denominator):
 * NTSC's 23.976, 29.97 and 59.94 (a whole rate slowed by 1000/1001) beside the whole ones, since cameras and capture
 * cards in 60 Hz countries run at those, and a canvas at 30 or 60 fed by one repeats a frame every half minute or so.
 */
export const STUDIO_FRAME_RATES: readonly (readonly [number, number])[] = [
  [10, 1],
  [20, 1],
  [24000, 1001],
  [24, 1],
  [25, 1],
  [30000, 1001],
  [30, 1],
  [48, 1],
  [50, 1],
  [60000, 1001],
  [60, 1],
];

/** A frame rate as OBS's numerator and denominator: 30000/1001 for 29.97, n/1 for a whole one. */
export function frameRateFraction(fps: number): [number, number] {
  const listed = STUDIO_FRAME_RATES.find(([n, d]) => n / d === fps);
  return listed ? [listed[0], listed[1]] : [Math.round(fps), 1];
}

/** A frame rate as OBS lists it: 30, 29.97, 23.976. */
export function frameRateLabel(fps: number): string {
  return String(Number(fps.toFixed(3)));
}

/** A rate the Studio sends: a whole number of frames a second (1 to 120) or one of NTSC's it offers. */
export function isStudioFrameRate(fps: unknown): fps is number {
  if (typeof fps !== 'number') return false;
  return (Number.isInteger(fps) && fps >= 1 && fps <= 120) || STUDIO_FRAME_RATES.some(([n, d]) => n / d === fps);
}

export const PRESETS = {
  'Smooth 720p30': { width: 1280, height: 720, fps: 30, bitrateKbps: 3500, keyframeSeconds: 1 },
  'Sharp 1080p30': { width: 1920, height: 1080, fps: 30, bitrateKbps: 6000, keyframeSeconds: 1 },
  'Low bandwidth 480p': { width: 854, height: 480, fps: 30, bitrateKbps: 1200, keyframeSeconds: 1 },
} as const satisfies Record<string, Omit<VideoSettings, 'encoder'>>;

export type PresetName = keyof typeof PRESETS;

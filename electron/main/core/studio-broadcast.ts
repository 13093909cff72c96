// What a Go Live builds from the window's StudioSettings and the session's secrets: the pipeline's settings, and in
// the engine mode the sender thread's (its destinations and, when asked for, the vertical output and where it goes).
// Pure.
import { PRESETS, type BroadcastSettings, type PresetName, type RestreamTarget } from '../../broadcast/types.js';
import type { SenderThreadSettings } from '../../broadcast/engine-sender-thread.js';
import type { StudioSettings } from '../../ipc-contract.js';
import type { Secrets } from './secret-store.js';

/** The AAC the engine encodes once for every output (renderer/studio/engine/encode/aac-encoder.ts). */
const ENGINE_AUDIO = { bitrateKbps: 128, sampleRate: 48_000, channels: 2 };

export function broadcastSettings(settings: StudioSettings, s: Secrets, destinations: RestreamTarget[]): BroadcastSettings {
  const preset = PRESETS[settings.preset as PresetName];
  return {
    server: s.rtmpUrl,
    streamKey: s.streamKey,
    source: settings.source,
    pip: settings.pip,
    video: {
      width: preset.width,
      height: preset.height,
      fps: settings.fps,
      bitrateKbps: settings.bitrateKbps,
      keyframeSeconds: settings.keyframeSeconds,
      encoder: settings.encoder,
    },
    audio: { microphone: settings.microphone, microphoneApi: settings.microphoneApi, system: settings.systemAudio, bitrateKbps: 128 },
    recordPath: settings.recordPath,
    // The Record button works while live in this mode too: ffmpeg writes the program on a pipe it records from.
    recordWhileLive: true,
    preview: true,
    destinations,
  };
}

/**
 * The vertical companion's ingest URL: the session's RTMP URL with `vertical` in place of its application
 * (`rtmp://host:1935/live` -> `rtmp://host:1935/vertical`), published with the same key (docs/API.md).
 */
export function verticalIngestUrl(rtmpUrl: string): string {
  const u = new URL(rtmpUrl);
  const parts = u.pathname.split('/').filter(Boolean);
  parts[Math.max(0, parts.length - 1)] = 'vertical';
  return `${u.protocol}//${u.host}/${parts.join('/')}`;
}

/**
 * The sender thread's settings. `verticalTarget`: where the vertical output goes when it is not the channel's vertical
 * rendition (another RTMP server and its own key); null sends it to the channel's vertical ingest with the main key.
 */
export function engineSenderSettings(
  full: BroadcastSettings,
  settings: StudioSettings,
  verticalTarget: { server: string; key: string } | null = null,
): Omit<SenderThreadSettings, 'ffmpegPath' | 'recordPath'> {
  const v = settings.vertical;
  return {
    server: full.server,
    streamKey: full.streamKey,
    video: full.video,
    audio: ENGINE_AUDIO,
    destinations: full.destinations,
    ...(v
      ? {
          vertical: {
            ...(verticalTarget ? { server: verticalTarget.server, streamKey: verticalTarget.key } : { server: verticalIngestUrl(full.server) }),
            video: { width: v.width, height: v.height, fps: full.video.fps, bitrateKbps: v.bitrateKbps },
          },
        }
      : {}),
  };
}

/**
 * The sender thread's settings for a recording without a stream: the pictures and the sound the window encodes,
 * nothing to publish (no server, key or destinations: recording needs no sign-in).
 */
export function engineRecordSettings(settings: StudioSettings): Omit<SenderThreadSettings, 'ffmpegPath' | 'recordPath'> {
  const preset = PRESETS[settings.preset as PresetName];
  const v = settings.vertical;
  return {
    server: '',
    streamKey: '',
    recordOnly: true,
    video: { width: preset.width, height: preset.height, fps: settings.fps, bitrateKbps: settings.bitrateKbps },
    audio: ENGINE_AUDIO,
    ...(v ? { vertical: { server: '', video: { width: v.width, height: v.height, fps: settings.fps, bitrateKbps: v.bitrateKbps } } } : {}),
  };
}

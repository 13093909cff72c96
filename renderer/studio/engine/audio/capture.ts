// Opening the mixer's sources in the page: a microphone (noise suppression on or off: a constraint, so the device
// is opened again to change it) and desktop audio as desktop-audio.ts plans it for the platform.
import {
  desktopAudioPlan,
  displayMediaFailure,
  ENDED_AT_ONCE_MS,
  endedAtOnceReason,
  findMonitorDevice,
  noMonitorReason,
  platformOf,
  type DesktopAudioPlan,
} from './desktop-audio.js';
import { MIX_SAMPLE_RATE } from './levels.js';

/**
 * A microphone (the system's default when `deviceId` is null). Echo cancellation and automatic gain stay off: a
 * studio sets its levels on the faders, and both colour the sound; noise suppression is the strip's switch.
 */
export function openMicrophone(deviceId: string | null, noiseSuppression: boolean): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    audio: {
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
      noiseSuppression,
      echoCancellation: false,
      autoGainControl: false,
      sampleRate: { ideal: MIX_SAMPLE_RATE },
      channelCount: { ideal: 2 },
    },
  });
}

/** The audio inputs the page may use (labels are empty until microphone access was granted). */
export async function audioInputs(): Promise<{ deviceId: string; label: string }[]> {
  const all = await navigator.mediaDevices.enumerateDevices();
  return all.filter((d) => d.kind === 'audioinput').map((d) => ({ deviceId: d.deviceId, label: d.label }));
}

interface UaData {
  platform: string;
  getHighEntropyValues(hints: string[]): Promise<{ platformVersion?: string }>;
}

/** The plan for this machine, from what Chromium (and so Electron) reports of the system. */
export async function localDesktopAudioPlan(): Promise<DesktopAudioPlan> {
  const ua = (navigator as Navigator & { userAgentData?: UaData }).userAgentData;
  const platform = platformOf(ua?.platform || navigator.platform);
  const version =
    platform === 'macos' && ua
      ? ((await ua.getHighEntropyValues(['platformVersion']).catch(() => ({}))) as { platformVersion?: string }).platformVersion
      : '';
  return desktopAudioPlan(platform, version ?? '');
}

export type DesktopAudio = { ok: true; stream: MediaStream; label: string } | { ok: false; reason: string };

/**
 * Opens desktop audio following `plan`. `onLost` gets a plain-words reason when the audio ends later (a track that
 * ends at once on macOS = permission refused).
 */
export async function openDesktopAudio(plan: DesktopAudioPlan, onLost: (reason: string) => void): Promise<DesktopAudio> {
  if (plan.method === 'unavailable') return { ok: false, reason: plan.reason };
  if (plan.method === 'monitor-device') {
    const inputs = await audioInputs();
    const monitor = findMonitorDevice(inputs);
    if (!monitor) return { ok: false, reason: noMonitorReason(inputs) };
    const stream = await openMicrophone(monitor.deviceId, false);
    watchEnd(stream, 'the monitor device went away.', onLost);
    return { ok: true, stream, label: monitor.label };
  }
  let stream: MediaStream;
  try {
    // Video must be asked for; the display-media handler in main answers with the page itself, which is dropped.
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true });
  } catch (err) {
    return { ok: false, reason: displayMediaFailure(plan.platform, err as Error) };
  }
  for (const t of stream.getVideoTracks()) {
    t.stop();
    stream.removeTrack(t);
  }
  const track = stream.getAudioTracks()[0];
  if (!track) return { ok: false, reason: displayMediaFailure(plan.platform, { message: 'no audio track was shared' }) };
  if (track.readyState === 'ended') return { ok: false, reason: endedAtOnceReason(plan.platform) };
  const started = performance.now();
  watchEnd(stream, '', (r) =>
    onLost(performance.now() - started < ENDED_AT_ONCE_MS ? endedAtOnceReason(plan.platform) : r || 'the system audio stopped.'),
  );
  return { ok: true, stream, label: 'System audio' };
}

function watchEnd(stream: MediaStream, reason: string, onLost: (reason: string) => void): void {
  for (const t of stream.getAudioTracks()) t.addEventListener('ended', () => onLost(reason), { once: true });
}

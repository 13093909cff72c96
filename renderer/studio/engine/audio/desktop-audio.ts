// How desktop audio (what the computer plays) is captured on each system, and what to tell people when it cannot be.
// Pure: the plan comes from the platform, the capture (capture.ts) follows it.
//
//   Windows        getDisplayMedia; Electron's display-media handler answers with audio 'loopback' (electron/main).
//   macOS 14.2+    the same; Chromium taps the system audio (Core Audio taps; NSAudioCaptureUsageDescription in the
//                  app's Info.plist). Refused permission shows as a track that ends at once.
//   macOS older    not possible without a virtual device (BlackHole, Loopback): pick it as a microphone.
//   Linux          the PulseAudio/PipeWire monitor of the output, listed among audio inputs as "Monitor of …".

export type Platform = 'windows' | 'macos' | 'linux' | 'other';

export type DesktopAudioPlan =
  { method: 'display-media'; platform: 'windows' | 'macos' } | { method: 'monitor-device' } | { method: 'unavailable'; reason: string };

/** The platform and (macOS) version, from what Chromium reports (navigator.userAgentData). */
export function platformOf(name: string): Platform {
  const n = name.toLowerCase();
  if (n.startsWith('win')) return 'windows';
  if (n.startsWith('mac')) return 'macos';
  if (n.includes('linux') || n.includes('chrome os') || n.includes('chromeos')) return 'linux';
  return 'other';
}

/** Is `version` ("14.2.1", "15") at least `min` ("14.2")? */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const b = min.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

export const MACOS_SYSTEM_AUDIO_MIN = '14.2';

export function desktopAudioPlan(platform: Platform, osVersion = ''): DesktopAudioPlan {
  switch (platform) {
    case 'windows':
      return { method: 'display-media', platform: 'windows' };
    case 'macos':
      return versionAtLeast(osVersion || '0', MACOS_SYSTEM_AUDIO_MIN)
        ? { method: 'display-media', platform: 'macos' }
        : {
            method: 'unavailable',
            reason: `macOS ${osVersion || '(version unknown)'} cannot share the sound it plays before macOS ${MACOS_SYSTEM_AUDIO_MIN}. Install a virtual audio device (such as BlackHole) and pick it as a microphone.`,
          };
    case 'linux':
      return { method: 'monitor-device' };
    default:
      return { method: 'unavailable', reason: 'this system has no known way to share the sound it plays.' };
  }
}

export interface AudioInputInfo {
  deviceId: string;
  label: string;
}

/** PulseAudio and PipeWire list the monitor of each output as an input named "Monitor of <output>". */
export function findMonitorDevice(inputs: readonly AudioInputInfo[]): AudioInputInfo | null {
  return inputs.find((d) => /^monitor of /i.test(d.label.trim())) ?? null;
}

/** Why a monitor could not be found, in plain words (labels are empty until microphone access was granted). */
export function noMonitorReason(inputs: readonly AudioInputInfo[]): string {
  if (inputs.length > 0 && inputs.every((d) => !d.label)) return 'microphone access is needed to list the audio devices; allow it and try again.';
  return 'no PulseAudio/PipeWire monitor source was found among the audio inputs ("Monitor of …"). Check that PulseAudio or PipeWire (with pipewire-pulse) is running.';
}

/** A display-media capture's failure in plain words, for the platform. */
export function displayMediaFailure(platform: 'windows' | 'macos', err: { name?: string; message?: string }): string {
  if (err.name === 'NotAllowedError') {
    return platform === 'macos'
      ? 'macOS did not allow recording the system audio. Allow Onair Studio in System Settings → Privacy & Security → Screen & System Audio Recording, then try again.'
      : 'sharing the system audio was refused.';
  }
  return `the system audio could not be captured (${err.message || err.name || 'unknown error'}).`;
}

/** What an audio track that ended as soon as it started means (macOS: permission refused; elsewhere: device gone). */
export function endedAtOnceReason(platform: 'windows' | 'macos'): string {
  return platform === 'macos'
    ? 'macOS refused permission to record the system audio (the track ended at once). Allow Onair Studio in System Settings → Privacy & Security → Screen & System Audio Recording, then try again.'
    : 'the system audio stopped as soon as it started: the output device may have been removed or is in exclusive use.';
}

/** A track that ends within this long of starting "ended at once". */
export const ENDED_AT_ONCE_MS = 1500;

/** Why a microphone (a chosen one, or the system's default) could not be opened, in plain words. */
export function microphoneFailure(err: { name?: string; message?: string }, chosen = true): string {
  switch (err.name) {
    case 'NotAllowedError':
      return 'access to the microphone was refused. Allow it in the system privacy settings (and the browser, in development), then turn the strip off and on.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return chosen ? 'the chosen microphone was not found. Plug it in or pick another one.' : 'no microphone was found. Plug one in.';
    case 'NotReadableError':
      return 'the microphone is in use by another program, or could not be started.';
    default:
      return `the microphone could not be opened (${err.message || err.name || 'unknown error'}).`;
  }
}

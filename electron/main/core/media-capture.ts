// What main allows the Studio's page to capture, and how it answers getDisplayMedia for desktop audio. Plain data
// and pure functions (no Electron import): electron/main/index.ts applies them. The renderer's side is
// renderer/studio/engine/audio (desktop-audio.ts says which way each system goes).
//
//   Windows      getDisplayMedia -> audio 'loopback' (what the computer plays).
//   macOS 14.2+  the same, through Chromium's Core Audio tap (feature MacCatapSystemAudioLoopbackCapture, switched on
//                before the app is ready; NSAudioCaptureUsageDescription is in the Info.plist, electron-builder.yml).
//                If the user refuses, the audio track ends at once: the renderer says so.
//   Linux        no loopback here: the renderer opens the PulseAudio/PipeWire "Monitor of …" input instead.

import { isAppPage } from './app-origin.js';

export type DisplayMediaAudio = 'loopback' | null;

/** The audio main hands to getDisplayMedia on this system. */
export function displayMediaAudio(platform: NodeJS.Platform): DisplayMediaAudio {
  return platform === 'win32' || platform === 'darwin' ? 'loopback' : null;
}

export const MAC_SYSTEM_AUDIO_FEATURE = 'MacCatapSystemAudioLoopbackCapture';

/** Chromium features to switch on at start for desktop audio (macOS 14.2+: the Core Audio tap). */
export function desktopAudioFeatures(platform: NodeJS.Platform, systemVersion: string): string[] {
  if (platform !== 'darwin') return [];
  const [major = 0, minor = 0] = systemVersion.split('.').map((x) => Number.parseInt(x, 10) || 0);
  return major > 14 || (major === 14 && minor >= 2) ? [MAC_SYSTEM_AUDIO_FEATURE] : [];
}

/**
 * May the page at `requestingUrl` have `permission`? Only our own page (app-origin.ts), and only microphones and
 * cameras ('media') and the display-media answer above ('display-capture'); everything else is refused.
 */
export function mediaPermissionAllowed(permission: string, requestingUrl: string, devUrl?: string): boolean {
  if (permission !== 'media' && permission !== 'display-capture') return false;
  return isAppPage(requestingUrl, devUrl);
}

// What main allows the Studio's page to capture, and how it answers getDisplayMedia for desktop audio. Plain data
// and pure functions (no Electron import): electron/main/index.ts applies them. The renderer's side is
// renderer/studio/engine/audio (desktop-audio.ts says which way each system goes).
//
//   Windows      getDisplayMedia -> audio 'loopback' (what the computer plays).
//   macOS 14.2+  the same, through Chromium's Core Audio tap (feature MacCatapSystemAudioLoopbackCapture, switched on
//                before the app is ready; NSAudioCaptureUsageDescription is in the Info.plist, electron-builder.yml).
//                If the user refuses, the audio track ends at once: the renderer says so.
//   Linux        no loopback here: the renderer opens the PulseAudio/PipeWire "Monitor of …" input instead.

import type { CaptureTarget } from '../../ipc-contract.js';
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

/** The kind of an Electron desktopCapturer id (`screen:0:0`, `window:1234:0`). */
export function captureTypeOf(id: string): CaptureTarget['type'] {
  return id.startsWith('screen:') ? 'screen' : 'window';
}

/**
 * What getDisplayMedia captures: the screen or window the layer chose (by id, else the one of that kind with that
 * name: a window's id changes from one session to the next), or the first screen when it chose none. A chosen window
 * that is gone gives nothing, never the whole screen instead: a streamer who picked one window did so to keep the
 * rest of the screen private.
 */
export function pickCaptureSource<S extends { id: string; name: string }>(sources: S[], wanted: CaptureTarget | null): S | undefined {
  if (!wanted) return sources.find((s) => captureTypeOf(s.id) === 'screen');
  return sources.find((s) => s.id === wanted.id) ?? sources.find((s) => captureTypeOf(s.id) === wanted.type && s.name === wanted.name);
}

// The mixer's settings as the Studio keeps them: plain data (JSON), checked when read back, so a hand-edited or
// older saved copy cannot break the mixer. Pure.
import { clampOffsetMs, DEFAULT_STRIP, GAIN_MAX_DB, GAIN_OFF_DB, type StripSettings } from '../engine/audio/levels.js';

export interface MicrophoneSetting {
  /** Whether the microphone strip is on (its device opened). */
  enabled: boolean;
  /** The browser's device id; null for the system's default. */
  deviceId: string | null;
  noiseSuppression: boolean;
}

export interface MixerSettings {
  /** Per strip id ('mic', 'desktop', a camera's or a layer's id). The fader is kept finite: GAIN_OFF_DB is off. */
  strips: Record<string, StripSettings>;
  microphone: MicrophoneSetting;
  desktopAudio: boolean;
}

export const DEFAULT_MIXER_SETTINGS: MixerSettings = {
  strips: {},
  microphone: { enabled: true, deviceId: null, noiseSuppression: true },
  desktopAudio: false,
};

const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/** A strip's settings from anything: missing or bad values become the defaults, numbers are brought into range. */
export function stripSettingsFrom(v: unknown): StripSettings {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  return {
    // Off (-Infinity, which JSON cannot hold) is kept as the fader's bottom notch, never as the 0 dB default.
    gainDb: o.gainDb === -Infinity ? GAIN_OFF_DB : Math.max(GAIN_OFF_DB, Math.min(GAIN_MAX_DB, num(o.gainDb, DEFAULT_STRIP.gainDb))),
    muted: o.muted === true,
    offsetMs: clampOffsetMs(num(o.offsetMs, DEFAULT_STRIP.offsetMs)),
  };
}

/** Saved mixer settings (whatever JSON.parse gave) made valid. */
export function mixerSettingsFrom(v: unknown): MixerSettings {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const strips: Record<string, StripSettings> = {};
  if (o.strips && typeof o.strips === 'object') {
    for (const [id, s] of Object.entries(o.strips as Record<string, unknown>).slice(0, 64)) if (id.length <= 200) strips[id] = stripSettingsFrom(s);
  }
  const m = (o.microphone && typeof o.microphone === 'object' ? o.microphone : {}) as Record<string, unknown>;
  const d = DEFAULT_MIXER_SETTINGS.microphone;
  return {
    strips,
    microphone: {
      enabled: typeof m.enabled === 'boolean' ? m.enabled : d.enabled,
      deviceId: typeof m.deviceId === 'string' && m.deviceId ? m.deviceId : null,
      noiseSuppression: typeof m.noiseSuppression === 'boolean' ? m.noiseSuppression : d.noiseSuppression,
    },
    desktopAudio: o.desktopAudio === true,
  };
}

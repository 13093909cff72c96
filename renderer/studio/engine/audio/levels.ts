// Levels in decibels, the mixer's fixed figures and a strip's settings. Pure: shared by the mixer graph, its
// worklets, the store and the UI.

/** The mix runs at 48 kHz stereo (what the AAC encoder takes); set explicitly, headless Chromium defaults to 44.1 kHz. */
export const MIX_SAMPLE_RATE = 48_000;
export const MIX_CHANNELS = 2;
/** A strip's fader: -Infinity (off) up to +20 dB. */
export const GAIN_MAX_DB = 20;
/** Faders below this read as off (-inf): the fader's bottom notch. */
export const GAIN_OFF_DB = -60;
/** Sync offset of a strip, milliseconds either way. */
export const OFFSET_MAX_MS = 500;
/** The limiter on the mix keeps every sample at or under this. */
export const LIMITER_CEILING_DB = -1;
/** Meters report this often: 1920 frames at 48 kHz = 40 ms = 25 reports a second. */
export const METER_WINDOW_FRAMES = 1920;
/** A clip (a sample at or over full scale) stays lit this long. */
export const CLIP_HOLD_SECONDS = 1;
/** The quietest level a meter shows; anything below reads as -Infinity. */
export const METER_FLOOR_DB = -120;

/** Linear amplitude for a level in dB; -Infinity is 0. */
export function dbToGain(db: number): number {
  return db === -Infinity ? 0 : Math.pow(10, db / 20);
}

/** Level in dB for a linear amplitude; 0 (and anything under METER_FLOOR_DB) is -Infinity. */
export function gainToDb(gain: number): number {
  const a = Math.abs(gain);
  if (a === 0) return -Infinity;
  const db = 20 * Math.log10(a);
  return db < METER_FLOOR_DB ? -Infinity : db;
}

/** A fader value made valid: a number up to GAIN_MAX_DB, and -Infinity at or under GAIN_OFF_DB. */
export function clampGainDb(db: number): number {
  if (Number.isNaN(db)) throw new RangeError('gain must be a number of dB');
  if (db <= GAIN_OFF_DB) return -Infinity;
  return Math.min(GAIN_MAX_DB, db);
}

/** A sync offset made valid: whole milliseconds within ±OFFSET_MAX_MS. */
export function clampOffsetMs(ms: number): number {
  if (!Number.isFinite(ms)) throw new RangeError('sync offset must be a number of milliseconds');
  return Math.max(-OFFSET_MAX_MS, Math.min(OFFSET_MAX_MS, Math.round(ms)));
}

/** A level for people: "-6.0 dB", "-inf". */
export function formatDb(db: number): string {
  return db === -Infinity ? '-inf' : `${db > 0 ? '+' : ''}${db.toFixed(1)} dB`;
}

/** A strip's settings: plain data (what the store keeps). */
export interface StripSettings {
  /** Fader in dB, up to +20; GAIN_OFF_DB or less (or -Infinity) is off. */
  gainDb: number;
  muted: boolean;
  /** Sync offset, ±500 ms: positive delays this strip, negative delays every other strip. */
  offsetMs: number;
}

export const DEFAULT_STRIP: StripSettings = { gainDb: 0, muted: false, offsetMs: 0 };

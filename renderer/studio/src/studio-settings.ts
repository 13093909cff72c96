// The Studio's own settings (Source and quality: how it encodes, the preset and its figures, the ffmpeg pipeline's
// source, encoder, camera corner and sound, where it records), kept in this window's storage so that the next start
// opens as the streamer left it, as OBS keeps its profile. Read back checked, field by field: a value that is no
// longer right (a preset since renamed, a number out of range) falls back to its default, never to a broken form.
import { PIP_POSITIONS, PIP_SIZE, PRESETS, type PresetName } from '../../../electron/broadcast/types.js';
import { BROADCAST_MODES, LIMITS, type BroadcastMode, type PictureInPicture } from '../../../electron/ipc-contract.js';

export const STUDIO_SETTINGS_KEY = 'onair.studio.settings';

export interface SavedStudioSettings {
  /** Who encodes: main's ffmpeg (`pipeline`) or this window's WebCodecs encoder (`engine`). */
  mode: BroadcastMode;
  sourceId: string;
  preset: PresetName;
  encoder: string;
  bitrateKbps: number;
  fps: number;
  keyframeSeconds: number;
  pip: PictureInPicture | null;
  recordPath: string;
  /** The microphone picker: 'none', a listed microphone's id, or 'other' (then `micOther` names the device). */
  micChoice: string;
  micOther: string;
  /** Mix in what the computer plays, where the operating system allows it. */
  systemAudio: boolean;
}

export const SAVED_FIELDS = [
  'mode',
  'sourceId',
  'preset',
  'encoder',
  'bitrateKbps',
  'fps',
  'keyframeSeconds',
  'pip',
  'recordPath',
  'micChoice',
  'micOther',
  'systemAudio',
] as const satisfies readonly (keyof SavedStudioSettings)[];

const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const within = (v: unknown, r: { min: number; max: number }, whole: boolean): v is number =>
  typeof v === 'number' && (whole ? Number.isInteger(v) : Number.isFinite(v)) && v >= r.min && v <= r.max;

function isPip(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return text(p.camera, LIMITS.id) && (PIP_POSITIONS as readonly unknown[]).includes(p.position) && within(p.size, PIP_SIZE, false);
}

const CHECKS: { [K in keyof SavedStudioSettings]: (v: unknown) => boolean } = {
  mode: (v) => (BROADCAST_MODES as readonly unknown[]).includes(v),
  sourceId: (v) => text(v, LIMITS.id) && v !== '',
  preset: (v) => typeof v === 'string' && Object.hasOwn(PRESETS, v),
  encoder: (v) => text(v, 32) && /^[a-z0-9_]+$/.test(v),
  bitrateKbps: (v) => within(v, LIMITS.bitrateKbps, true),
  fps: (v) => within(v, LIMITS.fps, true),
  keyframeSeconds: (v) => within(v, LIMITS.keyframeSeconds, false),
  pip: (v) => v === null || isPip(v),
  recordPath: (v) => text(v, LIMITS.path),
  micChoice: (v) => text(v, LIMITS.id) && v !== '',
  micOther: (v) => text(v, LIMITS.id),
  systemAudio: (v) => typeof v === 'boolean',
};

/** The fields of `saved` that are right, each on its own; anything else is left out (the defaults stay). */
export function savedStudioSettingsFrom(saved: unknown): Partial<SavedStudioSettings> {
  if (typeof saved !== 'object' || saved === null) return {};
  const o = saved as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of SAVED_FIELDS) if (k in o && CHECKS[k](o[k])) out[k] = o[k];
  // The camera corner as the Studio writes it, nothing more (main's guard refuses other fields).
  const pip = out.pip as PictureInPicture | null | undefined;
  if (pip) out.pip = { camera: pip.camera, position: pip.position, size: pip.size };
  return out as Partial<SavedStudioSettings>;
}

/** The fields kept, from the Studio's state. */
export function studioSettingsToSave(s: SavedStudioSettings): SavedStudioSettings {
  const out: Record<string, unknown> = {};
  for (const k of SAVED_FIELDS) out[k] = s[k];
  return out as unknown as SavedStudioSettings;
}

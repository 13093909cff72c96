// Scenes on disk: versioned JSON. `parseScenes` checks every field and says in plain words what is wrong; a file
// from a newer Studio is refused (never half-read), an older version goes through MIGRATIONS up to SCENES_VERSION.
import { isCaptureTarget } from '../../../../electron/ipc-contract.js';
import { isPhoneSerial, isWebPageSize, isWebPageUrl } from '../../../../electron/source-feed.js';
import type { CanvasSpec } from '../types.js';
import { checkCrop, SceneError } from './commands.js';
import {
  CANVAS_IDS,
  isFrameRate,
  MAX_ITEMS_PER_CANVAS,
  MAX_SCENES,
  MAX_SOURCES,
  SCENES_VERSION,
  type Item,
  type Scene,
  type ScenesDoc,
  type Source,
  type SourceSettings,
} from './model.js';

/** The largest scenes file read or written (images are referenced by URL, not embedded). */
export const MAX_SCENES_JSON = 256 * 1024;

/** version -> a function taking that version's document to the next version's. None yet: version 1 is the first. */
const MIGRATIONS: Record<number, (doc: Record<string, unknown>) => Record<string, unknown>> = {};

export function serializeScenes(doc: ScenesDoc): string {
  const text = JSON.stringify(doc);
  if (text.length > MAX_SCENES_JSON) throw new SceneError('too_large', 'The scenes are too large to save (over 256 KB).');
  return text;
}

const bad = (where: string, what: string) => new SceneError('bad_scenes_file', `The saved scenes are damaged: ${where} ${what}.`);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max = 200): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const COLOR = /^#[0-9a-f]{6}([0-9a-f]{2})?$/i;

export function parseScenes(text: string): ScenesDoc {
  if (text.length > MAX_SCENES_JSON) throw new SceneError('too_large', 'The saved scenes are too large (over 256 KB).');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SceneError('bad_scenes_file', 'The saved scenes are not valid JSON.');
  }
  if (!isObj(raw)) throw bad('the file', 'is not an object');
  let doc = raw;
  if (!Number.isInteger(doc.version) || (doc.version as number) < 1) throw bad('the version', 'is missing');
  if ((doc.version as number) > SCENES_VERSION)
    throw new SceneError(
      'scenes_too_new',
      `The scenes were saved by a newer Onair Studio (format ${String(doc.version)}; this one reads up to ${SCENES_VERSION}). Update Onair Studio to use them.`,
    );
  while ((doc.version as number) < SCENES_VERSION) {
    const migrate = MIGRATIONS[doc.version as number];
    if (!migrate) throw new SceneError('scenes_unsupported', `Scenes in format ${String(doc.version)} cannot be read by this Onair Studio.`);
    doc = migrate(doc);
  }
  return checkDoc(doc);
}

function checkSettings(v: unknown, where: string): SourceSettings {
  if (!isObj(v)) throw bad(where, 'has no settings');
  const ok = (() => {
    switch (v.kind) {
      case 'color':
        return typeof v.color === 'string' && COLOR.test(v.color);
      case 'image':
        return isStr(v.url, 4096) && /^(https?:|data:image\/|blob:)/.test(v.url);
      case 'text':
        return (
          typeof v.text === 'string' &&
          v.text.length <= 500 &&
          typeof v.color === 'string' &&
          COLOR.test(v.color) &&
          isNum(v.size) &&
          v.size >= 4 &&
          v.size <= 400
        );
      case 'screen':
        return v.target === undefined || isCaptureTarget(v.target);
      case 'camera':
        return [v.deviceId, v.audioDeviceId].every((id) => id === undefined || (typeof id === 'string' && id.length <= 512));
      case 'chat':
        return Number.isInteger(v.lines) && (v.lines as number) >= 1 && (v.lines as number) <= 50;
      case 'phone':
        return isPhoneSerial(v.serial);
      case 'web':
        return isWebPageUrl(v.url) && isWebPageSize(v.width) && isWebPageSize(v.height);
      default:
        return false;
    }
  })();
  if (!ok) throw bad(where, `has settings that are not valid for a ${String(v.kind)} source`);
  return v as SourceSettings;
}

function checkItem(v: unknown, where: string, sources: Record<string, Source>): Item {
  if (!isObj(v) || !isStr(v.id) || !isStr(v.sourceId)) throw bad(where, 'is not a layer');
  if (!sources[v.sourceId]) throw bad(where, 'shows a source that does not exist');
  if (![v.x, v.y, v.w, v.h, v.opacity].every(isNum) || (v.w as number) < 1 || (v.h as number) < 1) throw bad(where, 'has a bad position or size');
  if (typeof v.visible !== 'boolean' || typeof v.locked !== 'boolean') throw bad(where, 'has no visible or locked flag');
  const c = v.crop;
  if (!isObj(c) || ![c.top, c.right, c.bottom, c.left].every(isNum)) throw bad(where, 'has no crop');
  try {
    checkCrop(c as unknown as Item['crop']);
  } catch {
    throw bad(where, 'has a crop that leaves nothing');
  }
  return v as unknown as Item;
}

function checkDoc(d: Record<string, unknown>): ScenesDoc {
  if (!Array.isArray(d.canvases) || d.canvases.length !== CANVAS_IDS.length) throw bad('the canvases', 'are missing');
  for (const c of d.canvases as unknown[]) {
    if (!isObj(c) || !CANVAS_IDS.includes(c.id as CanvasSpec['id'])) throw bad('a canvas', 'is unknown');
    if (![c.width, c.height].every((n) => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 7680))
      throw bad(`canvas ${String(c.id)}`, 'has a bad size');
    if (!isFrameRate(c.fps)) throw bad(`canvas ${String(c.id)}`, 'has a bad frame rate');
  }
  if (!isObj(d.sources) || Object.keys(d.sources).length > MAX_SOURCES) throw bad('the sources', 'are missing or too many');
  for (const [id, s] of Object.entries(d.sources)) {
    if (!isObj(s) || s.id !== id || !isStr(s.name)) throw bad(`source ${id}`, 'is not a source');
    checkSettings(s.settings, `source "${s.name}"`);
  }
  const sources = d.sources as Record<string, Source>;
  if (!Array.isArray(d.scenes) || d.scenes.length < 1 || d.scenes.length > MAX_SCENES) throw bad('the scene list', 'is empty or too long');
  const ids = new Set<string>();
  for (const s of d.scenes as unknown[]) {
    if (!isObj(s) || !isStr(s.id) || !isStr(s.name) || !isObj(s.items) || ids.has(s.id)) throw bad('a scene', 'is not a scene');
    ids.add(s.id);
    for (const canvas of CANVAS_IDS) {
      const list = s.items[canvas];
      if (!Array.isArray(list) || list.length > MAX_ITEMS_PER_CANVAS) throw bad(`scene "${s.name}"`, `has no ${canvas} layout`);
      list.forEach((it, i) => checkItem(it, `layer ${i + 1} of scene "${s.name}" (${canvas})`, sources));
    }
  }
  if (typeof d.program !== 'string' || !ids.has(d.program)) throw bad('the program scene', 'is not one of the scenes');
  return { version: SCENES_VERSION, canvases: d.canvases as CanvasSpec[], sources, scenes: d.scenes as Scene[], program: d.program };
}

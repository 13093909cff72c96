// Every change to the scene model, as plain data, applied by one pure function: undo, saving and (later) the control
// API all go through these. `applyCommand` never mutates its input; a command that cannot apply throws SceneError.
import {
  CANVAS_SIZES,
  FRAME_RATES_TEXT,
  isFrameRate,
  MAX_ITEMS_PER_CANVAS,
  MAX_SCENES,
  MAX_SOURCES,
  NO_CROP,
  type CanvasId,
  type Crop,
  type Item,
  type Scene,
  type ScenesDoc,
  type Source,
} from './model.js';

export type ItemPlacement = Pick<Item, 'x' | 'y' | 'w' | 'h'>;

export type SceneCommand =
  | { type: 'addSource'; source: Source }
  /** Removes the source and every item that shows it, in every scene. */
  | { type: 'removeSource'; sourceId: string }
  | { type: 'updateSource'; sourceId: string; name?: string; settings?: Source['settings'] }
  /** Adds on top (last); `item.id` must be new in that scene and canvas. */
  | { type: 'addItem'; sceneId: string; canvas: CanvasId; item: Item }
  | { type: 'removeItem'; sceneId: string; canvas: CanvasId; itemId: string }
  /** Moves the item to index `to` (0 = bottom). */
  | { type: 'reorderItem'; sceneId: string; canvas: CanvasId; itemId: string; to: number }
  | { type: 'transformItem'; sceneId: string; canvas: CanvasId; itemId: string; placement?: Partial<ItemPlacement>; crop?: Crop }
  | { type: 'setItemVisible'; sceneId: string; canvas: CanvasId; itemId: string; visible: boolean }
  | { type: 'setItemLocked'; sceneId: string; canvas: CanvasId; itemId: string; locked: boolean }
  | { type: 'setItemOpacity'; sceneId: string; canvas: CanvasId; itemId: string; opacity: number }
  | { type: 'createScene'; scene: Scene }
  | { type: 'renameScene'; sceneId: string; name: string }
  | { type: 'removeScene'; sceneId: string }
  | { type: 'setProgramScene'; sceneId: string }
  /** Resizes a canvas (720x1280 <-> 1080x1920); every layer on it, in every scene, scales with it. */
  | { type: 'setCanvasSize'; canvas: CanvasId; width: number; height: number }
  /** The frame rate of both canvases: what the compositor draws, the preview shows and the engine encodes. */
  | { type: 'setFrameRate'; fps: number };

export class SceneError extends Error {
  constructor(
    /** Stable, for code: `no_scene`, `no_source`, `no_item`, `duplicate_id`, `bad_value`, `last_scene`, `too_many`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_NAME = 100;
/** Canvas coordinates are kept within a generous margin around the canvas (layers may hang off its edges). */
const MAX_COORD = 20_000;

function checkName(name: string): string {
  const n = name.trim();
  if (!n || n.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(n))
    throw new SceneError('bad_value', `A name is 1 to ${MAX_NAME} characters of plain text.`);
  return n;
}

function checkPlacement(p: Partial<ItemPlacement>): void {
  for (const k of ['x', 'y'] as const)
    if (p[k] !== undefined && (!Number.isFinite(p[k]) || Math.abs(p[k]) > MAX_COORD)) throw new SceneError('bad_value', `${k} is out of range.`);
  for (const k of ['w', 'h'] as const)
    if (p[k] !== undefined && (!Number.isFinite(p[k]) || p[k] < 1 || p[k] > MAX_COORD))
      throw new SceneError('bad_value', `${k} must be 1 to ${MAX_COORD} pixels.`);
}

export function checkCrop(c: Crop): void {
  const sides = [c.top, c.right, c.bottom, c.left];
  if (!sides.every((v) => Number.isFinite(v) && v >= 0 && v < 1) || c.left + c.right >= 1 || c.top + c.bottom >= 1)
    throw new SceneError('bad_value', 'A crop is a fraction of the source per side, and leaves some of it.');
}

function scene(doc: ScenesDoc, id: string): Scene {
  const s = doc.scenes.find((x) => x.id === id);
  if (!s) throw new SceneError('no_scene', 'That scene does not exist (any more).');
  return s;
}

/** A copy of the doc with one scene's item list on one canvas replaced. */
function withItems(doc: ScenesDoc, sceneId: string, canvas: CanvasId, fn: (items: Item[]) => Item[]): ScenesDoc {
  const s = scene(doc, sceneId);
  const items = fn(s.items[canvas]);
  return { ...doc, scenes: doc.scenes.map((x) => (x === s ? { ...s, items: { ...s.items, [canvas]: items } } : x)) };
}

function withItem(doc: ScenesDoc, sceneId: string, canvas: CanvasId, itemId: string, fn: (it: Item) => Item): ScenesDoc {
  return withItems(doc, sceneId, canvas, (items) => {
    const i = items.findIndex((it) => it.id === itemId);
    if (i < 0) throw new SceneError('no_item', 'That layer does not exist (any more).');
    return items.map((it, j) => (j === i ? fn(it) : it));
  });
}

export function applyCommand(doc: ScenesDoc, cmd: SceneCommand): ScenesDoc {
  switch (cmd.type) {
    case 'addSource': {
      if (doc.sources[cmd.source.id]) throw new SceneError('duplicate_id', 'A source with that id exists.');
      if (Object.keys(doc.sources).length >= MAX_SOURCES) throw new SceneError('too_many', `At most ${MAX_SOURCES} sources.`);
      return { ...doc, sources: { ...doc.sources, [cmd.source.id]: { ...cmd.source, name: checkName(cmd.source.name) } } };
    }
    case 'removeSource': {
      if (!doc.sources[cmd.sourceId]) throw new SceneError('no_source', 'That source does not exist (any more).');
      const sources = { ...doc.sources };
      delete sources[cmd.sourceId];
      const scenes = doc.scenes.map((s) => ({
        ...s,
        items: {
          horizontal: s.items.horizontal.filter((i) => i.sourceId !== cmd.sourceId),
          vertical: s.items.vertical.filter((i) => i.sourceId !== cmd.sourceId),
        },
      }));
      return { ...doc, sources, scenes };
    }
    case 'updateSource': {
      const src = doc.sources[cmd.sourceId];
      if (!src) throw new SceneError('no_source', 'That source does not exist (any more).');
      if (cmd.settings && cmd.settings.kind !== src.settings.kind) throw new SceneError('bad_value', 'A source keeps its kind.');
      const next: Source = {
        ...src,
        ...(cmd.name !== undefined ? { name: checkName(cmd.name) } : {}),
        ...(cmd.settings ? { settings: cmd.settings } : {}),
      };
      return { ...doc, sources: { ...doc.sources, [src.id]: next } };
    }
    case 'addItem': {
      if (!doc.sources[cmd.item.sourceId]) throw new SceneError('no_source', 'That source does not exist (any more).');
      checkPlacement(cmd.item);
      checkCrop(cmd.item.crop);
      return withItems(doc, cmd.sceneId, cmd.canvas, (items) => {
        if (items.some((i) => i.id === cmd.item.id)) throw new SceneError('duplicate_id', 'A layer with that id exists.');
        if (items.length >= MAX_ITEMS_PER_CANVAS) throw new SceneError('too_many', `At most ${MAX_ITEMS_PER_CANVAS} layers per scene and canvas.`);
        return [...items, { ...cmd.item, opacity: clamp01(cmd.item.opacity) }];
      });
    }
    case 'removeItem':
      return withItems(doc, cmd.sceneId, cmd.canvas, (items) => {
        if (!items.some((i) => i.id === cmd.itemId)) throw new SceneError('no_item', 'That layer does not exist (any more).');
        return items.filter((i) => i.id !== cmd.itemId);
      });
    case 'reorderItem':
      return withItems(doc, cmd.sceneId, cmd.canvas, (items) => {
        const from = items.findIndex((i) => i.id === cmd.itemId);
        if (from < 0) throw new SceneError('no_item', 'That layer does not exist (any more).');
        const to = Math.max(0, Math.min(items.length - 1, Math.trunc(cmd.to)));
        const next = items.filter((_, j) => j !== from);
        next.splice(to, 0, items[from]!);
        return next;
      });
    case 'transformItem':
      checkPlacement(cmd.placement ?? {});
      if (cmd.crop) checkCrop(cmd.crop);
      return withItem(doc, cmd.sceneId, cmd.canvas, cmd.itemId, (it) => ({
        ...it,
        ...cmd.placement,
        ...(cmd.crop ? { crop: { ...cmd.crop } } : {}),
      }));
    case 'setItemVisible':
      return withItem(doc, cmd.sceneId, cmd.canvas, cmd.itemId, (it) => ({ ...it, visible: cmd.visible }));
    case 'setItemLocked':
      return withItem(doc, cmd.sceneId, cmd.canvas, cmd.itemId, (it) => ({ ...it, locked: cmd.locked }));
    case 'setItemOpacity':
      if (!Number.isFinite(cmd.opacity)) throw new SceneError('bad_value', 'Opacity is a number from 0 to 1.');
      return withItem(doc, cmd.sceneId, cmd.canvas, cmd.itemId, (it) => ({ ...it, opacity: clamp01(cmd.opacity) }));
    case 'createScene': {
      if (doc.scenes.some((s) => s.id === cmd.scene.id)) throw new SceneError('duplicate_id', 'A scene with that id exists.');
      if (doc.scenes.length >= MAX_SCENES) throw new SceneError('too_many', `At most ${MAX_SCENES} scenes.`);
      for (const it of [...cmd.scene.items.horizontal, ...cmd.scene.items.vertical])
        if (!doc.sources[it.sourceId]) throw new SceneError('no_source', 'A layer of that scene shows a source that does not exist.');
      return { ...doc, scenes: [...doc.scenes, { ...cmd.scene, name: checkName(cmd.scene.name) }] };
    }
    case 'renameScene': {
      const s = scene(doc, cmd.sceneId);
      const name = checkName(cmd.name);
      return { ...doc, scenes: doc.scenes.map((x) => (x === s ? { ...s, name } : x)) };
    }
    case 'removeScene': {
      scene(doc, cmd.sceneId);
      if (doc.scenes.length === 1) throw new SceneError('last_scene', 'The last scene stays: there is always something to show.');
      const scenes = doc.scenes.filter((s) => s.id !== cmd.sceneId);
      return { ...doc, scenes, program: doc.program === cmd.sceneId ? scenes[0]!.id : doc.program };
    }
    case 'setProgramScene':
      scene(doc, cmd.sceneId);
      return { ...doc, program: cmd.sceneId };
    case 'setCanvasSize': {
      const c = doc.canvases.find((x) => x.id === cmd.canvas);
      if (!c) throw new SceneError('bad_value', 'That canvas does not exist.');
      if (!CANVAS_SIZES[cmd.canvas].some(([w, h]) => w === cmd.width && h === cmd.height))
        throw new SceneError('bad_value', `The ${cmd.canvas} canvas is ${CANVAS_SIZES[cmd.canvas].map(([w, h]) => `${w}x${h}`).join(' or ')}.`);
      const fx = cmd.width / c.width;
      const fy = cmd.height / c.height;
      const scale = (it: Item): Item => ({
        ...it,
        x: Math.round(it.x * fx),
        y: Math.round(it.y * fy),
        w: Math.max(1, Math.round(it.w * fx)),
        h: Math.max(1, Math.round(it.h * fy)),
      });
      return {
        ...doc,
        canvases: doc.canvases.map((x) => (x === c ? { ...c, width: cmd.width, height: cmd.height } : x)),
        scenes: doc.scenes.map((s) => ({ ...s, items: { ...s.items, [cmd.canvas]: s.items[cmd.canvas].map(scale) } })),
      };
    }
    case 'setFrameRate':
      if (!isFrameRate(cmd.fps)) throw new SceneError('bad_value', `The frame rate is one of ${FRAME_RATES_TEXT} frames a second.`);
      return { ...doc, canvases: doc.canvases.map((c) => ({ ...c, fps: cmd.fps })) };
  }
}

function clamp01(v: number): number {
  return Math.max(0, Math.min(1, Number.isFinite(v) ? v : 1));
}

/** A new item showing `sourceId` at `placement`, with the defaults (uncropped, opaque, visible, unlocked). */
export function newItem(id: string, sourceId: string, placement: ItemPlacement, extra: Partial<Item> = {}): Item {
  return { id, sourceId, ...placement, crop: { ...NO_CROP }, opacity: 1, visible: true, locked: false, ...extra };
}

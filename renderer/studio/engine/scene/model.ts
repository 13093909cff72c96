// The scene model as plain serialisable data (OBS's sources and scene items, our own shape): sources by id, each
// opened once however many items show it; scenes holding one ordered list of items per canvas. The compositor only
// reads this; every change goes through the pure commands in commands.ts.
import { frameRateLabel, STUDIO_FRAME_RATES } from '../../../../electron/broadcast/types.js';
import type { CaptureTarget } from '../../../../electron/ipc-contract.js';
import type { CanvasSpec } from '../types.js';

export type CanvasId = CanvasSpec['id'];
export const CANVAS_IDS: readonly CanvasId[] = ['horizontal', 'vertical'];

export type SourceSettings =
  | { kind: 'color'; color: string }
  | { kind: 'image'; url: string }
  | { kind: 'text'; text: string; color: string; size: number }
  /** `target`: the screen or window chosen in the desktop app's picker; absent: the first screen (or the browser asks). */
  | { kind: 'screen'; target?: CaptureTarget }
  /**
   * `deviceId` from enumerateDevices; absent: the system's default camera. `audioDeviceId`: the audio input that is
   * its sound (a capture card's), a strip of its own in the mixer; absent: none.
   */
  | { kind: 'camera'; deviceId?: string; audioDeviceId?: string }
  /** The channel's recent chat lines, drawn as an overlay. */
  | { kind: 'chat'; lines: number }
  /** An Android phone's screen over USB (adb): its serial as adb lists it, '' for the one phone connected. */
  | { kind: 'phone'; serial: string }
  /** A web page (http or https) rendered offscreen at width x height CSS pixels, as OBS's browser source. */
  | { kind: 'web'; url: string; width: number; height: number };

export type SourceKind = SourceSettings['kind'];
export const SOURCE_KINDS: readonly SourceKind[] = ['color', 'image', 'text', 'screen', 'camera', 'phone', 'web', 'chat'];

export interface Source {
  id: string;
  name: string;
  settings: SourceSettings;
}

/** What is cut off each side of the source, as a fraction of its width (left, right) or height (top, bottom). */
export interface Crop {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** One source placed on one canvas of a scene. Canvas pixels; drawn in list order (first at the bottom). */
export interface Item {
  id: string;
  sourceId: string;
  x: number;
  y: number;
  w: number;
  h: number;
  crop: Crop;
  /** 0 (transparent) to 1. */
  opacity: number;
  visible: boolean;
  /** A locked item cannot be moved or resized in the preview. */
  locked: boolean;
}

export interface Scene {
  id: string;
  name: string;
  /** Each canvas has its own layout of the scene's sources; an item's order is its index here. */
  items: Record<CanvasId, Item[]>;
}

export const SCENES_VERSION = 1;

export interface ScenesDoc {
  version: typeof SCENES_VERSION;
  canvases: CanvasSpec[];
  sources: Record<string, Source>;
  scenes: Scene[];
  /** The scene on air (drawn by the compositor). */
  program: string;
}

export const DEFAULT_CANVASES: CanvasSpec[] = [
  { id: 'horizontal', width: 1280, height: 720, fps: 30 },
  { id: 'vertical', width: 720, height: 1280, fps: 30 },
];

/**
 * The frame rates the canvases may run at, one for both as OBS has one video frame rate: OBS's common values, NTSC's
 * among them (STUDIO_FRAME_RATES), 30 by default. A rate is its exact quotient (30000 / 1001), which JSON keeps.
 */
export const FRAME_RATES: readonly number[] = STUDIO_FRAME_RATES.map(([n, d]) => n / d);

/** The rates in words, for refusals: "10, 20, 23.976, …, 60". */
export const FRAME_RATES_TEXT = FRAME_RATES.map(frameRateLabel).join(', ');

export function isFrameRate(fps: unknown): fps is number {
  return typeof fps === 'number' && FRAME_RATES.includes(fps);
}

/** The sizes each canvas offers (width, height). */
export const CANVAS_SIZES: Record<CanvasId, [number, number][]> = {
  horizontal: [
    [1280, 720],
    [1920, 1080],
  ],
  vertical: [
    [720, 1280],
    [1080, 1920],
  ],
};

export const NO_CROP: Crop = { top: 0, right: 0, bottom: 0, left: 0 };

/** Item order per canvas is capped so a runaway script or a corrupt file cannot make the compositor crawl. */
export const MAX_ITEMS_PER_CANVAS = 64;
export const MAX_SCENES = 100;
export const MAX_SOURCES = 200;

export function canvasOf(doc: ScenesDoc, id: CanvasId): CanvasSpec {
  return doc.canvases.find((c) => c.id === id) ?? DEFAULT_CANVASES.find((c) => c.id === id)!;
}

export function sceneById(doc: ScenesDoc, id: string): Scene | undefined {
  return doc.scenes.find((s) => s.id === id);
}

/** Ids unlikely to collide within one document (scenes, sources, items), readable in the saved file. */
export function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function emptyDoc(): ScenesDoc {
  const id = newId('scene');
  return {
    version: SCENES_VERSION,
    canvases: DEFAULT_CANVASES,
    sources: {},
    scenes: [{ id, name: 'Scene', items: { horizontal: [], vertical: [] } }],
    program: id,
  };
}

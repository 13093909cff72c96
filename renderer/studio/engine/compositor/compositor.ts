// Draws the program scene of each canvas (horizontal, vertical) with Canvas 2D, one tick per frame on a timer that
// yields between ticks (a tight loop would starve the encoders), and hands each drawn frame to that canvas's
// FrameSink with the session clock's timestamp. Switching scenes is a cut (the next tick draws the new scene) or a
// fade (at most MAX_FADE_MS); it only changes what is drawn, never the canvases, so an encoder reading them is not
// disturbed. Reads the scene model; never changes it.
import { sceneById, type CanvasId, type Item, type ScenesDoc } from '../scene/model.js';
import type { Ctx2D } from '../sources/drawable.js';
import type { SourceRegistry } from '../sources/registry.js';
import type { CanvasSpec, FrameSink, SessionClock } from '../types.js';
import { exposeStats } from '../diagnostics.js';
import { ComposeTimes, type ComposeStats } from './stats.js';

export type Transition = { kind: 'cut' } | { kind: 'fade'; ms: number };
export const MAX_FADE_MS = 500;
export const DEFAULT_FADE_MS = 300;
/** Compose times are kept for this long, for the p50/p95. */
const STATS_SECONDS = 5;

interface Surface {
  spec: CanvasSpec;
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  /** The incoming scene during a fade, drawn whole, then laid over the outgoing one. */
  scratch: OffscreenCanvas;
  scratchCtx: OffscreenCanvasRenderingContext2D;
  sink: FrameSink | null;
}

interface Fade {
  from: string;
  started: number;
  ms: number;
}

export interface CompositorOptions {
  sources: SourceRegistry;
  clock: SessionClock;
  /** Milliseconds, monotonic (performance.now in the page; a fake in tests). */
  now?: () => number;
}

export class Compositor {
  private doc: ScenesDoc | null = null;
  private readonly surfaces = new Map<CanvasId, Surface>();
  private fade: Fade | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private due = 0;
  private times = new ComposeTimes(30 * STATS_SECONDS);
  private readonly now: () => number;
  private unexpose: (() => void) | null = null;
  /** Sources whose draw threw (reported once each). */
  private readonly failedDraws = new Set<string>();

  constructor(private readonly o: CompositorOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  /** The canvas drawn for `id` (the preview shows it; the encoder reads it). */
  canvas(id: CanvasId): HTMLCanvasElement | null {
    return this.surfaces.get(id)?.canvas ?? null;
  }

  /** The new model; when its program scene changed, the switch happens with `transition`. */
  setDoc(doc: ScenesDoc, transition: Transition = { kind: 'cut' }): void {
    const before = this.doc;
    this.doc = doc;
    this.o.sources.sync(doc);
    for (const spec of doc.canvases) this.surface(spec);
    if (before && before.program !== doc.program) {
      this.fade =
        transition.kind === 'fade' && transition.ms > 0
          ? { from: before.program, started: this.now(), ms: Math.min(MAX_FADE_MS, transition.ms) }
          : null;
    }
  }

  setSink(id: CanvasId, sink: FrameSink | null): void {
    const s = this.surfaces.get(id);
    if (s) s.sink = sink;
  }

  start(): void {
    if (this.timer) return;
    this.unexpose ??= exposeStats('compose', () => this.stats());
    this.due = this.now();
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unexpose?.();
    this.unexpose = null;
  }

  /** Stops drawing and closes every source. */
  dispose(): void {
    this.stop();
    this.o.sources.closeAll();
  }

  stats(): ComposeStats {
    return this.times.stats();
  }

  get transitioning(): boolean {
    return this.fade !== null;
  }

  /** Draws one frame of every canvas now (the timer calls this; so can a test). */
  tick(): void {
    const doc = this.doc;
    if (!doc) return;
    const t0 = this.now();
    const timestampUs = this.o.clock.nowUs();
    let alpha = 1;
    if (this.fade) {
      alpha = Math.min(1, (t0 - this.fade.started) / this.fade.ms);
      if (alpha >= 1) this.fade = null;
    }
    for (const s of this.surfaces.values()) {
      if (this.fade) {
        this.drawScene(s.ctx, s.spec, this.fade.from);
        this.drawScene(s.scratchCtx, s.spec, doc.program);
        s.ctx.globalAlpha = alpha;
        s.ctx.drawImage(s.scratch, 0, 0);
        s.ctx.globalAlpha = 1;
      } else this.drawScene(s.ctx, s.spec, doc.program);
    }
    const frame = String(this.times.frames + 1);
    for (const s of this.surfaces.values()) {
      // For diagnostics and tests: which frame this is, when it was drawn, and the scene fully on air ('' mid-fade).
      s.canvas.dataset.frame = frame;
      s.canvas.dataset.drawnAt = t0.toFixed(1);
      s.canvas.dataset.program = this.fade ? '' : doc.program;
      s.sink?.frame(s.canvas, timestampUs);
    }
    // Compose time ends once every sink has its picture: Canvas 2D defers its drawing until the canvas is read,
    // which is when a sink captures the frame, so the drawing alone would time only the recording of the commands.
    this.times.add(this.now() - t0);
  }

  private schedule() {
    // The canvases' rate (one for both; 30 before any canvas exists).
    const rates = [...this.surfaces.values()].map((s) => s.spec.fps);
    const fps = rates.length ? Math.max(...rates) : 30;
    const interval = 1000 / fps;
    const now = this.now();
    // On time on average, but never a burst to catch up after a late frame (a busy page): at least half a frame apart.
    this.due = Math.max(this.due + interval, now + interval / 2);
    this.timer = setTimeout(
      () => {
        this.tick();
        if (this.timer) this.schedule();
      },
      Math.max(0, this.due - now),
    );
  }

  private surface(spec: CanvasSpec): Surface {
    const have = this.surfaces.get(spec.id);
    if (have && have.spec.width === spec.width && have.spec.height === spec.height) {
      have.spec = spec;
      return have;
    }
    const canvas = have?.canvas ?? document.createElement('canvas');
    canvas.width = spec.width;
    canvas.height = spec.height;
    const ctx = canvas.getContext('2d', { alpha: false })!;
    const scratch = new OffscreenCanvas(spec.width, spec.height);
    const scratchCtx = scratch.getContext('2d', { alpha: false })!;
    const s: Surface = { spec, canvas, ctx, scratch, scratchCtx, sink: have?.sink ?? null };
    this.surfaces.set(spec.id, s);
    return s;
  }

  private drawScene(ctx: Ctx2D, spec: CanvasSpec, sceneId: string) {
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#000000';
    ctx.fillRect(0, 0, spec.width, spec.height);
    const scene = this.doc && sceneById(this.doc, sceneId);
    if (!scene) return;
    for (const it of scene.items[spec.id]) this.drawItem(ctx, it);
    ctx.globalAlpha = 1;
  }

  private drawItem(ctx: Ctx2D, it: Item) {
    if (!it.visible || it.opacity <= 0) return;
    const d = this.o.sources.get(it.sourceId);
    if (!d) return;
    ctx.globalAlpha = it.opacity;
    try {
      d.draw(ctx, it.crop, { x: it.x, y: it.y, w: it.w, h: it.h });
    } catch (e) {
      // One layer that cannot draw must not freeze the picture being sent: the others go on. Said once per source.
      if (!this.failedDraws.has(it.sourceId)) console.error(`source ${it.sourceId} could not draw:`, e);
      this.failedDraws.add(it.sourceId);
    }
  }
}

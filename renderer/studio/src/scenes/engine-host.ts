// The one engine of this window: the source registry and the compositor, following the scenes store. Created on
// first use, drawing from then on (the canvases are what the encoder will read, shown or not).
import { sessionClock } from '../../engine/clock.js';
import type { SessionClock } from '../../engine/types.js';
import { Compositor } from '../../engine/compositor/compositor.js';
import { browserSources } from '../../engine/sources/open.js';
import { sourceFeedOpener } from '../../engine/sources/source-feed.js';
import type { SourceStatus } from '../../engine/sources/drawable.js';
import { SourceRegistry } from '../../engine/sources/registry.js';
import { launch } from '../launch.js';
import { call } from '../onair.js';
import { chatLines } from './chat-feed.js';
import { useScenes } from './store.js';

let engine: Compositor | null = null;
let registry: SourceRegistry | null = null;
/** The session clock the compositor stamps frames with; the encoder stamps sound with the same one. */
let clock: SessionClock | null = null;

/** How a source is doing (opening, waiting for a click, ready, failed), for the Layers panel. */
export function sourceStatus(sourceId: string): SourceStatus | null {
  return registry?.get(sourceId)?.status ?? null;
}

/** Opens a source that waits for the user; call from the click. */
export function startSource(sourceId: string): void {
  registry?.get(sourceId)?.start?.();
}

/** The clock of this window's engine (made with it). */
export function studioClock(): SessionClock {
  studioEngine();
  return clock!;
}

export function studioEngine(): Compositor {
  if (engine) return engine;
  // The desktop app (window.onair from its preload) answers getDisplayMedia itself; a browser shows its picker,
  // except the headless Studio's Chromium, whose fake screen answers at once (launch.ts).
  registry = new SourceRegistry(
    browserSources({
      chatLines,
      screenPickerNeedsClick: !window.onair && !launch.screenDirect,
      openFeed: sourceFeedOpener(window.onair),
      // A failure here fails the layer's capture: never the first screen in place of the window the streamer chose.
      chooseCaptureTarget: (target) => call('capture:choose', { target }).then(() => {}),
    }),
  );
  clock = sessionClock();
  const compositor = new Compositor({ sources: registry, clock });
  engine = compositor;
  const follow = (s: ReturnType<typeof useScenes.getState>) => {
    if (s.history) compositor.setDoc(s.history.present, s.transition);
  };
  follow(useScenes.getState());
  useScenes.subscribe((s, prev) => {
    if (s.history?.present !== prev.history?.present) follow(s);
  });
  compositor.start();
  return compositor;
}

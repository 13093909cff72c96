// The scenes as the Studio's UI holds them: serialisable data only (the model with its undo history, what is
// selected, which canvas is shown, the transition for the next switch). The media objects live in the engine
// (engine-host.ts), which follows this store. Loaded from main at start (a first run makes scenes from the devices
// found) and saved back, debounced, after every change.
import { create } from 'zustand';
import { SceneError, type SceneCommand } from '../../engine/scene/commands.js';
import { firstRunScenes } from '../../engine/scene/defaults.js';
import { execute, redo, startHistory, undo, type History } from '../../engine/scene/history.js';
import { parseScenes, serializeScenes } from '../../engine/scene/json.js';
import { newId, type CanvasId } from '../../engine/scene/model.js';
import { DEFAULT_FADE_MS, type Transition } from '../../engine/compositor/compositor.js';
import { call } from '../onair.js';
import { detectDevices } from './devices.js';

/** Saves wait for this long after the last change (a drag is many changes). */
const SAVE_AFTER_MS = 400;

export interface ScenesState {
  status: 'loading' | 'ready' | 'failed';
  history: History | null;
  /** The scene the Layers panel edits (the program scene unless another is picked). */
  selectedScene: string | null;
  selectedItem: string | null;
  view: CanvasId;
  /** How the next switch happens: the Cut and Fade buttons set it and switch. */
  transition: Transition;
  error: string | null;
  /** 'saved' once main has the latest change; 'saving' while one is on its way. */
  saved: 'saved' | 'saving' | 'failed';
  load(): Promise<void>;
  exec(cmd: SceneCommand, gesture?: string): boolean;
  undo(): void;
  redo(): void;
  selectScene(id: string): void;
  selectItem(id: string | null): void;
  setView(v: CanvasId): void;
  /** Puts the selected scene on air. */
  switchTo(kind: Transition['kind']): void;
}

let saveTimer: ReturnType<typeof setTimeout> | null = null;
/** The load in progress, which a second caller (the window's start and the scene editor) shares: one first run. */
let loading: Promise<void> | null = null;

export const useScenes = create<ScenesState>((set, get) => {
  const scheduleSave = () => {
    if (saveTimer) clearTimeout(saveTimer);
    set({ saved: 'saving' });
    saveTimer = setTimeout(() => {
      saveTimer = null;
      const doc = get().history?.present;
      if (!doc) return;
      call('scenes:save', { json: serializeScenes(doc) }).then(
        () => !saveTimer && set({ saved: 'saved' }),
        (err: Error) => set({ saved: 'failed', error: `The scenes could not be saved: ${err.message}` }),
      );
    }, SAVE_AFTER_MS);
  };

  const loadOnce = async () => {
    try {
      const { json } = await call('scenes:load', {});
      let doc;
      let fresh = false;
      if (json === null) {
        doc = firstRunScenes(await detectDevices(), newId);
        fresh = true;
      } else doc = parseScenes(json);
      set({ status: 'ready', history: startHistory(doc), selectedScene: doc.program });
      if (fresh) scheduleSave();
    } catch (err) {
      set({ status: 'failed', error: (err as Error).message });
    }
  };

  return {
    status: 'loading',
    history: null,
    selectedScene: null,
    selectedItem: null,
    view: 'horizontal',
    transition: { kind: 'cut' },
    error: null,
    saved: 'saved',

    load() {
      if (get().history) return Promise.resolve();
      loading ??= loadOnce().finally(() => (loading = null));
      return loading;
    },

    exec(cmd, gesture) {
      const h = get().history;
      if (!h) return false;
      try {
        set({ history: execute(h, cmd, gesture), error: null });
        scheduleSave();
        return true;
      } catch (err) {
        if (!(err instanceof SceneError)) throw err;
        set({ error: err.message });
        return false;
      }
    },

    undo() {
      const h = get().history;
      if (!h?.past.length) return;
      set({ history: undo(h) });
      scheduleSave();
    },

    redo() {
      const h = get().history;
      if (!h?.future.length) return;
      set({ history: redo(h) });
      scheduleSave();
    },

    selectScene(id) {
      set({ selectedScene: id, selectedItem: null });
    },

    selectItem(id) {
      set({ selectedItem: id });
    },

    setView(v) {
      set({ view: v, selectedItem: null });
    },

    switchTo(kind) {
      const { selectedScene } = get();
      if (!selectedScene) return;
      set({ transition: kind === 'fade' ? { kind: 'fade', ms: DEFAULT_FADE_MS } : { kind: 'cut' } });
      get().exec({ type: 'setProgramScene', sceneId: selectedScene });
    },
  };
});

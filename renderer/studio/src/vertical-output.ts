// The vertical output's settings (on or off, its bitrate) kept in this window's storage like the mixer's, and a
// mirror of its state while a broadcast runs (main's 'broadcast:vertical'). Its size is the vertical canvas's (the
// scenes, scene model's setCanvasSize). Read by Go Live (engine-live.ts), the Studio's switch (VerticalOutput.tsx)
// and the remote control's GetVerticalOutput / SetVerticalOutput (control-scenes.ts).
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { LIMITS, type BroadcastState } from '../../../electron/ipc-contract.js';

export const VERTICAL_STORAGE_KEY = 'onair.studio.vertical';

/** The bitrate a size gets until the user sets one: 2500 kb/s for 720x1280, 5000 for 1080x1920. */
export function defaultVerticalKbps(height: number): number {
  return height >= 1920 ? 5000 : 2500;
}

export interface VerticalOutputStore {
  enabled: boolean;
  /** Null: the size's default (defaultVerticalKbps). */
  bitrateKbps: number | null;
  /** The running broadcast's vertical output, or null when it has none. */
  state: BroadcastState | null;
  setEnabled(on: boolean): void;
  setBitrate(kbps: number | null): void;
  setState(s: BroadcastState | null): void;
}

const kbpsFrom = (v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= LIMITS.bitrateKbps.min && v <= LIMITS.bitrateKbps.max ? v : null;

export const useVerticalOutput = create<VerticalOutputStore>()(
  persist(
    (set) => ({
      enabled: false,
      bitrateKbps: null,
      state: null,
      setEnabled: (on) => set({ enabled: on }),
      setBitrate: (kbps) => set({ bitrateKbps: kbpsFrom(kbps) }),
      setState: (s) => set({ state: s }),
    }),
    {
      name: VERTICAL_STORAGE_KEY,
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: (s) => ({ enabled: s.enabled, bitrateKbps: s.bitrateKbps }),
      // What comes back from storage is checked, not trusted.
      merge: (saved, current) => {
        const o = (saved ?? {}) as Record<string, unknown>;
        return { ...current, enabled: o.enabled === true, bitrateKbps: kbpsFrom(o.bitrateKbps) };
      },
    },
  ),
);

/** Whether the vertical output is on air now (GetVerticalOutput's `active`). */
export function verticalActive(s: BroadcastState | null): boolean {
  return s?.kind === 'live';
}

// The vertical output's settings (on or off, its bitrate) kept in this window's storage like the mixer's, and a
// mirror of its state while a broadcast runs (main's 'broadcast:vertical') and of where it goes (main's
// 'vertical:destination': main keeps it, with the other server's key). Its size is the vertical canvas's (the
// scenes, scene model's setCanvasSize). Read by Go Live (engine-live.ts), the Studio's switch (VerticalOutput.tsx)
// and the remote control's GetVerticalOutput / SetVerticalOutput (control-scenes.ts).
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { LIMITS, type BroadcastState, type VerticalDestination } from '../../../electron/ipc-contract.js';

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
  /** Where it goes, as main says (a masked key at most); null until main answered. */
  destination: VerticalDestination | null;
  setEnabled(on: boolean): void;
  setBitrate(kbps: number | null): void;
  setState(s: BroadcastState | null): void;
  setDestination(d: VerticalDestination): void;
}

const kbpsFrom = (v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= LIMITS.bitrateKbps.min && v <= LIMITS.bitrateKbps.max ? v : null;

export const useVerticalOutput = create<VerticalOutputStore>()(
  persist(
    (set) => ({
      enabled: false,
      bitrateKbps: null,
      state: null,
      destination: null,
      setEnabled: (on) => set({ enabled: on }),
      setBitrate: (kbps) => set({ bitrateKbps: kbpsFrom(kbps) }),
      setState: (s) => set({ state: s }),
      setDestination: (d) => set({ destination: d }),
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

/** The host the vertical output sends to: the other server's, or the session's (the channel's vertical ingest). */
export function verticalHost(d: VerticalDestination | null, sessionRtmpUrl: string | undefined): string | null {
  if (d?.use === 'rtmp') return d.rtmp?.host ?? null;
  try {
    return sessionRtmpUrl ? new URL(sessionRtmpUrl).host : null;
  } catch {
    return null;
  }
}

/** Whether the vertical output is on air now (GetVerticalOutput's `active`). */
export function verticalActive(s: BroadcastState | null): boolean {
  return s?.kind === 'live';
}

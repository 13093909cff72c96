// Whether the Studio shows its preview. Showing it costs Chromium about a sixth of a core at 720p30 in software (a
// picture composited into the page at every frame; bench/studio-preview-cost.ts), so, as OBS lets one, a streamer on
// a weak machine can switch it off. The canvases are drawn and encoded all the same: only the page stops showing
// them. Kept in this window's storage like the mixer's settings.
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

export const PREVIEW_STORAGE_KEY = 'onair.studio.preview';

export interface PreviewSetting {
  shown: boolean;
  setShown(on: boolean): void;
}

export const usePreviewSetting = create<PreviewSetting>()(
  persist(
    (set) => ({
      shown: true,
      setShown: (on) => set({ shown: on }),
    }),
    {
      name: PREVIEW_STORAGE_KEY,
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: (s) => ({ shown: s.shown }),
      // What comes back from storage is checked, not trusted: anything but an explicit false shows the preview.
      merge: (saved, current) => ({ ...current, shown: (saved as Record<string, unknown> | undefined)?.shown !== false }),
    },
  ),
);

// The mixer's settings (faders, mutes, sync offsets, the microphone and its noise suppression, desktop audio on or
// off), saved with the Studio's settings in this window's storage and read back checked. Serialisable data only:
// the audio graph lives in the engine (engine/audio), which Mixer.tsx keeps in step with this store.
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { StripSettings } from '../engine/audio/levels.js';
import { DEFAULT_MIXER_SETTINGS, mixerSettingsFrom, stripSettingsFrom, type MicrophoneSetting, type MixerSettings } from './mixer-settings.js';

export const MIXER_STORAGE_KEY = 'onair.studio.mixer';

export interface MixerStore extends MixerSettings {
  /** A strip's settings (defaults for a strip not set yet). */
  strip(id: string): StripSettings;
  setStrip(id: string, patch: Partial<StripSettings>): void;
  setMicrophone(patch: Partial<MicrophoneSetting>): void;
  setDesktopAudio(on: boolean): void;
}

export const useMixer = create<MixerStore>()(
  persist(
    (set, get) => ({
      ...DEFAULT_MIXER_SETTINGS,
      strip: (id) => get().strips[id] ?? stripSettingsFrom({}),
      setStrip: (id, patch) => set((s) => ({ strips: { ...s.strips, [id]: stripSettingsFrom({ ...s.strip(id), ...patch }) } })),
      setMicrophone: (patch) => set((s) => ({ microphone: { ...s.microphone, ...patch } })),
      setDesktopAudio: (on) => set({ desktopAudio: on }),
    }),
    {
      name: MIXER_STORAGE_KEY,
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: (s): MixerSettings => ({ strips: s.strips, microphone: s.microphone, desktopAudio: s.desktopAudio }),
      merge: (saved, current) => ({ ...current, ...mixerSettingsFrom(saved) }),
    },
  ),
);

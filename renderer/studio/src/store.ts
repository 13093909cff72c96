// The Studio's state: a mirror of what main says (session, sources, encoders, broadcast state and health) plus the
// settings being edited. Intents go to main through `call`; main's events update the mirror.
import { create } from 'zustand';
import { PRESETS, type PresetName } from '../../../electron/broadcast/types.js';
import type { BroadcastHealth, BroadcastState, PictureInPicture, SessionInfo, SourceList, StudioSettings } from '../../../electron/ipc-contract.js';
import { call, onair } from './onair.js';

export interface StudioState {
  session: SessionInfo | null;
  sources: SourceList | null;
  encoders: string[];
  presets: string[];
  sourceId: string;
  preset: PresetName;
  encoder: string;
  bitrateKbps: number;
  fps: number;
  keyframeSeconds: number;
  pip: PictureInPicture | null;
  recordPath: string;
  /** Microphone device name ('' for none). */
  microphone: string;
  /** Mix in what the computer plays, where the operating system allows it. */
  systemAudio: boolean;
  broadcast: BroadcastState;
  health: BroadcastHealth | null;
  /** Last few bitrates, for the sparkline. */
  history: number[];
  error: string | null;
  init(): Promise<void>;
  set(
    patch: Partial<
      Pick<
        StudioState,
        'sourceId' | 'encoder' | 'bitrateKbps' | 'fps' | 'keyframeSeconds' | 'pip' | 'recordPath' | 'microphone' | 'systemAudio' | 'error'
      >
    >,
  ): void;
  setPreset(p: PresetName): void;
  setSession(s: SessionInfo): void;
  goLive(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_PRESET: PresetName = 'Smooth 720p30';

export const useStudio = create<StudioState>((set, get) => ({
  session: null,
  sources: null,
  encoders: [],
  presets: Object.keys(PRESETS),
  sourceId: 'test',
  preset: DEFAULT_PRESET,
  encoder: 'libx264',
  bitrateKbps: PRESETS[DEFAULT_PRESET].bitrateKbps,
  fps: PRESETS[DEFAULT_PRESET].fps,
  keyframeSeconds: 2,
  pip: null,
  recordPath: '',
  microphone: '',
  systemAudio: false,
  broadcast: { kind: 'idle' },
  health: null,
  history: [],
  error: null,

  async init() {
    onair.on('session:changed', (s) => set({ session: s }));
    onair.on('broadcast:state', (s) => set({ broadcast: s, ...(s.kind === 'connecting' ? { history: [], health: null } : {}) }));
    onair.on('broadcast:health', (h) => set((st) => ({ health: h, history: [...st.history, h.bitrateKbps].slice(-60) })));
    try {
      const [session, status, sources, enc] = await Promise.all([
        call('session:get', {}),
        call('broadcast:status', {}),
        call('sources:list', {}),
        call('encoders:list', {}),
      ]);
      set({
        session,
        broadcast: status.state,
        health: status.health,
        sources,
        encoders: enc.encoders,
        presets: enc.presets,
        encoder: enc.encoders.includes(get().encoder) ? get().encoder : (enc.encoders[0] ?? 'libx264'),
      });
    } catch (err) {
      set({ error: (err as Error).message });
    }
  },

  set(patch) {
    set(patch);
  },

  setPreset(p) {
    set({ preset: p, bitrateKbps: PRESETS[p].bitrateKbps, fps: PRESETS[p].fps, keyframeSeconds: PRESETS[p].keyframeSeconds });
  },

  setSession(s) {
    set({ session: s });
  },

  async goLive() {
    const st = get();
    const source = st.sources?.sources.find((x) => x.id === st.sourceId)?.spec ?? { kind: 'test' as const };
    const settings: StudioSettings = {
      source,
      preset: st.preset,
      encoder: st.encoder,
      bitrateKbps: st.bitrateKbps,
      fps: st.fps,
      keyframeSeconds: st.keyframeSeconds,
      ...(st.pip ? { pip: st.pip } : {}),
      ...(st.recordPath.trim() ? { recordPath: st.recordPath.trim() } : {}),
      ...(st.microphone.trim() ? { microphone: st.microphone.trim() } : {}),
      ...(st.systemAudio ? { systemAudio: true } : {}),
    };
    set({ error: null });
    try {
      const status = await call('broadcast:start', { settings });
      set({ broadcast: status.state });
    } catch (err) {
      set({ error: (err as Error).message });
    }
  },

  async stop() {
    try {
      const status = await call('broadcast:stop', {});
      set({ broadcast: status.state });
    } catch (err) {
      set({ error: (err as Error).message });
    }
  },
}));

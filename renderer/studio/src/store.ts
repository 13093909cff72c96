// The Studio's state: a mirror of what main says (session, sources, encoders, broadcast state, health and the
// program picture) plus the settings being edited. Intents go to main through `call`; main's events update the mirror.
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { PRESETS, recordingWrites, type PresetName, type RecordingStatus } from '../../../electron/broadcast/types.js';
import {
  broadcastRuns,
  type BroadcastHealth,
  type BroadcastState,
  type SessionInfo,
  type SourceList,
  type StudioSettings,
} from '../../../electron/ipc-contract.js';
import { BroadcastReplies } from './broadcast-replies.js';
import { engineEncoding, startEngineLive, startEngineRecording, stopEngineEncoders } from './engine-live.js';
import { launch } from './launch.js';
import { MIC_NONE, MIC_OTHER, microphoneSettings } from './microphone.js';
import { call, onair } from './onair.js';
import { savedStudioSettingsFrom, STUDIO_SETTINGS_KEY, studioSettingsToSave, type SavedStudioSettings } from './studio-settings.js';
import { useVerticalOutput } from './vertical-output.js';

/** The settings being edited (kept between starts: studio-settings.ts), and the mirror of what main says. */
export interface StudioState extends SavedStudioSettings {
  session: SessionInfo | null;
  sources: SourceList | null;
  encoders: string[];
  presets: string[];
  broadcast: BroadcastState;
  /** Figures of the stream while it is live; null otherwise (nothing frozen after Stop). */
  health: BroadcastHealth | null;
  /** Last few bitrates of this broadcast, for the sparkline. */
  history: number[];
  /** The latest picture being sent (a data URL) while a broadcast runs. */
  program: string | null;
  /** The local recording running or last run (with a broadcast, or alone); null without one. */
  recording: RecordingStatus | null;
  error: string | null;
  init(): Promise<void>;
  /** Lists sources, cameras and microphones again (a device plugged in since). */
  refreshSources(): Promise<void>;
  set(
    patch: Partial<
      Pick<
        StudioState,
        | 'sourceId'
        | 'encoder'
        | 'bitrateKbps'
        | 'fps'
        | 'keyframeSeconds'
        | 'pip'
        | 'recordPath'
        | 'micChoice'
        | 'micOther'
        | 'systemAudio'
        | 'mode'
        | 'error'
      >
    >,
  ): void;
  setPreset(p: PresetName): void;
  setSession(s: SessionInfo): void;
  goLive(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Start Recording: in the broadcast running, else (the engine mode) a recording alone with the encoders started
   * for it. To "Also record to", else main's default. Stopping is main's alone (recording:stop).
   */
  record(): Promise<void>;
}

const DEFAULT_PRESET: PresetName = 'Smooth 720p30';
/** The test pattern: always listed. */
const DEFAULT_SOURCE = 'test';

/**
 * A Go Live in progress (the engine's probe and encoders take a while before main hears of it): a second Go Live (a
 * click and a remote control's StartStream) shares it, and a Stop waits for it so that it stops what it started.
 */
let starting: Promise<void> | null = null;
/** A Start recording on its way: the encoders it may take over from a stream just ended stay meanwhile. */
let recordStarting = false;

/** Replies to Go Live, Stop and status calls give way to a broadcast:state event heard while they were on their way. */
const replies = new BroadcastReplies();

/** Whether a Go Live is still on its way (the remote control refuses another start meanwhile). */
export function goLiveStarting(): boolean {
  return starting !== null;
}

/**
 * What a new broadcast state leaves of the figures: health only while live; the sparkline and the program picture
 * for the whole broadcast (through reconnects), cleared when it ends or a new one starts. Pure.
 */
export function figuresAfter(s: BroadcastState): Partial<Pick<StudioState, 'health' | 'history' | 'program'>> {
  if (s.kind === 'live') return {};
  if (s.kind === 'reconnecting' || (s.kind === 'connecting' && s.attempt > 1)) return { health: null };
  return { health: null, history: [], program: null };
}

export const useStudio = create<StudioState>()(
  persist(
    (set, get) => ({
      session: null,
      sources: null,
      encoders: [],
      presets: Object.keys(PRESETS),
      sourceId: DEFAULT_SOURCE,
      preset: DEFAULT_PRESET,
      encoder: 'libx264',
      bitrateKbps: PRESETS[DEFAULT_PRESET].bitrateKbps,
      fps: PRESETS[DEFAULT_PRESET].fps,
      keyframeSeconds: PRESETS[DEFAULT_PRESET].keyframeSeconds,
      pip: null,
      recordPath: '',
      micChoice: MIC_NONE,
      micOther: '',
      systemAudio: false,
      mode: launch.mode ?? 'pipeline',
      broadcast: { kind: 'idle' },
      health: null,
      history: [],
      program: null,
      error: null,
      recording: null,

      async init() {
        // What main says while the first answers are on their way is newer than they are (a remote control's
        // SetStreamServiceSettings can come first): the answers below do not overwrite it.
        const heard = { session: false, broadcast: false, recording: false };
        onair.on('session:changed', (s) => {
          heard.session = true;
          set({ session: s });
        });
        onair.on('broadcast:state', (s) => {
          heard.broadcast = true;
          replies.heardEvent();
          set({ broadcast: s, ...figuresAfter(s) });
          stopEncoderWhenUnused();
        });
        // A figure or a picture that arrives after the state moved on belongs to what has ended.
        onair.on('broadcast:health', (h) =>
          set((st) => (st.broadcast.kind === 'live' ? { health: h, history: [...st.history, h.bitrateKbps].slice(-60) } : {})),
        );
        onair.on('broadcast:recording', (recording) => {
          heard.recording = true;
          set({ recording });
          stopEncoderWhenUnused();
        });
        onair.on('broadcast:vertical', (v) => useVerticalOutput.getState().setState(v.kind === 'idle' ? null : v));
        onair.on('vertical:destination', (d) => useVerticalOutput.getState().setDestination(d));
        // As with the session above: a change heard first is newer than this answer.
        void call('vertical:destination', {}).then(
          (d) => {
            if (!useVerticalOutput.getState().destination) useVerticalOutput.getState().setDestination(d);
          },
          () => {},
        );
        onair.on('broadcast:preview', (f) => set((st) => (broadcastRuns(st.broadcast.kind) ? { program: f.dataUrl } : {})));
        try {
          const [session, status, sources, enc] = await Promise.all([
            call('session:get', {}),
            call('broadcast:status', {}),
            call('sources:list', {}),
            call('encoders:list', {}),
          ]);
          useVerticalOutput.getState().setState(status.vertical);
          set({
            ...(heard.session ? {} : { session }),
            ...(heard.broadcast ? {} : { broadcast: status.state, health: status.state.kind === 'live' ? status.health : null }),
            ...(heard.recording ? {} : { recording: status.recording }),
            ...withSources(sources, get()),
            encoders: enc.encoders,
            presets: enc.presets,
            encoder: enc.encoders.includes(get().encoder) ? get().encoder : (enc.encoders[0] ?? 'libx264'),
          });
        } catch (err) {
          set({ error: (err as Error).message });
        }
      },

      async refreshSources() {
        try {
          set(withSources(await call('sources:list', {}), get()));
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

      goLive() {
        starting ??= goLive().finally(() => (starting = null));
        return starting;
      },

      async stop() {
        await starting;
        try {
          // A recording goes on alone: the encoder stays for it (and stops with it when it was the stream's).
          if (!recordingWrites(get().recording)) await stopEngineEncoders();
          await replies.read(() => call('broadcast:stop', {}), showBroadcast);
        } catch (err) {
          set({ error: (err as Error).message });
        }
      },

      async record() {
        const st = get();
        const path = st.recordPath.trim() || undefined;
        set({ error: null });
        recordStarting = true;
        try {
          if (broadcastRuns(st.broadcast.kind)) await call('recording:start', path ? { path } : {});
          else if (st.mode === 'engine')
            await startEngineRecording({ ...settingsOf(st), mode: 'engine' }, path, (err) => set({ error: err.message }));
          else throw new Error(RECORD_WITH_FFMPEG);
        } catch (err) {
          set({ error: (err as Error).message });
        } finally {
          recordStarting = false;
          // What was let be while it started: encoders that nothing took after all stop now.
          stopEncoderWhenUnused();
        }
      },
    }),
    {
      name: STUDIO_SETTINGS_KEY,
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: (s) => studioSettingsToSave(s),
      // What comes back is checked field by field; a launch's ?encode= still picks the mode.
      merge: (saved, current) => ({ ...current, ...savedStudioSettingsFrom(saved), ...(launch.mode ? { mode: launch.mode } : {}) }),
    },
  ),
);

/**
 * A list of sources, and the choices it does not offer undone: a microphone or a source not in it (unplugged, or a
 * saved choice of a device not there now) is not picked silently in its absence.
 */
function withSources(sources: SourceList, st: Pick<StudioState, 'micChoice' | 'sourceId'>): Partial<StudioState> {
  const micListed = st.micChoice === MIC_NONE || st.micChoice === MIC_OTHER || sources.microphones.some((m) => m.id === st.micChoice);
  const sourceListed = sources.sources.some((x) => x.id === st.sourceId);
  return { sources, ...(micListed ? {} : { micChoice: MIC_NONE }), ...(sourceListed ? {} : { sourceId: DEFAULT_SOURCE }) };
}

function showBroadcast(s: BroadcastState): void {
  useStudio.setState({ broadcast: s, ...figuresAfter(s) });
}

/** Why Start Recording with no stream is not offered with ffmpeg encoding (the window and StartRecord say it). */
export const RECORD_WITH_FFMPEG =
  'With ffmpeg encoding the Studio records while it streams: go live, then Start recording (or fill in “Also record to”); choose Encode with: This app to record without streaming.';

/**
 * Whether a stream or a recording runs: the settings they were started with hold until both are over (a Go Live
 * joining a recording alone goes out with the recording's), so the window does not offer to change them meanwhile.
 */
export function outputsRun(st: Pick<StudioState, 'broadcast' | 'recording'>): boolean {
  return broadcastRuns(st.broadcast.kind) || recordingWrites(st.recording);
}

/** The window's encoder stops once main has nothing to send its chunks to: no stream, no file being written. */
function stopEncoderWhenUnused(): void {
  const st = useStudio.getState();
  if (engineEncoding() && !starting && !recordStarting && !outputsRun(st)) void stopEngineEncoders();
}

/** What main gets for a broadcast (or the encoders for a recording) from the settings shown. */
function settingsOf(st: StudioState): StudioSettings {
  const source = st.sources?.sources.find((x) => x.id === st.sourceId)?.spec ?? { kind: 'test' as const };
  return {
    source,
    preset: st.preset,
    encoder: st.encoder,
    bitrateKbps: st.bitrateKbps,
    fps: st.fps,
    keyframeSeconds: st.keyframeSeconds,
    ...(st.pip ? { pip: st.pip } : {}),
    ...(st.recordPath.trim() ? { recordPath: st.recordPath.trim() } : {}),
    ...microphoneSettings(st.micChoice, st.micOther, st.sources?.microphones ?? []),
    ...(st.systemAudio ? { systemAudio: true } : {}),
  };
}

/** Go Live with the settings shown: the engine in this window, or main's pipeline. */
async function goLive(): Promise<void> {
  const { getState: get, setState: set } = useStudio;
  const st = get();
  const settings = settingsOf(st);
  set({ error: null });
  try {
    if (st.mode === 'engine') await startEngineLive({ ...settings, mode: 'engine' }, (err) => set({ error: err.message }));
    await replies.read(() => (st.mode === 'engine' ? call('broadcast:status', {}) : call('broadcast:start', { settings })), showBroadcast);
  } catch (err) {
    set({ error: (err as Error).message });
  }
}

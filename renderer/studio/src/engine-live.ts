// Going live in the engine mode from the window: the Studio's own encoder (engine/encode) sends what the engine
// draws, the scene on air of the horizontal canvas (the compositor, scenes/engine-host.ts), with the mixer's sound
// (studio-mixer.ts), both stamped on the engine's one clock. The picture is scaled to the preset's size when the
// canvas has another (a 1280x720 canvas sent as 854x480). With the vertical output on (vertical-output.ts), the
// vertical canvas is encoded too, at its own size, and main sends it to the channel's vertical ingest.
// The encoders also run for a recording without a stream (OBS's Start Recording while offline): a Go Live then joins
// them, and they stop once main has neither a stream nor a recording to take their chunks.
import { PRESETS, type PresetName } from '../../../electron/broadcast/types.js';
import type { StudioSettings } from '../../../electron/ipc-contract.js';
import { startEngineSession, type EngineSession } from '../engine/encode/engine-session.js';
import type { FrameSink } from '../engine/types.js';
import { onair } from './onair.js';
import { canvasOf } from '../engine/scene/model.js';
import { studioClock, studioEngine } from './scenes/engine-host.js';
import { useScenes } from './scenes/store.js';
import { studioMixer } from './studio-mixer.js';
import { defaultVerticalKbps, useVerticalOutput } from './vertical-output.js';

let running: EngineSession | null = null;
/** The encoders' start on its way (a Go Live clicked meanwhile joins them rather than starting others). */
let opening: Promise<void> | null = null;

/** Whether the window's encoders run (for a stream, a recording alone, or both). */
export function engineEncoding(): boolean {
  return running !== null;
}

/** A sink that hands `target` each frame at width x height, drawn scaled when the canvas has another size. */
export function scaledSink(target: FrameSink, width: number, height: number): FrameSink {
  let scaled: OffscreenCanvas | null = null;
  let ctx: OffscreenCanvasRenderingContext2D | null = null;
  return {
    frame(canvas, timestampUs) {
      if (canvas.width === width && canvas.height === height) return target.frame(canvas, timestampUs);
      scaled ??= new OffscreenCanvas(width, height);
      ctx ??= scaled.getContext('2d');
      if (!ctx) return;
      ctx.drawImage(canvas, 0, 0, width, height);
      target.frame(scaled, timestampUs);
    },
  };
}

/**
 * Starts the broadcast in main (mode 'engine') and the encoder here; throws with main's or the encoder's words. With
 * the encoders running already (a recording alone), the broadcast joins them with their settings.
 */
export async function startEngineLive(settings: StudioSettings, onError: (err: Error) => void): Promise<void> {
  await opening?.catch(() => undefined);
  if (running) {
    const started = await onair.invoke('broadcast:start', { settings: running.settings });
    if (!started.ok) throw new Error(started.error.message);
    return;
  }
  await startEncoders(settings, onError);
}

/**
 * Starts a recording alone (no stream) to `path` (main's default without one) and the encoder here; throws with
 * main's or the encoder's words (a folder that cannot be written to, no encoder).
 */
export async function startEngineRecording(settings: StudioSettings, path: string | undefined, onError: (err: Error) => void): Promise<void> {
  const open = async (s: StudioSettings) => {
    const r = await onair.invoke('recording:start', { ...(path ? { path } : {}), settings: s });
    if (!r.ok) throw new Error(r.error.message);
    if (r.value.recording?.state !== 'recording') throw new Error(r.value.recording?.reason ?? 'The recording could not start.');
  };
  await opening?.catch(() => undefined);
  // Encoders still running (a stream that has just ended): the recording takes them as they are.
  if (running) return open(running.settings);
  await startEncoders(settings, onError, { open, close: async () => void (await onair.invoke('recording:stop', {})) });
}

async function startEncoders(
  settings: StudioSettings,
  onError: (err: Error) => void,
  main: Pick<Parameters<typeof startEngineSession>[0], 'open' | 'close'> = {},
): Promise<void> {
  opening = openEncoders(settings, onError, main);
  try {
    await opening;
  } finally {
    opening = null;
  }
}

async function openEncoders(
  settings: StudioSettings,
  onError: (err: Error) => void,
  main: Pick<Parameters<typeof startEngineSession>[0], 'open' | 'close'>,
): Promise<void> {
  const preset = PRESETS[settings.preset as PresetName] ?? PRESETS['Smooth 720p30'];
  const compositor = studioEngine();
  const mixer = await studioMixer();
  // Go Live is a click: the moment the page may start its sound (an AudioContext starts suspended).
  await mixer.context.resume().catch(() => {});
  // Frames come at the canvas's rate, whatever the settings say.
  const doc = useScenes.getState().history?.present;
  const fps = doc ? canvasOf(doc, 'horizontal').fps : settings.fps;
  const out = useVerticalOutput.getState();
  const vcanvas = doc ? canvasOf(doc, 'vertical') : null;
  const vertical =
    out.enabled && vcanvas
      ? {
          canvas: { id: 'vertical' as const, width: vcanvas.width, height: vcanvas.height, fps },
          bitrateKbps: out.bitrateKbps ?? defaultVerticalKbps(vcanvas.height),
        }
      : undefined;
  const session = await startEngineSession({
    api: onair,
    settings,
    canvas: { id: 'horizontal', width: preset.width, height: preset.height, fps },
    clock: studioClock(),
    audio: mixer,
    vertical,
    onError,
    ...main,
  });
  compositor.setSink('horizontal', scaledSink(session.sink, preset.width, preset.height));
  if (session.verticalSink && vertical)
    compositor.setSink('vertical', scaledSink(session.verticalSink, vertical.canvas.width, vertical.canvas.height));
  running = session;
}

/** Stops the encoder and what it was started for (main's broadcast:stop or recording:stop). */
export async function stopEngineEncoders(): Promise<void> {
  const session = running;
  running = null;
  if (!session) return;
  studioEngine().setSink('horizontal', null);
  studioEngine().setSink('vertical', null);
  await session.stop();
}

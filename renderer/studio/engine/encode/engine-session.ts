// The Studio's own encoder at work: probe what WebCodecs offers, ask main to start what takes the chunks (an "engine"
// broadcast, which holds the server and key and publishes, or a recording alone), open the media channel, then encode
// the canvas (the compositor's FrameSink) and the mix (AudioMixOutput) into chunks on that channel. Stop ends the
// encoders and what main was asked to start.
// With `vertical`, a second H.264 encoder takes the vertical canvas (its own size and bitrate, a keyframe each
// second) on the same clock; its chunks go out as output `vertical` beside the main ones, with the one AAC encode.
import type { OnairApi, StudioSettings } from '../../../../electron/ipc-contract.js';
import { encodeMediaChunk, type MediaChunkKind, type MediaOutput } from '../../../../electron/media-chunk.js';
import type { AudioMixOutput, CanvasSpec, FrameSink, SessionClock } from '../types.js';
import { createAacEncoder, type AacEncoder } from './aac-encoder.js';
import { AudioTap } from './audio-tap.js';
import { exposeStats } from '../diagnostics.js';
import { EncodeCounters, type EncodeStats } from './counters.js';
import { probeAudio, probeVideo, type VideoPlan } from './probe.js';
import { openMediaTransport, type MediaTransport } from './transport.js';
import { CanvasVideoEncoder } from './video-encoder.js';

export interface EngineSessionOptions {
  api: OnairApi;
  /** What main gets for the broadcast (mode is set to 'engine' here). */
  settings: StudioSettings;
  /**
   * Asks main to start what takes the chunks, with the settings the encoders will run with; throws with main's words.
   * By default an engine broadcast (broadcast:start).
   */
  open?: (settings: StudioSettings) => Promise<void>;
  /** Ends what `open` started (the encoders stopped, or could not start). By default broadcast:stop. */
  close?: () => Promise<void>;
  canvas: CanvasSpec;
  clock: SessionClock;
  /** The mix; without it the stream has no audio track. */
  audio?: AudioMixOutput;
  audioBitrateKbps?: number;
  /** Also encode the vertical canvas (sent to the channel's vertical ingest by main); its size from `canvas`. */
  vertical?: { canvas: CanvasSpec; bitrateKbps: number };
  onError?: (err: Error) => void;
}

export interface EngineSession {
  /** The settings main was given: the encoders' (a broadcast joining them later goes out with these). */
  settings: StudioSettings;
  /** Give this to the compositor: every drawn frame of `canvas`. */
  sink: FrameSink;
  plan: VideoPlan;
  /** With a vertical output: give this to the compositor for the vertical canvas. */
  verticalSink?: FrameSink;
  verticalPlan?: VideoPlan;
  audioBackend: 'native' | 'wasm' | 'none';
  /** Audio scheduling: the context time of a session time (tests put a beep on a flash with it). */
  tap?: AudioTap;
  stats(): EncodeStats;
  verticalStats?(): EncodeStats;
  stop(): Promise<void>;
}

/** How long the picture waits for the audio encoder's first output before it starts without (see below). */
const AUDIO_START_MS = 15_000;
/** Video frames are dropped while this much waits to be sent (a slow dev bridge socket). */
const MAX_BUFFERED = 8 * 1024 * 1024;
/** The vertical output's keyframe interval (the server cuts one-second segments on keyframes). */
const VERTICAL_KEYFRAME_SECONDS = 1;

export async function startEngineSession(o: EngineSessionOptions): Promise<EngineSession> {
  const { width, height, fps } = o.canvas;
  const audioKbps = o.audioBitrateKbps ?? 128;
  const plan = await probeVideo({ width, height, fps, bitrateKbps: o.settings.bitrateKbps });
  const audioBackend = o.audio ? await probeAudio(audioKbps) : 'none';
  const v = o.vertical;
  // No encoder for the vertical picture: said, and the horizontal stream goes live without it.
  const verticalPlan = v
    ? await probeVideo({ width: v.canvas.width, height: v.canvas.height, fps, bitrateKbps: v.bitrateKbps }).catch((err: Error) => {
        o.onError?.(new Error(`Vertical output off: ${err.message}`));
        return undefined;
      })
    : undefined;
  const settings = {
    ...o.settings,
    fps,
    mode: 'engine' as const,
    ...(v && verticalPlan ? { vertical: { width: v.canvas.width, height: v.canvas.height, bitrateKbps: v.bitrateKbps } } : {}),
  };

  const open =
    o.open ??
    (async (s: StudioSettings) => {
      const started = await o.api.invoke('broadcast:start', { settings: s });
      if (!started.ok) throw new Error(started.error.message);
    });
  const close = o.close ?? (async () => void (await o.api.invoke('broadcast:stop', {})));
  await open(settings);
  let transport: MediaTransport;
  try {
    transport = await openMediaTransport(o.api);
  } catch (err) {
    await close();
    throw err;
  }

  const onError = (err: Error) => o.onError?.(err);
  const counters = new EncodeCounters();
  const verticalCounters = new EncodeCounters();
  const waitForKey: Record<MediaOutput, boolean> = { main: false, vertical: false };
  const send = (kind: MediaChunkKind, timestampUs: number, data: Uint8Array, output: MediaOutput = 'main') => {
    if (kind === 'video-delta' || kind === 'video-key') {
      // Behind a full socket, skip pictures until a keyframe: a decoder cannot use a delta after a gap.
      if (transport.buffered > MAX_BUFFERED) waitForKey[output] = true;
      if (waitForKey[output] && (kind === 'video-delta' || transport.buffered > MAX_BUFFERED))
        return void (output === 'main' ? counters : verticalCounters).dropped++;
      waitForKey[output] = false;
    }
    transport.send(encodeMediaChunk({ kind, timestampUs, compositionUs: 0, data, output }));
  };

  let aac: AacEncoder | undefined;
  let tap: AudioTap | undefined;
  // Main is live (or recording) from here: a failure to start the encoders ends that too, or it would stay "live"
  // with nothing to send until the server drops the idle connection.
  const abandon = async (err: unknown): Promise<never> => {
    tap?.stop();
    await aac?.close().catch(() => undefined);
    transport.close();
    await close();
    throw err;
  };
  if (o.audio && audioBackend !== 'none') {
    // Audio first, and the picture only once the audio config exists: the WebAssembly encoder takes a moment to
    // load, and the server fixes the stream's tracks when the first keyframe arrives.
    let configured: () => void = () => {};
    const audioConfig = new Promise<void>((resolve) => (configured = resolve));
    try {
      aac = await createAacEncoder(
        audioBackend,
        audioKbps,
        (c) => {
          if (c.kind === 'audio-config') configured();
          send(c.kind, c.timestampUs, c.data);
        },
        onError,
      );
      const encoder = aac;
      tap = await AudioTap.start(o.audio, o.clock, (b) => encoder.encode(b.channels, b.timestampUs));
    } catch (err) {
      await abandon(err);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, AUDIO_START_MS)));
    await Promise.race([audioConfig, late]);
    clearTimeout(timer);
  }
  let video: CanvasVideoEncoder;
  try {
    video = new CanvasVideoEncoder(plan.config, o.settings.keyframeSeconds, (c) => send(c.kind, c.timestampUs, c.data), counters, onError);
  } catch (err) {
    return abandon(err);
  }
  // The vertical encoder's failure is said, never thrown at the main one: the horizontal stream goes on.
  const vertical = verticalPlan
    ? new CanvasVideoEncoder(
        verticalPlan.config,
        VERTICAL_KEYFRAME_SECONDS,
        (c) => send(c.kind, c.timestampUs, c.data, 'vertical'),
        verticalCounters,
        (err) => onError(new Error(`Vertical output: ${err.message}`)),
      )
    : undefined;

  // For tools outside the page's modules (engine/diagnostics.ts): the figures of this session while it runs.
  const unexpose = [
    exposeStats('encode', () => counters.stats()),
    ...(vertical ? [exposeStats('encodeVertical', () => verticalCounters.stats())] : []),
  ];

  return {
    settings,
    sink: video,
    plan,
    verticalSink: vertical,
    verticalPlan,
    audioBackend,
    tap,
    stats: () => counters.stats(),
    ...(vertical ? { verticalStats: () => verticalCounters.stats() } : {}),
    async stop() {
      for (const f of unexpose) f();
      tap?.stop();
      await Promise.all([video.close(), vertical?.close(), aac?.close()]);
      transport.close();
      await close();
    },
  };
}

// The seam between the Studio and the broadcast pipeline (electron/broadcast, plain Node, also run by the CLI). The
// Studio codes against this shape — the pipeline's documented API: `new Broadcast(settings, { ffmpegPath, logger })`
// with start(), stop(), state and the 'state' / 'health' events, and `probeEncoders(ffmpegPath)`. Which
// implementation is used is decided in ONE place: `defaultPipeline()` below.
import type { EventEmitter } from 'node:events';
import type { BroadcastSettings, BroadcastState } from '../../broadcast/types.js';
import { Broadcast } from '../../broadcast/broadcast.js';
import { probeEncoders } from '../../broadcast/encoders.js';

export interface PipelineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface BroadcastLike extends EventEmitter {
  start(): unknown;
  stop(): unknown;
  readonly state: BroadcastState;
  /**
   * A recording started and stopped while the broadcast runs, both told by 'recording' events (RecordingStatus);
   * a broadcast without them records only what it was started with.
   */
  startRecording?(path: string): unknown;
  stopRecording?(): unknown;
}

export interface PipelineModule {
  /** Which implementation this is, for logs and the report. */
  name: string;
  createBroadcast(settings: BroadcastSettings, opts: { ffmpegPath?: string; logger?: PipelineLogger }): BroadcastLike;
  probeEncoders(ffmpegPath: string): Promise<string[]>;
}

/**
 * The pipeline the app and the dev bridge host: electron/broadcast's Broadcast (reconnects, Android, PiP, CPU).
 * The Broadcast takes a pino logger; ours is smaller, so it logs through its own default.
 */
export function defaultPipeline(): PipelineModule {
  return {
    name: 'electron/broadcast',
    createBroadcast: (settings, opts) => new Broadcast(settings, { ffmpegPath: opts.ffmpegPath }),
    probeEncoders: async (ffmpegPath) => (await probeEncoders({ ffmpegPath })).filter((r) => r.ok).map((r) => r.name),
  };
}

// The engine sender as main hosts it: the EngineSender runs in a worker thread (engine-sender-worker.ts) and this
// proxy is what the Studio core holds: the same start/stop/state and 'state' / 'health' / 'destinations' /
// 'recording' events as the ffmpeg Broadcast, plus push() for the window's media messages and 'vertical' (the vertical output's own
// state, when the settings have one). Plain Node.
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { EngineSenderSettings } from './engine-sender.js';
import type { BroadcastHealth, BroadcastState, DestinationStatus, RecordingStatus, RestreamTarget } from './types.js';

/** A recording started at a path, or the one running stopped (null). */
export interface RecordMessage {
  record: string | null;
}
export type SenderThreadMessage = 'start' | 'stop' | RecordMessage | Uint8Array | ArrayBuffer;

export function isRecordMessage(m: SenderThreadMessage): m is RecordMessage {
  return typeof m === 'object' && !(m instanceof Uint8Array) && !(m instanceof ArrayBuffer) && 'record' in m;
}
export type SenderThreadReply =
  | { type: 'state'; state: BroadcastState }
  | { type: 'vertical'; state: BroadcastState }
  | { type: 'health'; health: BroadcastHealth }
  | { type: 'destinations'; destinations: DestinationStatus[] }
  | { type: 'recording'; recording: RecordingStatus }
  | { type: 'log'; level: 'info' | 'warn'; obj: object; msg?: string };

/** What the thread is started with: the main output, its extra destinations, and the vertical output if any. */
export type SenderThreadSettings = EngineSenderSettings & {
  destinations?: RestreamTarget[];
  /**
   * The vertical canvas's publisher: its ingest URL, its key (absent: the main output's, as the channel's vertical
   * ingest takes; another server has its own) and its picture.
   */
  vertical?: { server: string; streamKey?: string; video: EngineSenderSettings['video'] };
  /** The ffmpeg that writes the local recordings (engine-recordings.ts). */
  ffmpegPath: string;
  /** Record from the start to this path ("Also record to"); a recording may also start later (startRecording). */
  recordPath?: string;
  /**
   * A recording without a stream (OBS's Start Recording while offline): nothing is published (server, key and
   * destinations are not used); 'stop' finishes the files and ends the thread.
   */
  recordOnly?: boolean;
};

/** The worker's file: the TypeScript source when running from source (tsx), the bundle's sibling when built. */
function workerUrl(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? './engine-sender-worker.ts' : './engine-sender-worker.js', import.meta.url);
}

export class EngineSenderThread extends EventEmitter {
  state: BroadcastState = { kind: 'idle' };
  /** The vertical output's state; null when the settings have none. */
  verticalState: BroadcastState | null;
  /** The local recording's state once it has one; null without a recording. */
  recording: RecordingStatus | null = null;
  private readonly worker: Worker;
  private stopped?: Promise<void>;

  constructor(settings: SenderThreadSettings, logger?: { info(o: object, m?: string): void; warn(o: object, m?: string): void }) {
    super();
    this.verticalState = settings.vertical && !settings.recordOnly ? { kind: 'idle' } : null;
    this.worker = new Worker(workerUrl(), { workerData: settings });
    this.worker.on('message', (m: SenderThreadReply) => {
      if (m.type === 'state') {
        this.state = m.state;
        this.emit('state', m.state);
        if (m.state.kind === 'ended' || m.state.kind === 'failed') void this.worker.terminate();
      } else if (m.type === 'vertical') {
        this.verticalState = m.state;
        this.emit('vertical', m.state);
      } else if (m.type === 'health') this.emit('health', m.health);
      else if (m.type === 'destinations') this.emit('destinations', m.destinations);
      else if (m.type === 'recording') {
        this.recording = m.recording;
        this.emit('recording', m.recording);
      } else if (m.type === 'log') logger?.[m.level](m.obj, m.msg);
    });
    this.worker.on('error', (err) => {
      logger?.warn({ err: err.message }, 'engine sender thread failed');
      if (this.state.kind === 'ended' || this.state.kind === 'failed') return;
      this.state = { kind: 'failed', code: 'encoder_failed', reason: 'The sender stopped unexpectedly; go live again.' };
      this.emit('state', this.state);
    });
  }

  start(): void {
    // Connecting from this call on, as the ffmpeg Broadcast is, not from when the thread has loaded its code and says
    // so: a broadcast on its way must not read as idle (the remote control would take the start for failed).
    if (this.state.kind === 'idle') {
      this.state = { kind: 'connecting', attempt: 1 };
      this.emit('state', this.state);
    }
    this.worker.postMessage('start');
  }

  /** Ends the broadcast; resolves once the sender has closed its connection (or after 5 s). */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5000);
      this.worker.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }

  /** Starts a local recording to `path` (its first free sibling) while the broadcast runs; nothing if one runs. */
  startRecording(path: string): void {
    this.worker.postMessage({ record: path } satisfies RecordMessage);
  }

  /** Stops the local recording; the broadcast goes on. The 'recording' event tells when its files are finished. */
  stopRecording(): void {
    this.worker.postMessage({ record: null } satisfies RecordMessage);
  }

  /** One media message from the window, copied to the sender's thread. */
  push(message: ArrayBuffer | ArrayBufferView): void {
    if (this.state.kind === 'ended' || this.state.kind === 'failed') return;
    const bytes = message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    this.worker.postMessage(bytes);
  }
}

// The broadcast the Studio hosts, as main keeps it: the one running (main's ffmpeg pipeline or the engine's sender
// thread), its state, its figures, the vertical output's state and the program picture, and what the window and the
// remote control are told of them; and a recording without a stream (the engine's record-only thread), which a
// broadcast may join and leave while it goes on, as OBS's record and stream outputs share one encoder. Both modes report through the same 'state' and 'health' events, so the window's
// health line and obs-websocket's GetStreamStatus read the same figures whoever encodes. Plain Node, no Electron.
import { recordingWrites, type BroadcastHealth, type BroadcastState, type DestinationStatus, type RecordingStatus } from '../../broadcast/types.js';
import { statSync } from 'node:fs';
import { EngineSenderThread } from '../../broadcast/engine-sender-thread.js';
import { defaultRecordPath } from '../../broadcast/record-file.js';
import { broadcastRuns, type BroadcastStatus, type EventMap, type EventName } from '../../ipc-contract.js';
import { mediaConfigSlot } from '../../media-chunk.js';
import type { BroadcastLike } from './pipeline.js';

/**
 * The window's health line moves about once a second (its sparkline keeps the last 60): the engine sender reports
 * four times a second for the control API's counters, and the window is told no more often than this (which every
 * one of ffmpeg's once-a-second reports passes).
 */
const HEALTH_SHOWN_MS = 800;

/** The stream output as obs-websocket's GetStreamStatus describes it. */
export interface OutputFigures {
  /** Live, or reconnecting after having been live (OBS keeps an output active through its reconnects). */
  active: boolean;
  reconnecting: boolean;
  /** Since the broadcast first went live. */
  durationMs: number;
  bytes: number;
  congestion: number;
  skippedFrames: number;
  totalFrames: number;
}

const NO_OUTPUT: OutputFigures = { active: false, reconnecting: false, durationMs: 0, bytes: 0, congestion: 0, skippedFrames: 0, totalFrames: 0 };

/** The record output as obs-websocket's GetRecordStatus describes it. */
export interface RecordFigures {
  active: boolean;
  /** Since the recording started writing. */
  durationMs: number;
  /** The size of its files on disk (the vertical one's too). */
  bytes: number;
  /** The file being (or last) written; null before any. */
  path: string | null;
}

/** Why a recording cannot start or stop now, in words for the window and for control clients. */
export interface RecordRefusal {
  code: 'not_live' | 'record_with_ffmpeg' | 'not_recording' | 'recording';
  message: string;
}

/** How long a recording's start may take to name its file, and its stop to finish its files (ffmpeg's index). */
const RECORD_START_MS = 5_000;
const RECORD_STOP_MS = 12_000;

export class StudioLive {
  private broadcast: BroadcastLike | null = null;
  private current: BroadcastState = { kind: 'idle' };
  /** The figures shown while live; null otherwise (nothing frozen after Stop). */
  private shown: BroadcastHealth | null = null;
  private shownAt = 0;
  /** The latest figures of this broadcast, kept through its reconnects for GetStreamStatus. */
  private counters: BroadcastHealth | null = null;
  /** When this broadcast first went live; null before (and for a broadcast that never did). */
  private liveSince: number | null = null;
  /** The vertical output's state while the broadcast has one (engine mode), else null. */
  private vertical: BroadcastState | null = null;
  /** The latest picture of the broadcast's program (a data URL), while one runs. */
  private frame: string | null = null;
  /** The local recording of the broadcast running or last run; null without one. */
  private recording: RecordingStatus | null = null;
  /** When the recording being written started (null while none is). */
  private recordingSince: number | null = null;
  /** The path the broadcast was started with ("Also record to"): where a recording started later goes too. */
  private recordPath: string | undefined;
  /** The recording without a stream (a record-only engine thread) while it runs; a broadcast leaves it alone. */
  private alone: EngineSenderThread | null = null;
  /** The latest config message of each engine output and track, for a thread started while the encoders run. */
  private readonly configs = new Map<number, Uint8Array>();

  constructor(
    private readonly o: {
      emit<E extends EventName>(event: E, payload: EventMap[E]): void;
      /** Every state change, with whether the output is active in OBS's sense (the remote control's events). */
      onState(s: BroadcastState, active: boolean): void;
      /** Every change of the local recording (the remote control's RecordStateChanged). */
      onRecording?(r: RecordingStatus): void;
    },
  ) {}

  get state(): BroadcastState {
    return this.current;
  }

  get health(): BroadcastHealth | null {
    return this.shown;
  }

  get programFrame(): string | null {
    return this.frame;
  }

  get active(): boolean {
    return broadcastRuns(this.current.kind);
  }

  /** Whether a stream or a recording runs (alone or with a stream): the machine stays awake and the window unthrottled meanwhile. */
  get busy(): boolean {
    return this.active || recordingWrites(this.recording);
  }

  status(): BroadcastStatus {
    return { state: this.current, health: this.shown, vertical: this.vertical, recording: this.recording };
  }

  output(now = Date.now()): OutputFigures {
    if (this.liveSince === null || !this.active) return NO_OUTPUT;
    const c = this.counters;
    return {
      active: true,
      reconnecting: this.current.kind !== 'live',
      durationMs: Math.max(0, now - this.liveSince),
      bytes: c?.bytesSent ?? 0,
      congestion: c?.congestion ?? 0,
      skippedFrames: c?.droppedFrames ?? 0,
      totalFrames: c ? c.framesSent + c.droppedFrames : 0,
    };
  }

  /** The recording as GetRecordStatus tells it. */
  record(now = Date.now()): RecordFigures {
    const r = this.recording;
    const active = r?.state === 'recording' && this.recordingSince !== null;
    return { active, durationMs: active ? now - this.recordingSince! : 0, bytes: active ? recordedBytes(r) : 0, path: r?.path ?? null };
  }

  /** Whether a recording without a stream runs (the stream may have joined it since). */
  get recordingAlone(): boolean {
    return this.alone !== null;
  }

  /**
   * Why a recording cannot be started (`start`) or stopped now, or null when it can. While a broadcast runs it
   * records from that broadcast's encode, in either mode; with no stream it records alone (recordAlone, the
   * engine's encoder).
   */
  recordRefusal(start: boolean): RecordRefusal | null {
    const r = this.recording;
    if (start && r?.state === 'recording') return { code: 'recording', message: 'The Studio is already recording.' };
    if (!start && !recordingWrites(r)) return { code: 'not_recording', message: 'The Studio is not recording.' };
    if (this.alone || !this.active) return null;
    if (!this.broadcast?.startRecording)
      return {
        code: 'record_with_ffmpeg',
        message: 'This broadcast records only what “Also record to” set before Go Live; stop and go live again to record.',
      };
    return null;
  }

  /**
   * Starts recording while the broadcast runs, to `path`, else the broadcast's own, else the Videos folder;
   * resolves once the file is named (or the recording failed in words). Nothing when recordRefusal says why not.
   */
  async startRecording(path = this.recordPath ?? defaultRecordPath()): Promise<BroadcastStatus> {
    const b = this.broadcast;
    if (this.recordRefusal(true) || !this.active || !b?.startRecording) return this.status();
    // The broadcast names the file (or says why not) as soon as it is asked (or, connecting, when its ffmpeg starts).
    const named = this.nextRecording(b, () => true, RECORD_START_MS);
    // false: it cannot record now (a broadcast says so only where this check passed by a race): nothing to wait for.
    if (b.startRecording(path) !== false) await named;
    return this.status();
  }

  /**
   * Hosts `t`, a record-only engine thread started with its path: a recording without a stream, until it is stopped
   * (a broadcast started meanwhile goes live beside it and leaves it running when it stops). Resolves once the file
   * is named, or the recording failed in words (the thread then ends).
   */
  async recordAlone(t: EngineSenderThread): Promise<BroadcastStatus> {
    this.adoptConfigs(t);
    this.alone = t;
    this.setRecording(null);
    t.on('recording', (r: RecordingStatus) => {
      if (this.alone !== t) return;
      this.setRecording(r);
      if (!recordingWrites(r)) void t.stop();
    });
    t.on('state', (s: BroadcastState) => {
      if ((s.kind !== 'ended' && s.kind !== 'failed') || this.alone !== t) return;
      this.alone = null;
      // A thread that failed (not one ended by its stop) leaves no file being written.
      const r = this.recording;
      if (s.kind === 'failed' && r && recordingWrites(r)) this.setRecording({ state: 'failed', path: r.path, reason: s.reason });
    });
    await this.nextRecording(t, () => true, RECORD_START_MS);
    return this.status();
  }

  /** Stops the recording; a broadcast goes on. Resolves once its files are finished. */
  async stopRecording(): Promise<BroadcastStatus> {
    const b = this.alone ?? this.broadcast;
    if (this.recordRefusal(false) || !b?.stopRecording) return this.status();
    const finished = this.nextRecording(b, (r) => !recordingWrites(r), RECORD_STOP_MS);
    if (b === this.alone) void b.stop();
    else void b.stopRecording();
    await finished;
    return this.status();
  }

  /** Resolves at the first recording status from `b` that `done` accepts, or after `ms`. */
  private nextRecording(b: BroadcastLike, done: (r: RecordingStatus) => boolean, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(finish, ms);
      function finish() {
        clearTimeout(t);
        b.off('recording', check);
        resolve();
      }
      function check(r: RecordingStatus) {
        if (done(r)) finish();
      }
      b.on('recording', check);
    });
  }

  /** One media message from the engine's media channel: to the engine broadcast and the recording alone, if any. */
  engineChunk(message: ArrayBuffer | ArrayBufferView): void {
    const bytes = message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    const slot = mediaConfigSlot(bytes);
    if (slot !== null) this.configs.set(slot, bytes.slice());
    const b = this.broadcast;
    if (b instanceof EngineSenderThread) b.push(message);
    this.alone?.push(message);
  }

  /** The engine's media channel closed: its encoders are gone, and the configs they sent with them. */
  engineChannelClosed(): void {
    this.configs.clear();
  }

  /**
   * A new engine thread gets the configs of the encoders running, if any: a broadcast joining a recording alone (or
   * the other way round) starts after they went by. Encoders about to start have none kept and send their own.
   */
  private adoptConfigs(t: BroadcastLike): void {
    if (t instanceof EngineSenderThread) for (const m of this.configs.values()) t.push(m);
  }

  /** Hosts `b` from now on (the previous broadcast, ended, is let go) and starts it; `recordPath`: its "Also record to". */
  async start(b: BroadcastLike, recordPath?: string): Promise<BroadcastStatus> {
    this.adoptConfigs(b);
    this.broadcast?.removeAllListeners();
    this.broadcast = b;
    this.recordPath = recordPath;
    this.shown = this.counters = null;
    this.shownAt = 0;
    this.liveSince = null;
    this.frame = null;
    b.on('state', (st: BroadcastState) => this.broadcast === b && this.setState(st));
    b.on('health', (h: BroadcastHealth) => {
      if (this.broadcast !== b || this.current.kind !== 'live') return;
      this.counters = this.shown = h;
      const now = Date.now();
      if (now - this.shownAt < HEALTH_SHOWN_MS) return;
      this.shownAt = now;
      this.o.emit('broadcast:health', h);
    });
    // The vertical output (engine mode) has a state of its own, shown beside the main one; it never sets the main one.
    this.vertical = b instanceof EngineSenderThread ? b.verticalState : null;
    this.o.emit('broadcast:vertical', this.vertical ?? { kind: 'idle' });
    b.on('vertical', (st: BroadcastState) => {
      if (this.broadcast !== b) return;
      this.vertical = st;
      this.o.emit('broadcast:vertical', st);
    });
    b.on('destinations', (d: DestinationStatus[]) => this.broadcast === b && this.o.emit('broadcast:destinations', d));
    // The recording's file and fate stay shown after the broadcast ends (where it went, or why it stopped short).
    // A recording alone goes on beside the broadcast, which records nothing of its own meanwhile.
    if (!this.alone) this.setRecording(null);
    b.on('recording', (r: RecordingStatus) => this.broadcast === b && this.setRecording(r));
    b.on('preview', (jpeg: Buffer) => {
      if (this.broadcast !== b || !this.active) return;
      this.frame = `data:image/jpeg;base64,${jpeg.toString('base64')}`;
      this.o.emit('broadcast:preview', { dataUrl: this.frame });
    });
    await b.start();
    if (this.current !== b.state) this.setState(b.state);
    return this.status();
  }

  async stop(): Promise<BroadcastStatus> {
    // The broadcast's own state, not the window's: an engine broadcast is 'idle' until its sender thread has
    // started, and a Stop then (the window's encoder failing at its start) must end it all the same.
    const b = this.broadcast;
    if (b && (broadcastRuns(b.state.kind) || (b instanceof EngineSenderThread && b.state.kind === 'idle'))) await b.stop();
    return this.status();
  }

  /** Stops a running broadcast and recording, and waits for their end (or 5 s): the app quits, the bridge closes. */
  async dispose(): Promise<void> {
    await this.alone?.stop();
    const b = this.broadcast;
    if (!b || !this.active) return;
    const ended = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5000);
      b.on('state', (s: BroadcastState) => {
        if (s.kind === 'ended' || s.kind === 'failed') {
          clearTimeout(t);
          resolve();
        }
      });
    });
    await b.stop();
    await ended;
  }

  /** The recording's new status (null: none yet), told to the window and the remote control. */
  private setRecording(r: RecordingStatus | null): void {
    // A recording's duration runs from its first file (the ffmpeg pipeline's reconnect parts continue it).
    if (r?.state !== 'recording') this.recordingSince = null;
    else this.recordingSince ??= Date.now();
    this.recording = r;
    this.o.emit('broadcast:recording', r);
    if (r) this.o.onRecording?.(r);
  }

  private setState(s: BroadcastState): void {
    this.current = s;
    if (s.kind === 'live') this.liveSince ??= Date.now();
    // Figures and pictures describe a running stream: once it ends or fails they are gone, not frozen. The counters
    // stay through a reconnect (GetStreamStatus keeps counting); the health line shows nothing meanwhile.
    if (s.kind !== 'live') this.shown = null;
    if (!this.active) {
      this.frame = null;
      this.counters = null;
      this.liveSince = null;
    }
    this.o.emit('broadcast:state', s);
    this.o.onState(s, this.output().active);
  }
}

/** The bytes on disk of a recording's files (0 for a file not there yet). */
function recordedBytes(r: RecordingStatus): number {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return size(r.path) + (r.vertical ? size(r.vertical.path) : 0);
}

// One broadcast: a single ffmpeg child owns the capture, the encode and the RTMP output; this class runs it
// through idle -> connecting -> live -> reconnecting -> ended | failed(code, reason), reports health once a second
// from ffmpeg's -progress output and, with `settings.preview`, the picture being sent as JPEG frames (preview.ts).
// The program ffmpeg writes on a pipe (program-pipe.ts) goes to the recording and the extra destinations.
// Plain Node (no Electron) so the CLI, the tests and the Studio share it.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { maskSecrets } from '../../server/ffmpeg/args.js';
import { locateFfmpeg } from '../../server/ffmpeg/locate.js';
import { FfmpegProcess, type FfmpegExit } from '../../server/ffmpeg/process.js';
import { AndroidFeeder } from './android.js';
import { buildBroadcastCommand, programFd, usesTee } from './args.js';
import { CpuMeter } from './cpu.js';
import { diagnoseExit, ProgressParser, serverHost, type Diagnosis, type ProgressSample } from './diagnose.js';
import { DestinationFanout } from './fanout.js';
import { PipelineRecording } from './pipeline-recording.js';
import { ProgramPipe } from './program-pipe.js';
import { JpegFrames, PREVIEW_FD } from './preview.js';
import { SlidingRate } from './sliding-rate.js';
import { sourceEnvFromProcess, type SourceEnv } from './sources.js';
import type { BroadcastHealth, BroadcastSettings, BroadcastState, DestinationStatus, FailureCode, RecordingStatus } from './types.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** Failed connection attempts in a row before giving up (a spell of being live resets the count). */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 15_000, maxAttempts: 8 };
/** No progress from ffmpeg for this long while live: the connection hangs (no RST); restart it. */
export const STALL_MS = 10_000;
/** Not live this long after starting ffmpeg: the server does not answer; restart it. */
export const CONNECT_TIMEOUT_MS = 20_000;
/** ffmpeg gets this long to flush and close the stream after stop(). */
export const STOP_GRACE_MS = 5_000;

export interface BroadcastOptions {
  ffmpegPath?: string;
  logger?: Logger;
  backoff?: Partial<Backoff>;
  /** Source environment (platform, DISPLAY, Wayland); defaults to this process's. */
  env?: SourceEnv;
  adbPath?: string;
}

export function backoffDelay(attempt: number, b: Backoff): number {
  return Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, attempt - 1));
}

interface Run {
  proc: FfmpegProcess;
  feeder?: AndroidFeeder;
  parser: ProgressParser;
  cpu: CpuMeter;
  wasLive: boolean;
  lastProgressAt: number;
  lastSample?: { totalSize: number; outTimeUs: number; at: number; frame: number; dropFrames: number };
  /** stderr so far (masked, bounded), for diagnosing a failure we act on before ffmpeg exits. */
  stderr: string;
  startedAt: number;
  /** Set when we end this run ourselves (stop, stall, dropped RTMP slave), with what it means. */
  forced?: Diagnosis | 'stop';
  feederError?: string;
  /** The program on its pipe (usesTee), for the recording and the extra destinations. */
  program?: ProgramPipe;
}

// Typed events: the interface narrows EventEmitter's on/once/emit for this class and adds no members.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export declare interface Broadcast {
  on(event: 'state', l: (s: BroadcastState) => void): this;
  on(event: 'health', l: (h: BroadcastHealth) => void): this;
  on(event: 'log', l: (line: string) => void): this;
  /** A JPEG of the picture being sent, twice a second (only with `settings.preview`). */
  on(event: 'preview', l: (jpeg: Buffer) => void): this;
  /** Each extra destination's state, once a second (only with `settings.destinations`). */
  on(event: 'destinations', l: (d: DestinationStatus[]) => void): this;
  /** The recording's file at each start of ffmpeg, and its end (`settings.recordPath`, or startRecording). */
  on(event: 'recording', l: (r: RecordingStatus) => void): this;
  once(event: 'state', l: (s: BroadcastState) => void): this;
  emit(event: 'state', s: BroadcastState): boolean;
  emit(event: 'health', h: BroadcastHealth): boolean;
  emit(event: 'log', line: string): boolean;
  emit(event: 'preview', jpeg: Buffer): boolean;
  emit(event: 'destinations', d: DestinationStatus[]): boolean;
  emit(event: 'recording', r: RecordingStatus): boolean;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Broadcast extends EventEmitter {
  state: BroadcastState = { kind: 'idle' };
  /** How many ffmpeg processes this broadcast has started (tests assert a wrong key is not retried). */
  spawnCount = 0;
  /** The local recording running or last run (reconnects go on in a new file: name-2.mkv, …). */
  private recording: PipelineRecording | null = null;
  private run?: Run;
  private attempt = 0;
  private firstLiveAt?: number;
  /** What this broadcast's earlier ffmpeg runs sent (each run counts from zero): the figures span its reconnects. */
  private sentBefore = { bytes: 0, frames: 0, dropped: 0 };
  private readonly rate = new SlidingRate();
  private retryTimer?: NodeJS.Timeout;
  private durationTimer?: NodeJS.Timeout;
  private healthTimer?: NodeJS.Timeout;
  private stopping = false;
  private readonly backoff: Backoff;
  private readonly ffmpegPath: string;
  private readonly env: SourceEnv;
  private readonly host: string;
  private endedResolve?: () => void;
  private fanout?: DestinationFanout;
  /** Resolves when the broadcast reaches ended or failed. */
  readonly finished: Promise<BroadcastState>;

  constructor(
    readonly settings: BroadcastSettings,
    private readonly opts: BroadcastOptions = {},
  ) {
    super();
    this.backoff = { ...DEFAULT_BACKOFF, ...(opts.backoff ?? {}) };
    this.ffmpegPath = opts.ffmpegPath ?? locateFfmpeg({ explicit: process.env.FFMPEG_PATH });
    this.env = opts.env ?? sourceEnvFromProcess();
    this.host = serverHost(settings.server);
    this.finished = new Promise((resolve) => {
      this.endedResolve = () => resolve(this.state);
    });
  }

  private mask(text: string): string {
    return maskSecrets(text, [this.settings.streamKey]);
  }

  private setState(s: BroadcastState): void {
    if (this.state.kind === 'ended' || this.state.kind === 'failed') return;
    if (s.kind === 'failed') s = { ...s, reason: this.mask(s.reason) };
    if (s.kind === 'reconnecting') s = { ...s, reason: this.mask(s.reason) };
    this.state = s;
    this.opts.logger?.info({ state: s }, 'broadcast state');
    this.emit('state', s);
    if (s.kind === 'ended' || s.kind === 'failed') {
      this.cleanupTimers();
      void this.recording?.stop();
      if (this.fanout)
        this.emit(
          'destinations',
          this.fanout.statuses().map((d) => ({ ...d, state: 'idle', bitrateKbps: 0 })),
        );
      this.fanout?.stop();
      this.fanout = undefined;
      this.endedResolve?.();
    }
  }

  private fail(code: FailureCode, reason: string): void {
    this.setState({ kind: 'failed', code, reason });
  }

  private cleanupTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.durationTimer) clearTimeout(this.durationTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.retryTimer = this.durationTimer = this.healthTimer = undefined;
  }

  start(): void {
    if (this.state.kind !== 'idle') throw new Error(`Broadcast.start: already ${this.state.kind}`);
    if (!/^rtmps?:\/\//i.test(this.settings.server)) {
      this.fail('refused', 'The server address must start with rtmp:// (for Onair: rtmp://HOST/live).');
      return;
    }
    if (!this.settings.streamKey) {
      this.fail('wrong_key', 'No stream key: copy it from your channel settings.');
      return;
    }
    this.attempt = 1;
    this.setState({ kind: 'connecting', attempt: 1 });
    this.healthTimer = setInterval(() => void this.tick(), 1000);
    if (this.settings.destinations?.length) this.fanout = new DestinationFanout(this.settings.destinations, this.opts.logger);
    if (this.settings.recordPath) this.recording = this.newRecording(this.settings.recordPath);
    this.spawn();
  }

  /**
   * Starts recording to `path` (its first free numbered sibling) from the program's next keyframe, while the
   * broadcast runs; the stream is not touched. False when it cannot: a recording runs already, the broadcast is
   * not running, or it was started without `recordWhileLive` (or a recordPath), so ffmpeg writes no program pipe.
   */
  startRecording(path: string): boolean {
    const running = this.state.kind === 'connecting' || this.state.kind === 'live' || this.state.kind === 'reconnecting';
    if (!running || !usesTee(this.settings) || this.recording?.active) return false;
    this.recording = this.newRecording(path);
    if (this.run?.program) this.recording.runStarted(this.run.program.heads);
    return true;
  }

  /** Stops the recording (its file finished); the stream goes on. Resolves with its final status. */
  async stopRecording(): Promise<RecordingStatus | null> {
    return (await this.recording?.stop()) ?? null;
  }

  private newRecording(path: string): PipelineRecording {
    return new PipelineRecording({ path, ffmpegPath: this.ffmpegPath, onStatus: (r) => this.emit('recording', r) });
  }

  /** The extra destinations' states now (empty without any). */
  destinations(): DestinationStatus[] {
    return this.fanout?.statuses() ?? [];
  }

  /** Ends the broadcast cleanly (ffmpeg flushes and closes the stream, so the server keeps a replay). */
  async stop(): Promise<void> {
    if (this.state.kind === 'ended' || this.state.kind === 'failed' || this.state.kind === 'idle') {
      if (this.state.kind === 'idle') this.setState({ kind: 'ended' });
      return;
    }
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const run = this.run;
    if (!run) {
      this.setState({ kind: 'ended' });
      return;
    }
    run.forced = 'stop';
    this.interrupt(run);
    await this.finished;
  }

  /** SIGINT: ffmpeg finishes its outputs (FLV end, Matroska index); SIGKILL if it lingers. */
  private interrupt(run: Run): void {
    run.feeder?.stop();
    if (run.proc.child.exitCode !== null) return;
    if (process.platform === 'win32') run.proc.child.kill();
    else run.proc.child.kill('SIGINT');
    const t = setTimeout(() => run.proc.kill(), STOP_GRACE_MS);
    t.unref();
    void run.proc.done.then(() => clearTimeout(t));
  }

  private spawn(): void {
    const built = buildBroadcastCommand(this.settings, { env: this.env });
    if (!built.ok) {
      this.fail(built.code, built.reason);
      return;
    }
    for (const w of built.plan.warnings) this.emit('log', w);
    const proc = new FfmpegProcess({
      binary: this.ffmpegPath,
      command: built.command,
      secrets: built.secrets,
      stdin: built.plan.feed ? 'pipe' : 'ignore',
      outputPipes: (this.settings.preview ? 1 : 0) + (usesTee(this.settings) ? 1 : 0),
    });
    this.spawnCount++;
    this.opts.logger?.debug({ argv: proc.describe(), attempt: this.attempt }, 'broadcast ffmpeg');
    const run: Run = {
      proc,
      parser: new ProgressParser((s) => this.onProgress(run, s)),
      cpu: new CpuMeter(proc.child.pid ?? 0),
      wasLive: false,
      lastProgressAt: Date.now(),
      startedAt: Date.now(),
      stderr: '',
    };
    this.run = run;
    proc.child.stdout!.setEncoding('utf8');
    proc.child.stdout!.on('data', (s: string) => run.parser.push(s));
    // Always read the preview pipe: ffmpeg would stop encoding once a pipe nobody reads is full.
    const previewPipe = this.settings.preview ? proc.output(PREVIEW_FD - 3) : null;
    if (previewPipe) {
      const frames = new JpegFrames();
      previewPipe.on('data', (c: Buffer) => {
        for (const jpeg of frames.push(c)) if (this.run === run && !run.forced) this.emit('preview', jpeg);
      });
      previewPipe.on('error', () => {});
    }
    if (usesTee(this.settings)) {
      run.program = new ProgramPipe(proc.output(programFd(this.settings) - 3), (f) => {
        this.recording?.frame(f);
        this.fanout?.frame(f);
      });
      this.recording?.runStarted(run.program.heads);
    }
    let pending = '';
    proc.child.stderr!.on('data', (s: string | Buffer) => {
      pending += s.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const raw of lines) {
        const line = this.mask(raw.trim());
        if (!line) continue;
        run.stderr = `${run.stderr}${line}\n`.slice(-8192);
        this.emit('log', line);
        this.opts.logger?.debug({ line }, 'ffmpeg');
        // Through the tee muxer (a recording, extra destinations), ffmpeg carries on when the RTMP side fails
        // (onfail=ignore), at the start (refused key) or later (network): that is our cue to diagnose and reconnect or fail.
        if (usesTee(this.settings) && !run.forced && /Slave .*fail|Server error:|error opening|onfail/i.test(line)) {
          const d = diagnoseExit(run.stderr, { host: this.host, wasLive: run.wasLive });
          run.forced =
            d.kind === 'unknown' || d.kind === 'source'
              ? { kind: 'rtmp_dropped', retry: true, code: 'unreachable', reason: `The connection to ${this.host} dropped.` }
              : d;
          this.interrupt(run);
        }
      }
    });
    if (built.plan.feed && proc.stdin) {
      const feeder = new AndroidFeeder(built.plan.feed, proc.stdin, { adb: this.opts.adbPath });
      run.feeder = feeder;
      feeder.on('error', (reason: string) => {
        run.feederError = reason;
        run.forced ??= { kind: 'source', retry: false, code: 'source_failed', reason };
        this.interrupt(run);
      });
      feeder.start();
    }
    void proc.done.then((exit) => this.onExit(run, exit));
  }

  private onProgress(run: Run, s: ProgressSample): void {
    const now = Date.now();
    const prev = run.lastSample;
    const totalSize = s.totalSize || (run.program?.bytes ?? 0);
    const advancing = totalSize > (prev?.totalSize ?? 0) || s.outTimeUs > (prev?.outTimeUs ?? 0);
    if (advancing) run.lastProgressAt = now;
    run.lastSample = { totalSize, outTimeUs: s.outTimeUs, at: now, frame: s.frame, dropFrames: s.dropFrames };
    // Frames encoded and muxed with time advancing: the server took the publish (ffmpeg opens the RTMP output, and
    // the server answers the publish, before the first frame is written). The tee muxer reports no size.
    if (!run.wasLive && s.frame > 0 && s.outTimeUs > 0 && (s.totalSize > 0 || usesTee(this.settings)) && !run.forced) {
      run.wasLive = true;
      this.attempt = 0;
      if (this.firstLiveAt === undefined) {
        this.firstLiveAt = now;
        // S seconds on the air, as ffmpeg's -t is S seconds of output: connecting (a slow server, a loaded machine)
        // does not eat into them.
        const seconds = this.settings.durationSeconds;
        if (seconds && seconds > 0) this.durationTimer = setTimeout(() => void this.stop(), seconds * 1000);
      }
      if (this.state.kind !== 'live') this.setState({ kind: 'live', since: now });
    }
    if (!run.wasLive || s.end) return;
    const before = this.sentBefore;
    const bytesSent = before.bytes + totalSize;
    const framesSent = before.frames + s.frame;
    this.rate.push(now, bytesSent, framesSent);
    const health: BroadcastHealth = {
      bitrateKbps: totalSize > 0 ? (this.rate.kbps() ?? Math.round(s.bitrateKbps || 0)) : Math.round(s.bitrateKbps || 0),
      fps: s.fps,
      droppedFrames: before.dropped + s.dropFrames,
      duplicatedFrames: s.dupFrames,
      speed: s.speed,
      cpuPercent: Math.round(run.cpu.percent * 10) / 10,
      uptimeSeconds: Math.round((now - (this.firstLiveAt ?? now)) / 1000),
      bytesSent,
      framesSent,
      // ffmpeg does not say how much waits in its socket.
      congestion: 0,
    };
    this.emit('health', health);
  }

  /** Once a second: the destinations' states, CPU sample, stall and connect watchdogs. */
  private async tick(): Promise<void> {
    // Destinations keep their own connections through the Onair side's reconnects: reported throughout.
    if (this.fanout) this.emit('destinations', this.fanout.statuses());
    const run = this.run;
    if (!run || run.forced) return;
    const now = Date.now();
    if (run.wasLive && now - run.lastProgressAt > STALL_MS) {
      run.forced = {
        kind: 'network',
        retry: true,
        code: 'unreachable',
        reason: `The connection to ${this.host} stalled (nothing sent for ${STALL_MS / 1000} s).`,
      };
      this.interrupt(run);
      return;
    }
    if (!run.wasLive && now - run.startedAt > CONNECT_TIMEOUT_MS) {
      run.forced = { kind: 'network', retry: true, code: 'unreachable', reason: `Cannot reach the server at ${this.host}: no answer (timed out).` };
      this.interrupt(run);
      return;
    }
    if (run.proc.child.pid) await run.cpu.tick(now);
  }

  private async onExit(run: Run, exit: FfmpegExit): Promise<void> {
    if (this.run !== run) return;
    this.run = undefined;
    // The run's file of the recording is finished first (every frame of its pipe is in: ffmpeg's 'close' comes after
    // its pipes'), and the whole recording when the broadcast ends, so a file is complete once the broadcast says so.
    if (this.stopping || run.forced === 'stop') await this.recording?.stop();
    else await this.recording?.runEnded();
    const last = run.lastSample;
    if (last)
      this.sentBefore = {
        bytes: this.sentBefore.bytes + last.totalSize,
        frames: this.sentBefore.frames + last.frame,
        dropped: this.sentBefore.dropped + last.dropFrames,
      };
    run.feeder?.stop();
    const tail = this.mask(exit.stderrTail);
    this.opts.logger?.info({ code: exit.code, signal: exit.signal, wasLive: run.wasLive, tail: tail.slice(-1000) }, 'broadcast ffmpeg exited');
    if (this.stopping || run.forced === 'stop') {
      this.setState({ kind: 'ended' });
      return;
    }
    const spawnError = exit.code === null && exit.signal === null ? tail : undefined;
    let d: Diagnosis = run.forced ?? diagnoseExit(tail, { host: this.host, wasLive: run.wasLive, spawnError });
    if (!run.forced && exit.code === 0 && !d.retry) d = { ...d, retry: true };
    if (!d.retry) {
      this.fail(d.code, d.reason);
      return;
    }
    this.attempt++;
    if (this.attempt > this.backoff.maxAttempts) {
      this.fail(d.code, `${d.reason} Gave up after ${this.backoff.maxAttempts} attempts.`);
      return;
    }
    const retryInMs = backoffDelay(this.attempt, this.backoff);
    this.setState({ kind: 'reconnecting', attempt: this.attempt, retryInMs, reason: d.reason });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopping) return;
      this.setState({ kind: 'connecting', attempt: this.attempt });
      this.spawn();
    }, retryInMs);
  }
}

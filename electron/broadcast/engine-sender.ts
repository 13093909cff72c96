// The sender of the Studio's own encoder (the "engine" broadcast mode): encoded chunks from the renderer
// (electron/media-chunk.ts) become FLV tags (server/media/flv-tags.ts) published with the server's RTMP client
// (server/rtmp/client.ts). Same state machine and backoff as the ffmpeg Broadcast: idle -> connecting -> live ⇄
// reconnecting -> ended | failed(code, reason), so the Studio shows and handles both alike. Plain Node.
//
// Each connection starts on a keyframe with both sequence headers, its timestamps from zero at that keyframe; a
// dropped connection is published again with backoff and the viewers' stream continues on the server.
import { EventEmitter } from 'node:events';
import { maskSecrets } from '../../server/ffmpeg/args.js';
import { aacConfigFrame, aacFrame, avcConfigFrame, avcFrame } from '../../server/media/flv-tags.js';
import { dataFrame } from '../../server/media/flv.js';
import type { MediaFrame } from '../../server/media/frame.js';
import { encodeAmf0 } from '../../server/rtmp/amf0.js';
import { RtmpPublisher, RtmpPublishError, type PublishTarget } from '../../server/rtmp/client.js';
import type { MediaChunk } from '../media-chunk.js';
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './broadcast.js';
import { serverHost } from './diagnose.js';
import { SlidingRate } from './sliding-rate.js';
import type { BroadcastHealth, BroadcastState, FailureCode } from './types.js';

export interface EngineSenderSettings {
  server: string;
  /** Secret: never logged or shown in full. */
  streamKey: string;
  video: { width: number; height: number; fps: number; bitrateKbps: number };
  audio: { bitrateKbps: number; sampleRate: number; channels: number };
}

/** The `onMetaData` a connection of the engine's starts with (its destinations' too). */
export function engineMetadata(settings: Pick<EngineSenderSettings, 'video' | 'audio'>, withAudio: boolean): Buffer {
  const { video, audio } = settings;
  return encodeAmf0('onMetaData', {
    width: video.width,
    height: video.height,
    framerate: video.fps,
    videodatarate: video.bitrateKbps,
    videocodecid: 7,
    ...(withAudio ? { audiocodecid: 10, audiodatarate: audio.bitrateKbps, audiosamplerate: audio.sampleRate, stereo: audio.channels === 2 } : {}),
    encoder: 'Onair Studio (WebCodecs)',
  });
}

/** A chunk as the FLV frame that carries it, at `dtsMs`; throws on a chunk the codec library refuses. */
export function chunkFrame(c: MediaChunk, dtsMs: number): MediaFrame {
  switch (c.kind) {
    case 'video-config':
      return avcConfigFrame(dtsMs, c.data);
    case 'audio-config':
      return aacConfigFrame(dtsMs, c.data);
    case 'video-key':
    case 'video-delta':
      return avcFrame(dtsMs, c.kind === 'video-key', c.data, Math.round(c.compositionUs / 1000));
    default:
      return aacFrame(dtsMs, c.data);
  }
}

export interface EngineSenderOptions {
  backoff?: Partial<Backoff>;
  logger?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
  /** How a connection is made (tests count or refuse them); RtmpPublisher.connect by default. */
  connect?: (target: PublishTarget) => Promise<Publisher>;
}

/** What the sender needs of a publishing connection (RtmpPublisher's shape). */
export interface Publisher {
  send(frame: MediaFrame, timestamp: number): boolean;
  readonly backlog: number;
  readonly bytesSent: number;
  close(): void;
  on(event: 'closed', l: (reason: string) => void): unknown;
}

/** Bytes waiting in the socket beyond which frames are dropped until the next keyframe (a slow uplink). */
export const BACKLOG_DROP_BYTES = 4 * 1024 * 1024;
/**
 * How long a connection waits for the audio config before starting on video alone: the audio encoder (the
 * WebAssembly one loads first) may start after the video, and a server fixes a stream's tracks at its start.
 */
export const AUDIO_WAIT_MS = 3000;
/**
 * How often the sender reports its figures while live: a few times a second, so the counters a control tool reads
 * (GetStreamStatus's outputBytes, polled about once a second) are never more than a fraction of a second old.
 */
export const HEALTH_PERIOD_MS = 250;
/** Frames held to send audio and video in timestamp order; past this many the oldest go out regardless. */
const INTERLEAVE_MAX = 120;

interface Pending {
  frame: MediaFrame;
  dts: number;
}

export class EngineSender extends EventEmitter {
  state: BroadcastState = { kind: 'idle' };
  /** Connections made (tests check a wrong key is not retried). */
  connectCount = 0;
  /** Frames dropped here: before a keyframe after (re)connecting, or behind a slow uplink. */
  droppedFrames = 0;
  /** Video frames handed to a connection, over the whole broadcast. */
  framesSent = 0;
  private pub?: Publisher;
  private attempt = 0;
  private stopping = false;
  private retryTimer?: NodeJS.Timeout;
  private healthTimer?: NodeJS.Timeout;
  private readonly backoff: Backoff;
  private readonly host: string;
  private avcC?: Uint8Array;
  private asc?: Uint8Array;
  /** Session time (µs) of this connection's first keyframe: its zero. Undefined until that keyframe. */
  private baseUs?: number;
  private queue: Pending[] = [];
  /** When video first came without an audio config (see AUDIO_WAIT_MS). */
  private videoWithoutAudioSince?: number;
  private lastDts = { video: -Infinity, audio: -Infinity };
  /** When the broadcast first went live (0: not yet); reconnects keep it. */
  private liveSince = 0;
  /** Bytes sent by this broadcast's earlier connections (each connection counts its own from zero). */
  private sentBefore = 0;
  private readonly rate = new SlidingRate();
  private endedResolve?: () => void;
  readonly finished: Promise<BroadcastState>;

  constructor(
    readonly settings: EngineSenderSettings,
    private readonly opts: EngineSenderOptions = {},
  ) {
    super();
    this.backoff = { ...DEFAULT_BACKOFF, ...(opts.backoff ?? {}) };
    this.host = serverHost(settings.server);
    this.finished = new Promise((resolve) => (this.endedResolve = () => resolve(this.state)));
  }

  start(): void {
    if (this.state.kind !== 'idle') return;
    this.attempt = 1;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.pub?.close();
    this.pub = undefined;
    this.setState({ kind: 'ended' });
  }

  /** One chunk from the engine. Configs are kept for every connection; frames go out while connected. */
  push(c: MediaChunk): void {
    if (this.state.kind === 'ended' || this.state.kind === 'failed') return;
    try {
      if (c.kind === 'video-config') {
        this.avcC = c.data.slice();
        if (this.baseUs !== undefined) this.enqueue(avcConfigFrame(this.dtsOf(c.timestampUs), this.avcC), 'video');
      } else if (c.kind === 'audio-config') {
        this.asc = c.data.slice();
        if (this.baseUs !== undefined) this.enqueue(aacConfigFrame(this.dtsOf(c.timestampUs), this.asc), 'audio');
      } else if (c.kind === 'video-key' || c.kind === 'video-delta') this.video(c);
      else this.audio(c);
    } catch (err) {
      // A chunk the codec library refuses is the engine's bug: say so once per chunk, keep the stream going.
      this.opts.logger?.warn({ kind: c.kind, err: (err as Error).message }, 'engine chunk refused');
      this.droppedFrames++;
    }
  }

  private video(c: MediaChunk): void {
    const key = c.kind === 'video-key';
    const pub = this.pub;
    if (!pub || this.state.kind !== 'live' || !this.avcC) return void this.droppedFrames++;
    if (this.baseUs === undefined || pub.backlog > BACKLOG_DROP_BYTES) {
      if (!key || pub.backlog > BACKLOG_DROP_BYTES || !this.audioSettled()) {
        this.droppedFrames++;
        if (pub.backlog > BACKLOG_DROP_BYTES) this.restartAtKeyframe();
        return;
      }
      this.beginAt(c.timestampUs);
    }
    this.enqueue(chunkFrame(c, this.dtsOf(c.timestampUs)), 'video');
  }

  private audio(c: MediaChunk): void {
    if (this.baseUs === undefined || !this.asc) return;
    const dts = this.dtsOf(c.timestampUs);
    if (dts < 0) return; // before this connection's first keyframe
    this.enqueue(chunkFrame(c, dts), 'audio');
  }

  /** The audio config is here, or it has been long enough to go on without it. */
  private audioSettled(): boolean {
    if (this.asc) return true;
    this.videoWithoutAudioSince ??= Date.now();
    return Date.now() - this.videoWithoutAudioSince >= AUDIO_WAIT_MS;
  }

  /** A connection's first keyframe: metadata and both sequence headers at zero, then the picture. */
  private beginAt(us: number): void {
    this.baseUs = us;
    this.queue = [];
    this.lastDts = { video: -Infinity, audio: -Infinity };
    this.pub?.send(dataFrame(0, engineMetadata(this.settings, !!this.asc)), 0);
    this.pub?.send(avcConfigFrame(0, this.avcC!), 0);
    if (this.asc) this.pub?.send(aacConfigFrame(0, this.asc), 0);
  }

  /** A slow uplink: drop what waits in the queue and start again at the next keyframe (decoders need one). */
  private restartAtKeyframe(): void {
    this.droppedFrames += this.queue.length;
    this.queue = [];
    this.baseUs = undefined;
  }

  private dtsOf(us: number): number {
    return Math.round((us - (this.baseUs ?? us)) / 1000);
  }

  /**
   * Audio and video leave in timestamp order: a frame goes once the other track has caught up to it (or that track
   * is absent), so a server cutting segments sees both tracks advance together.
   */
  private enqueue(frame: MediaFrame, track: 'video' | 'audio'): void {
    this.lastDts[track] = Math.max(this.lastDts[track], frame.dts);
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.dts > frame.dts) i--;
    this.queue.splice(i, 0, { frame, dts: frame.dts });
    const until = this.asc ? Math.min(this.lastDts.video, this.lastDts.audio) : this.lastDts.video;
    while (this.queue.length && (this.queue[0]!.dts <= until || this.queue.length > INTERLEAVE_MAX)) {
      const p = this.queue.shift()!;
      if (!this.pub) continue;
      this.pub.send(p.frame, p.dts);
      if (p.frame.track === 'video' && p.frame.kind !== 'config') this.framesSent++;
    }
  }

  private connect(): void {
    if (this.stopping) return;
    this.setState({ kind: 'connecting', attempt: this.attempt });
    this.connectCount++;
    const connect = this.opts.connect ?? ((t: PublishTarget) => RtmpPublisher.connect(t));
    connect({ url: this.settings.server, key: this.settings.streamKey }).then(
      (pub) => {
        if (this.stopping) return pub.close();
        this.pub = pub;
        this.baseUs = undefined;
        this.attempt = 0;
        pub.on('closed', (reason) => {
          if (this.pub !== pub) return;
          this.sentBefore += pub.bytesSent;
          this.pub = undefined;
          this.baseUs = undefined;
          this.retry('unreachable', `The connection to ${this.host} dropped: ${reason}.`);
        });
        this.liveSince ||= Date.now();
        this.rate.push(Date.now(), this.sentBefore + pub.bytesSent, this.framesSent);
        this.setState({ kind: 'live', since: this.liveSince });
        this.healthTimer ??= setInterval(() => this.reportHealth(), HEALTH_PERIOD_MS);
      },
      (err: unknown) => {
        const refused = err instanceof RtmpPublishError && err.refused;
        const reason = `${refused ? `The server at ${this.host} refused the stream` : `Cannot reach the server at ${this.host}`}: ${(err as Error).message}.`;
        // A refusal right away is the key (or the account); a refusal after being live may be our own dropped
        // connection still held by the server, which clears: retried like the ffmpeg pipeline does.
        if (refused && !this.liveSince) return this.fail(/key|denied|unauthori[sz]ed|forbidden/i.test(reason) ? 'wrong_key' : 'refused', reason);
        this.retry(refused ? 'refused' : 'unreachable', reason);
      },
    );
  }

  private retry(code: FailureCode, reason: string): void {
    if (this.stopping) return;
    this.attempt++;
    if (this.attempt > this.backoff.maxAttempts) return this.fail(code, `${reason} Gave up after ${this.backoff.maxAttempts} attempts.`);
    const retryInMs = backoffDelay(this.attempt, this.backoff);
    this.setState({ kind: 'reconnecting', attempt: this.attempt, retryInMs, reason });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, retryInMs);
  }

  private reportHealth(): void {
    const pub = this.pub;
    if (!pub || this.state.kind !== 'live') return;
    const now = Date.now();
    const bytesSent = this.sentBefore + pub.bytesSent;
    this.rate.push(now, bytesSent, this.framesSent);
    const h: BroadcastHealth = {
      bitrateKbps: this.rate.kbps() ?? 0,
      fps: this.rate.fps() ?? 0,
      droppedFrames: this.droppedFrames,
      duplicatedFrames: 0,
      speed: 1,
      cpuPercent: 0,
      uptimeSeconds: Math.round((now - this.liveSince) / 1000),
      bytesSent,
      framesSent: this.framesSent,
      congestion: Math.round(Math.min(1, pub.backlog / BACKLOG_DROP_BYTES) * 100) / 100,
    };
    this.emit('health', h);
  }

  private fail(code: FailureCode, reason: string): void {
    this.setState({ kind: 'failed', code, reason });
  }

  private setState(s: BroadcastState): void {
    if (this.state.kind === 'ended' || this.state.kind === 'failed') return;
    if (s.kind === 'failed' || s.kind === 'reconnecting') s = { ...s, reason: maskSecrets(s.reason, [this.settings.streamKey]) };
    this.state = s;
    this.opts.logger?.info({ state: s }, 'engine broadcast state');
    this.emit('state', s);
    if (s.kind === 'ended' || s.kind === 'failed') {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      if (this.healthTimer) clearInterval(this.healthTimer);
      this.pub?.close();
      this.pub = undefined;
      this.endedResolve?.();
    }
  }
}

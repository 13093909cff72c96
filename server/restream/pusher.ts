// One restream destination while its channel is live: an RTMP publishing connection (rtmp/client.ts) fed the live
// frames as they arrive, untouched. It never holds the ingest up: frames are written only while the connection's
// unsent bytes stay under a bound; past it they are dropped up to the next keyframe (counted and reported). A lost
// connection is retried with growing pauses; a refusal (a wrong key) stops it with the server's answer.
import type { MediaFrame } from '../media/frame.js';
import { RateMeter } from '../rtmp/relay.js';
import { RtmpPublisher, RtmpPublishError, type PublishTarget, type SharedChunks } from '../rtmp/client.js';
import type { DestinationState } from '../api/types.js';
import type { Logger } from '../log.js';
import { every, type StopJob } from '../periodic.js';
import { checkedLookup, NOT_ALLOWED } from '../webhooks/addresses.js';

export interface PusherStatus {
  state: DestinationState;
  /** Why it is retrying or failed: the server's answer or what went wrong, in plain words. */
  reason: string | null;
  /** Outgoing bitrate while live. */
  bitrateKbps: number;
  /** Frames dropped because the destination could not keep up (since the stream started). */
  droppedFrames: number;
  bytesSent: number;
  /** Connection attempts that failed in a row. */
  attempts: number;
  since: number;
}

export interface PusherLimits {
  /** Unsent bytes past which frames are dropped up to the next keyframe. */
  maxBacklogBytes: number;
  /** First pause before a reconnection; doubled each time up to maxRetryMs. */
  firstRetryMs: number;
  maxRetryMs: number;
  connectTimeoutMs: number;
  /** Destinations may resolve to this machine or a private network (ONAIR_RESTREAM_ALLOW_PRIVATE). */
  allowPrivateAddresses?: boolean;
}

export const PUSHER_LIMITS: PusherLimits = { maxBacklogBytes: 4 * 1024 * 1024, firstRetryMs: 1000, maxRetryMs: 30_000, connectTimeoutMs: 10_000 };

/**
 * A destination's media leaves in one write every this many milliseconds: several frames per write instead of one,
 * for a delay nobody watching Twitch or YouTube (seconds behind by design) can see. A destination's cost is mostly
 * its writes (bench/results/restream-2026-12-04.md: at 50 ms one destination cost up to 0.65 of a stream's ingest
 * and swung widely, at 200 ms at most 0.09).
 */
export const PUSH_COALESCE_MS = 200;

/** A jump in the source's timestamps larger than this (a publisher back within the grace period) is smoothed over. */
const MAX_TS_JUMP_MS = 5000;

export class DestinationPusher {
  private client: RtmpPublisher | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly stopMeter: StopJob;
  private stopped = false;
  private waitingForKeyframe = true;
  private metadata: MediaFrame | null = null;
  private configs = new Map<string, MediaFrame>();
  /** Output timeline: out = source dts + offset, kept increasing across the source's discontinuities. */
  private offset: number | null = null;
  private sourceDts: number | null = null;
  private readonly meter = new RateMeter();
  private bytesBefore = 0;
  private readonly status: PusherStatus = {
    state: 'idle',
    reason: null,
    bitrateKbps: 0,
    droppedFrames: 0,
    bytesSent: 0,
    attempts: 0,
    since: Date.now(),
  };

  constructor(
    private readonly target: PublishTarget,
    private readonly logger: Logger,
    /** Frames the stream already has (metadata, sequence headers) for a late start. */
    startup: MediaFrame[],
    private readonly limits: PusherLimits = PUSHER_LIMITS,
    /** The channel's: its destinations write the same chunked bytes of each frame (chunked once, not per destination). */
    private readonly sharedChunks?: SharedChunks,
  ) {
    for (const f of startup) this.remember(f);
    // The bitrate is measured whether or not anyone asks, so the first look already shows it.
    this.stopMeter = every(1000, () => this.snapshot());
    this.connect();
  }

  /** Called for each live frame; never blocks. */
  frame(f: MediaFrame): void {
    if (this.stopped) return;
    this.remember(f);
    if (f.track !== 'data') this.observe(f.dts);
    const c = this.client;
    if (!c || c.closed) return;
    const isKey = f.track === 'video' && f.kind === 'key';
    if (this.waitingForKeyframe) {
      if (!isKey || c.backlog > this.limits.maxBacklogBytes / 2) return this.drop(f);
      this.waitingForKeyframe = false;
      this.sendHeaders(c, f.dts);
    } else if (c.backlog > this.limits.maxBacklogBytes) {
      this.waitingForKeyframe = true;
      this.logger.warn({ backlogBytes: c.backlog }, 'restream destination too slow: dropping to the next keyframe');
      return this.drop(f);
    }
    c.send(f, this.timestamp(f.dts));
  }

  /** The status now, with the bitrate measured over the last seconds. */
  snapshot(now = Date.now()): PusherStatus {
    const sent = this.bytesBefore + (this.client?.bytesSent ?? 0);
    this.meter.sample(sent, now);
    this.status.bytesSent = sent;
    this.status.bitrateKbps = this.status.state === 'live' ? Math.round(this.meter.bitsPerSecond() / 1000) : 0;
    return { ...this.status };
  }

  stop(): void {
    this.stopped = true;
    this.stopMeter();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.client?.close();
    this.client = null;
    this.setState('idle', null);
  }

  private remember(f: MediaFrame): void {
    if (f.track === 'data' && f.kind === 'meta') this.metadata = f;
    else if (f.kind === 'config') this.configs.set(f.track, f);
  }

  private drop(f: MediaFrame): void {
    if (f.track !== 'data') this.status.droppedFrames++;
  }

  /** Metadata and sequence headers go first on each connection, stamped like the keyframe that follows. */
  private sendHeaders(c: RtmpPublisher, dts: number): void {
    const ts = this.timestamp(dts);
    if (this.metadata) c.send(this.metadata, ts);
    for (const f of this.configs.values()) c.send(f, ts);
  }

  /** Output time of a source dts: the first frame sent is 0, and the output keeps going across the source's jumps. */
  private timestamp(dts: number): number {
    if (this.offset === null) this.offset = -dts;
    return Math.max(0, dts + this.offset);
  }

  /**
   * Every frame's dts, sent or dropped: a jump of the source's clock (a publisher back within the grace period
   * starts at 0 again) moves the offset so the output continues just after where it was. Dropped stretches keep
   * their length, so the destination sees the gap as it happened.
   */
  private observe(dts: number): void {
    const last = this.sourceDts;
    this.sourceDts = dts;
    if (last === null || this.offset === null) return;
    if (dts < last - MAX_TS_JUMP_MS || dts > last + MAX_TS_JUMP_MS) this.offset = last + this.offset + 1 - dts;
  }

  private setState(state: DestinationState, reason: string | null): void {
    if (this.status.state !== state || this.status.reason !== reason) this.status.since = Date.now();
    this.status.state = state;
    this.status.reason = reason;
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState(this.status.attempts > 0 ? 'retrying' : 'connecting', this.status.reason);
    RtmpPublisher.connect(this.target, {
      timeoutMs: this.limits.connectTimeoutMs,
      coalesceMs: PUSH_COALESCE_MS,
      sharedChunks: this.sharedChunks,
      lookup: checkedLookup(this.limits.allowPrivateAddresses === true),
      refusedLookup: { code: NOT_ALLOWED, words: 'the address is on this machine or a private network, which destinations may not reach' },
    }).then(
      (c) => {
        if (this.stopped) return c.close();
        this.client = c;
        this.waitingForKeyframe = true;
        this.status.attempts = 0;
        this.setState('live', null);
        this.logger.info('restream destination live');
        c.on('closed', (reason) => {
          this.bytesBefore += c.bytesSent;
          this.client = null;
          if (this.stopped) return;
          this.logger.warn({ reason }, 'restream destination dropped; reconnecting');
          this.retry(reason);
        });
      },
      (err: unknown) => {
        if (this.stopped) return;
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof RtmpPublishError && err.refused) {
          this.setState('failed', message);
          this.logger.warn({ reason: message }, 'restream destination refused the stream');
          return;
        }
        this.logger.warn({ reason: message }, 'restream destination unreachable; retrying');
        this.retry(message);
      },
    );
  }

  private retry(reason: string): void {
    this.status.attempts++;
    this.setState('retrying', reason);
    const pause = Math.min(this.limits.maxRetryMs, this.limits.firstRetryMs * 2 ** Math.min(10, this.status.attempts - 1));
    this.retryTimer = setTimeout(() => this.connect(), pause);
    this.retryTimer.unref();
  }
}

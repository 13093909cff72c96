// How often a publisher sends video keyframes, measured on the keyframes the server receives, and the warning the
// streamer sees when they come far too rarely for the segment target. The segmenter can only close a segment at a
// keyframe, so a publisher's keyframe interval is the floor of every segment's length: with OBS's Simple output
// mode (x264's default of one keyframe per 250 frames, 8.3 s at 30 fps) a 1 s target becomes 8 s segments, which
// players joining the stream, DASH and classic HLS all wait on. Parts still flow, so LL-HLS viewers see no stall.
import type { KeyframeCadence, KeyframeWarning } from '../api/types.js';

/** Intervals kept: the last few GOPs, so a fixed encoder clears the warning soon and one odd GOP does not decide it. */
const RECENT_INTERVALS = 6;
/** One interval is not enough to judge: the first GOP of an encoder is often odd (a late first keyframe). */
const MIN_INTERVALS = 2;
/**
 * Intervals up to this many segment targets are fine: a segment closes at the first keyframe at or after the
 * target, so such a GOP makes segments of at most twice the target, which players handle. OBS's recommended 2 s
 * passes at the default 1 s target.
 */
const TARGET_MULTIPLE = 2;
/** Slack over TARGET_MULTIPLE × target: encoders stamp in whole milliseconds and 29.97 fps makes 60 frames 2002 ms. */
const SLACK = 1.1;

export const OBS_KEYFRAME_PATH = 'OBS: Settings → Output → Output Mode "Advanced" → Streaming tab → Keyframe Interval';

export class KeyframeMeter {
  private lastDts: number | null = null;
  private intervals: number[] = [];
  private seen = 0;

  constructor(private readonly segmentSeconds: number) {}

  /** Intervals above this many seconds bring the warning. */
  get thresholdSeconds(): number {
    return Math.round(TARGET_MULTIPLE * this.segmentSeconds * SLACK * 1000) / 1000;
  }

  /** A video keyframe arrived with this decode time (milliseconds, publisher clock). */
  keyframe(dts: number): void {
    if (this.lastDts !== null) {
      const ms = dts - this.lastDts;
      // A publisher clock that jumps back or far ahead says nothing about its GOP: start measuring again.
      if (ms <= 0 || ms > 120_000) {
        this.restart();
      } else {
        this.intervals.push(ms);
        if (this.intervals.length > RECENT_INTERVALS) this.intervals.shift();
        this.seen++;
      }
    }
    this.lastDts = dts;
  }

  /** A publisher returned (new encoder, new clock, perhaps new settings): forget what the last one did. */
  restart(): void {
    this.lastDts = null;
    this.intervals = [];
    this.seen = 0;
  }

  /** True while the warning holds. */
  get warns(): boolean {
    return this.summary().warning !== null;
  }

  summary(): KeyframeCadence {
    if (!this.intervals.length) return { maxIntervalSeconds: null, medianIntervalSeconds: null, intervals: 0, warning: null };
    const sorted = [...this.intervals].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    const max = sorted[sorted.length - 1] / 1000;
    return {
      maxIntervalSeconds: round2(max),
      medianIntervalSeconds: round2(median / 1000),
      intervals: this.seen,
      warning: this.seen >= MIN_INTERVALS && max > this.thresholdSeconds ? this.warning(max) : null,
    };
  }

  private warning(intervalSeconds: number): KeyframeWarning {
    const target = this.segmentSeconds;
    const also = this.thresholdSeconds >= 2 ? ' (2 s also works)' : '';
    return {
      intervalSeconds: round2(intervalSeconds),
      segmentTargetSeconds: target,
      thresholdSeconds: this.thresholdSeconds,
      message:
        `Your encoder sends a keyframe only every ${fmt(intervalSeconds)} s, but this server cuts ${fmt(target)} s segments. ` +
        `Segments can only start at a keyframe, so viewers who join wait longer and players without low-latency ` +
        `support fall further behind.`,
      fix:
        `${OBS_KEYFRAME_PATH}: 1 s${also}. OBS's Simple output mode has no such field and then sends a keyframe ` +
        `only every 250 frames (8.3 s at 30 fps). Other encoders: set the keyframe interval (GOP) to 1 s. ` +
        `The change applies when you start streaming again.`,
    };
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}

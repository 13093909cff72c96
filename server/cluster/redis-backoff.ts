// When Redis hangs (it accepts the connection and never answers), every command costs its caller the whole command
// timeout. So after a timeout, commands stop going to Redis for a pause (1 s, doubling up to 30 s while Redis stays
// silent, gone on the first answer) and callers answer from their own counts meanwhile. When a pause ends, one
// command at a time probes Redis: the other callers do not wait for it. A refusal that comes at once (the connection
// is down: ioredis fails the command without sending it) cost nobody a wait, so it starts no pause.

export const REDIS_BACKOFF = {
  firstPauseMs: 1000,
  maxPauseMs: 30_000,
} as const;

export type RedisOutcome = 'answered' | 'timed out' | 'failed';

export interface RedisBackoffOptions {
  firstPauseMs?: number;
  maxPauseMs?: number;
  /** Monotonic milliseconds (tests may move it). */
  clock?: () => number;
}

export class RedisBackoff {
  private readonly first: number;
  private readonly max: number;
  private readonly clock: () => number;
  /** The current pause; 0 while Redis answers. */
  private pauseMs = 0;
  private until = 0;
  private probing = false;

  constructor(opts: RedisBackoffOptions = {}) {
    this.first = opts.firstPauseMs ?? REDIS_BACKOFF.firstPauseMs;
    this.max = Math.max(this.first, opts.maxPauseMs ?? REDIS_BACKOFF.maxPauseMs);
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** True while commands are held back (a pause, or its probe, is under way). */
  get pausing(): boolean {
    return this.pauseMs > 0;
  }

  /**
   * May a command go to Redis now? If so, call the returned function with how it ended; if not (undefined), answer
   * without Redis.
   */
  ask(): ((outcome: RedisOutcome) => void) | undefined {
    if (this.pauseMs === 0) return (outcome) => this.ended(outcome, false);
    if (this.probing || this.clock() < this.until) return undefined;
    this.probing = true;
    return (outcome) => this.ended(outcome, true);
  }

  private ended(outcome: RedisOutcome, probe: boolean): void {
    if (probe) this.probing = false;
    if (outcome === 'answered') {
      this.pauseMs = 0;
      return;
    }
    // A timeout of a command sent before the pause began (many are in flight when Redis stops) is the same silence
    // the first one reported: only the first timeout and a failed probe lengthen the pause.
    if (outcome !== 'timed out' || (!probe && this.pauseMs > 0)) return;
    this.pauseMs = this.pauseMs === 0 ? this.first : Math.min(this.max, this.pauseMs * 2);
    this.until = this.clock() + this.pauseMs;
  }
}

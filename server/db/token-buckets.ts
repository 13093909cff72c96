// Token-bucket rate limits (chat's messages per person, chat's joins and moderation actions per connection): a key
// has `burst` tokens, refilled continuously at burst / windowMs; an act takes one. A sliding window (rate-limit.ts)
// would decide otherwise (after a burst of 5 in 5 s it waits 5 s, a bucket 1 s), so buckets have a store interface of
// their own beside RateWindows: LocalTokenBuckets below keeps them in this process; with REDIS_URL the composition
// root hands chat server/cluster/rate-windows.ts's, which keeps them in Redis across every process and mirrors this
// arithmetic step for step (so on one process both give the same answers).

/** One kind of bucket: its name keeps its keys apart from other limits' in a shared store. */
export interface TokenBucket {
  name: string;
  burst: number;
  windowMs: number;
}

export interface TokenBuckets {
  /** Takes a token at `now`: 0 if taken, else the milliseconds until one is available (nothing is taken then). */
  takeToken(b: TokenBucket, key: string, now: number): Promise<number>;
  /** Forgets buckets that are full again (memory only: Redis expires its own keys). */
  sweep(now: number): void;
}

interface Level {
  tokens: number;
  at: number;
  burst: number;
  perMs: number;
}

/** The buckets in this process's memory; sweep() bounds them to the keys active within their last window. */
export class LocalTokenBuckets implements TokenBuckets {
  private readonly levels = new Map<string, Level>();

  async takeToken(b: TokenBucket, key: string, now: number): Promise<number> {
    return this.takeNow(b, key, now);
  }

  takeNow(b: TokenBucket, key: string, now: number): number {
    const k = `${b.name}\u0000${key}`;
    const perMs = b.burst / b.windowMs;
    const l = this.levels.get(k) ?? { tokens: b.burst, at: now, burst: b.burst, perMs };
    // The same steps, in the same order, as BUCKET_SCRIPT in server/cluster/rate-windows.ts.
    l.tokens = Math.min(b.burst, l.tokens + (now - l.at) * perMs);
    l.at = now;
    this.levels.set(k, l);
    if (l.tokens >= 1) {
      l.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - l.tokens) / perMs);
  }

  /** The wait takeNow would answer, without taking or touching anything. */
  waitNow(b: TokenBucket, key: string, now: number): number {
    const l = this.levels.get(`${b.name}\u0000${key}`);
    if (!l) return 0;
    const perMs = b.burst / b.windowMs;
    const tokens = Math.min(b.burst, l.tokens + (now - l.at) * perMs);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / perMs);
  }

  sweep(now: number): void {
    for (const [k, l] of this.levels) if (l.tokens + (now - l.at) * l.perMs >= l.burst) this.levels.delete(k);
  }

  get size(): number {
    return this.levels.size;
  }
}

/** One bucket over a store, with its clock. */
export class BucketLimiter {
  readonly bucket: TokenBucket;

  constructor(
    private readonly store: TokenBuckets,
    bucket: TokenBucket,
    private readonly now: () => number = Date.now,
  ) {
    this.bucket = { ...bucket };
  }

  /** 0 if the act may go ahead (a token was taken), else the milliseconds until it may. */
  take(key: string): Promise<number> {
    return this.store.takeToken(this.bucket, key, this.now());
  }

  sweep(): void {
    this.store.sweep(this.now());
  }
}

// Sliding-window rate limits: a key may act `limit` times within `windowMs`; the next attempt waits until the
// oldest counted act leaves the window. The counts live in a RateWindows store: LocalRateWindows below keeps them in
// this process; with REDIS_URL the composition root hands out server/cluster/rate-windows.ts's, which counts in Redis
// across every process (falling back to this one while Redis is away), so a limit holds however requests spread.
//
// Login throttling uses two windows:
//   - per IP + username: `maxFailures` failed logins within `windowMs` lock that pair (guessing one account);
//   - per IP: `maxFailuresPerIp` failures within `windowMs` lock the IP for every username (spraying).

export interface LoginRateLimiterOptions {
  maxFailures?: number;
  maxFailuresPerIp?: number;
  windowMs?: number;
  /** Where the counts live; a store of its own in this process by default. */
  store?: RateWindows;
  now?: () => number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export const LOGIN_RATE_LIMITS = {
  maxFailures: 5,
  maxFailuresPerIp: 50,
  windowMs: 5 * 60_000,
  /** Bound on the keys LocalRateWindows remembers; the least recently touched are forgotten first. */
  maxKeys: 10_000,
} as const;

/** One kind of limit: its name keeps its keys apart from other limits' in a shared store. */
export interface RateWindow {
  name: string;
  limit: number;
  windowMs: number;
}

/**
 * Counts per key. Every answer is the milliseconds until the key may act again (0: it may now), from the acts within
 * the window that ends at `now`.
 */
export interface RateWindows {
  wait(w: RateWindow, key: string, now: number): Promise<number>;
  /** Counts an act at `now`; answers for the next one. */
  add(w: RateWindow, key: string, now: number): Promise<number>;
  /** Counts an act at `now` only when the key may act (check and count in one step); answers as wait() did before. */
  take(w: RateWindow, key: string, now: number): Promise<number>;
  /** Forgets the key's acts. */
  clear(w: RateWindow, key: string): Promise<void>;
}

/** The counts in this process's memory, bounded to `maxKeys` keys. Synchronous underneath. */
export class LocalRateWindows implements RateWindows {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly maxKeys: number = LOGIN_RATE_LIMITS.maxKeys) {}

  async wait(w: RateWindow, key: string, now: number): Promise<number> {
    return this.waitNow(w, key, now);
  }

  async add(w: RateWindow, key: string, now: number): Promise<number> {
    return this.addNow(w, key, now);
  }

  async take(w: RateWindow, key: string, now: number): Promise<number> {
    const wait = this.waitNow(w, key, now);
    if (wait === 0) this.addNow(w, key, now);
    return wait;
  }

  async clear(w: RateWindow, key: string): Promise<void> {
    this.hits.delete(mapKey(w, key));
  }

  waitNow(w: RateWindow, key: string, now: number): number {
    const list = this.live(w, mapKey(w, key), now);
    if (list.length < w.limit) return 0;
    return Math.max(1, list[list.length - w.limit] + w.windowMs - now);
  }

  addNow(w: RateWindow, key: string, now: number): number {
    const k = mapKey(w, key);
    const list = this.live(w, k, now);
    list.push(now);
    if (list.length > w.limit) list.splice(0, list.length - w.limit);
    this.hits.delete(k); // re-insert: Map order becomes least-recently-touched first
    this.hits.set(k, list);
    while (this.hits.size > this.maxKeys) {
      const oldest = this.hits.keys().next().value;
      if (oldest === undefined) break;
      this.hits.delete(oldest);
    }
    return this.waitNow(w, key, now);
  }

  /** Number of remembered keys (for tests). */
  get size(): number {
    return this.hits.size;
  }

  /** Acts still inside the window, oldest first (prunes as a side effect). */
  private live(w: RateWindow, k: string, now: number): number[] {
    const list = this.hits.get(k);
    if (!list) return [];
    const from = now - w.windowMs;
    let i = 0;
    while (i < list.length && list[i] <= from) i++;
    if (i > 0) list.splice(0, i);
    if (list.length === 0) this.hits.delete(k);
    return list;
  }
}

const mapKey = (w: RateWindow, key: string) => `${w.name}\u0000${key}`;

const decision = (waitMs: number): RateLimitDecision =>
  waitMs > 0 ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) } : { allowed: true };

/** One window over a store, answering in Retry-After seconds. */
export class WindowLimiter {
  readonly window: RateWindow;

  constructor(
    private readonly store: RateWindows,
    window: RateWindow,
    private readonly now: () => number = Date.now,
  ) {
    this.window = { ...window };
  }

  async check(key: string): Promise<RateLimitDecision> {
    return decision(await this.store.wait(this.window, key, this.now()));
  }

  /** Counts an act (a failure, a send); returns the decision for the next one. */
  async record(key: string): Promise<RateLimitDecision> {
    return decision(await this.store.add(this.window, key, this.now()));
  }

  /** Check and count in one step: an act refused is not counted. */
  async take(key: string): Promise<RateLimitDecision> {
    return decision(await this.store.take(this.window, key, this.now()));
  }

  async clear(key: string): Promise<void> {
    await this.store.clear(this.window, key);
  }
}

export class LoginRateLimiter {
  private readonly pair: WindowLimiter;
  private readonly ip: WindowLimiter;

  constructor(opts: LoginRateLimiterOptions = {}) {
    const windowMs = opts.windowMs ?? LOGIN_RATE_LIMITS.windowMs;
    const store = opts.store ?? new LocalRateWindows();
    const now = opts.now ?? Date.now;
    this.pair = new WindowLimiter(store, { name: 'login-pair', limit: opts.maxFailures ?? LOGIN_RATE_LIMITS.maxFailures, windowMs }, now);
    this.ip = new WindowLimiter(store, { name: 'login-ip', limit: opts.maxFailuresPerIp ?? LOGIN_RATE_LIMITS.maxFailuresPerIp, windowMs }, now);
  }

  /** Call before verifying a password; if not allowed, answer 429 with Retry-After and do not verify. */
  async check(ip: string, username: string): Promise<RateLimitDecision> {
    return longer(await Promise.all([this.pair.check(pairKey(ip, username)), this.ip.check(ip)]));
  }

  /** Call after a failed login. Returns the decision for the next attempt. */
  async recordFailure(ip: string, username: string): Promise<RateLimitDecision> {
    return longer(await Promise.all([this.pair.record(pairKey(ip, username)), this.ip.record(ip)]));
  }

  /** Call after a successful login: forgets that pair's failures (the per-IP count stays). */
  async recordSuccess(ip: string, username: string): Promise<void> {
    await this.pair.clear(pairKey(ip, username));
  }
}

/** The stricter of two decisions. */
function longer([a, b]: RateLimitDecision[]): RateLimitDecision {
  if (a.allowed) return b;
  if (b.allowed) return a;
  return a.retryAfterSeconds >= b.retryAfterSeconds ? a : b;
}

function pairKey(ip: string, username: string): string {
  return `${ip}\u0000${String(username).toLowerCase()}`;
}

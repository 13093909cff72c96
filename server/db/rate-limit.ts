// In-memory login throttling. Two sliding windows:
//   - per IP + username: `maxFailures` failed logins within `windowMs` lock that pair (guessing one account);
//   - per IP: `maxFailuresPerIp` failures within `windowMs` lock the IP for every username (spraying).
// A lock lifts as the oldest counted failure leaves the window. Process-local: with several server processes
// each has its own counts (acceptable for a self-hosted server; a shared store would be needed otherwise).

export interface LoginRateLimiterOptions {
  maxFailures?: number;
  maxFailuresPerIp?: number;
  windowMs?: number;
  /** Bound on remembered keys per table; the least recently touched are forgotten first. */
  maxKeys?: number;
  now?: () => number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export const LOGIN_RATE_LIMITS = {
  maxFailures: 5,
  maxFailuresPerIp: 50,
  windowMs: 5 * 60_000,
  maxKeys: 10_000,
} as const;

class SlidingWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /** Failures still inside the window, oldest first (prunes as a side effect). */
  private live(key: string, now: number): number[] {
    const list = this.hits.get(key);
    if (!list) return [];
    const from = now - this.windowMs;
    let i = 0;
    while (i < list.length && list[i] <= from) i++;
    if (i > 0) list.splice(0, i);
    if (list.length === 0) this.hits.delete(key);
    return list;
  }

  /** Seconds until the key may try again, or 0. */
  retryAfter(key: string, now: number): number {
    const list = this.live(key, now);
    if (list.length < this.limit) return 0;
    const unlockAt = list[list.length - this.limit] + this.windowMs;
    return Math.max(1, Math.ceil((unlockAt - now) / 1000));
  }

  add(key: string, now: number): void {
    const list = this.live(key, now);
    list.push(now);
    if (list.length > this.limit) list.splice(0, list.length - this.limit);
    this.hits.delete(key); // re-insert: Map order becomes least-recently-touched first
    this.hits.set(key, list);
    while (this.hits.size > this.maxKeys) {
      const oldest = this.hits.keys().next().value;
      if (oldest === undefined) break;
      this.hits.delete(oldest);
    }
  }

  clear(key: string): void {
    this.hits.delete(key);
  }

  get size(): number {
    return this.hits.size;
  }

  reset(): void {
    this.hits.clear();
  }
}

export class LoginRateLimiter {
  private readonly pair: SlidingWindow;
  private readonly ip: SlidingWindow;
  private readonly now: () => number;

  constructor(opts: LoginRateLimiterOptions = {}) {
    const windowMs = opts.windowMs ?? LOGIN_RATE_LIMITS.windowMs;
    const maxKeys = opts.maxKeys ?? LOGIN_RATE_LIMITS.maxKeys;
    this.pair = new SlidingWindow(opts.maxFailures ?? LOGIN_RATE_LIMITS.maxFailures, windowMs, maxKeys);
    this.ip = new SlidingWindow(opts.maxFailuresPerIp ?? LOGIN_RATE_LIMITS.maxFailuresPerIp, windowMs, maxKeys);
    this.now = opts.now ?? Date.now;
  }

  /** Call before verifying a password; if not allowed, answer 429 with Retry-After and do not verify. */
  check(ip: string, username: string): RateLimitDecision {
    const now = this.now();
    const wait = Math.max(this.pair.retryAfter(pairKey(ip, username), now), this.ip.retryAfter(ip, now));
    return wait > 0 ? { allowed: false, retryAfterSeconds: wait } : { allowed: true };
  }

  /** Call after a failed login. Returns the decision for the next attempt. */
  recordFailure(ip: string, username: string): RateLimitDecision {
    const now = this.now();
    this.pair.add(pairKey(ip, username), now);
    this.ip.add(ip, now);
    return this.check(ip, username);
  }

  /** Call after a successful login: forgets that pair's failures (the per-IP count stays). */
  recordSuccess(ip: string, username: string): void {
    this.pair.clear(pairKey(ip, username));
  }

  /** Number of remembered keys (for tests and /metrics). */
  get trackedKeys(): number {
    return this.pair.size + this.ip.size;
  }

  reset(): void {
    this.pair.reset();
    this.ip.reset();
  }
}

function pairKey(ip: string, username: string): string {
  return `${ip}\u0000${String(username).toLowerCase()}`;
}

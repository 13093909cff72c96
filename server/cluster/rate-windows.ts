// Rate limits counted across processes (REDIS_URL): each key's acts are a Redis sorted set scored by time, read and
// written by one script so that two processes counting at once cannot both slip under the limit. The decisions and
// Retry-After are those of LocalRateWindows (server/db/rate-limit.ts), from the same `now` the caller passes.
//
// Redis trouble never blocks a request: a command unanswered within RATE_WINDOW_LIMITS.commandTimeoutMs, or refused
// because the connection is down, is answered from this process's own counts, which are kept alongside all the time
// (so a process that loses Redis still remembers what it saw). One line is logged when Redis goes away, one when it
// answers again.
//
// Keys are `<ONAIR_CLUSTER>:rate:<limit name>:<HMAC of the key>`: no address or typed name (perhaps a password typed
// into the username field) reaches Redis, and keys have a fixed length. The HMAC key is derived from the server
// secret, which every node of a cluster reads from the shared database (or ONAIR_SECRET).
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { leaveRedis } from './leave-redis.js';
import { LocalRateWindows, type RateWindow, type RateWindows } from '../db/rate-limit.js';
import type { Logger } from '../log.js';

export const RATE_WINDOW_LIMITS = {
  /** A request waits at most this long for Redis before its limit is decided in this process. */
  commandTimeoutMs: 200,
} as const;

// KEYS[1]: the key. ARGV: now (ms), window (ms), limit, mode ('wait' | 'add' | 'take'), a unique member.
// Returns the milliseconds until the key may act again (0: now); 'add' answers for the act after the one counted.
const WINDOW_SCRIPT = `
local now, win, limit, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)
local function wait()
  local n = redis.call('ZCARD', KEYS[1])
  if n < limit then return 0 end
  local at = tonumber(redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')[2])
  return math.max(1, at + win - now)
end
if mode == 'wait' then return wait() end
if mode == 'take' then
  local w = wait()
  if w > 0 then return w end
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
local n = redis.call('ZCARD', KEYS[1])
if n > limit then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - limit - 1) end
redis.call('PEXPIRE', KEYS[1], win)
if mode == 'take' then return 0 end
return wait()`;

export interface RedisRateWindowsOptions {
  redisUrl: string;
  /** Key prefix: one per deployment sharing a Redis server (ONAIR_CLUSTER). */
  cluster: string;
  /** The server secret (see the header: keys are HMACs). */
  secret: string;
  logger: Logger;
  commandTimeoutMs?: number;
}

export class RedisRateWindows implements RateWindows {
  /** This process's own counts: the answer while Redis is away. */
  readonly local = new LocalRateWindows();
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly keyKey: Buffer;
  /** Makes each counted act a distinct member, even two in the same millisecond from two processes. */
  private readonly memberTag = randomBytes(6).toString('base64url');
  private counter = 0;
  private down = false;

  constructor(private readonly opts: RedisRateWindowsOptions) {
    this.prefix = `${opts.cluster}:rate:`;
    this.keyKey = Buffer.from(hkdfSync('sha256', opts.secret, 'onair', 'rate limit keys v1', 32));
    this.redis = new Redis(opts.redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
      commandTimeout: opts.commandTimeoutMs ?? RATE_WINDOW_LIMITS.commandTimeoutMs,
    });
    this.redis.on('error', (err) => this.failed(err));
  }

  /** Whether the last Redis command failed: limits are then counted in this process alone. */
  get degraded(): boolean {
    return this.down;
  }

  async start(): Promise<void> {
    await this.redis.connect().catch((err: Error) => this.failed(err));
  }

  async close(): Promise<void> {
    await leaveRedis(this.redis);
  }

  async wait(w: RateWindow, key: string, now: number): Promise<number> {
    return (await this.shared(w, key, now, 'wait')) ?? this.local.waitNow(w, key, now);
  }

  async add(w: RateWindow, key: string, now: number): Promise<number> {
    const local = this.local.addNow(w, key, now);
    return (await this.shared(w, key, now, 'add')) ?? local;
  }

  async take(w: RateWindow, key: string, now: number): Promise<number> {
    const shared = await this.shared(w, key, now, 'take');
    if (shared === undefined) return this.local.take(w, key, now);
    if (shared === 0) this.local.addNow(w, key, now);
    return shared;
  }

  async clear(w: RateWindow, key: string): Promise<void> {
    await this.local.clear(w, key);
    try {
      await this.redis.del(this.redisKey(w, key));
      this.up();
    } catch (err) {
      this.failed(err);
    }
  }

  /** The script's answer, or undefined when Redis did not give one in time. */
  private async shared(w: RateWindow, key: string, now: number, mode: 'wait' | 'add' | 'take'): Promise<number | undefined> {
    const member = `${now}.${this.memberTag}.${(this.counter = (this.counter + 1) % 1e9)}`;
    try {
      const ms = await this.redis.eval(WINDOW_SCRIPT, 1, this.redisKey(w, key), now, w.windowMs, w.limit, mode, member);
      this.up();
      return Number(ms) || 0;
    } catch (err) {
      this.failed(err);
      return undefined;
    }
  }

  private redisKey(w: RateWindow, key: string): string {
    return `${this.prefix}${w.name}:${createHmac('sha256', this.keyKey).update(key).digest('base64url').slice(0, 22)}`;
  }

  private up(): void {
    if (!this.down) return;
    this.down = false;
    this.opts.logger.info('rate limits: Redis answers again; counting across processes');
  }

  private failed(err: unknown): void {
    if (this.down) return;
    this.down = true;
    // One line per outage: every request would otherwise log it.
    this.opts.logger.warn({ err: (err as Error)?.message }, 'rate limits: Redis unreachable; each process counts on its own until it is back');
  }
}

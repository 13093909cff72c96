// Rate limits counted across processes (REDIS_URL): each key's acts are a Redis sorted set scored by time, read and
// written by one script so that two processes counting at once cannot both slip under the limit. The decisions and
// Retry-After are those of LocalRateWindows (server/db/rate-limit.ts), from the same `now` the caller passes.
//
// Chat's token buckets (server/db/token-buckets.ts) live here too, a hash per key read and written by a script that
// repeats LocalTokenBuckets' arithmetic, so one process decides with Redis exactly as it does without.
//
// Redis trouble never blocks a request: a command unanswered within RATE_WINDOW_LIMITS.commandTimeoutMs, or refused
// because the connection is down, is answered from this process's own counts, which are kept alongside all the time
// (so a process that loses Redis still remembers what it saw). After a timeout Redis is left alone for a pause
// (redis-backoff.ts: 1 s doubling to 30 s, one probe at a time), so a hung Redis costs one timeout per pause, not one
// per request. One line is logged when Redis goes away, one when it answers again.
//
// Keys are `<ONAIR_CLUSTER>:rate:<limit name>:<HMAC of the key>`: no address or typed name (perhaps a password typed
// into the username field) reaches Redis, and keys have a fixed length. The HMAC key is derived from the server
// secret, which every node of a cluster reads from the shared database (or ONAIR_SECRET).
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { leaveRedis } from './leave-redis.js';
import { RedisBackoff, type RedisBackoffOptions } from './redis-backoff.js';
import { LocalRateWindows, type RateWindow, type RateWindows } from '../db/rate-limit.js';
import { LocalTokenBuckets, type TokenBucket, type TokenBuckets } from '../db/token-buckets.js';
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

// KEYS[1]: the key. ARGV: now (ms), window (ms), burst. Takes a token if there is one; returns 0 then, else the
// milliseconds until there is one. LocalTokenBuckets.takeNow's steps, in its order and in doubles as JavaScript's, so
// the two agree to the last bit; '%.17g' keeps a double exactly where tostring would round it to 14 digits. The one
// difference: each node passes its own clock, so time never runs backwards here (nodes' clocks differ a little).
const BUCKET_SCRIPT = `
local now, win, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local per = burst / win
local s = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens, at = tonumber(s[1]) or burst, tonumber(s[2]) or now
if now < at then now = at end
tokens = math.min(burst, tokens + (now - at) * per)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / per) end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'at', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], win)
return wait`;

export interface RedisRateWindowsOptions {
  redisUrl: string;
  /** Key prefix: one per deployment sharing a Redis server (ONAIR_CLUSTER). */
  cluster: string;
  /** The server secret (see the header: keys are HMACs). */
  secret: string;
  logger: Logger;
  commandTimeoutMs?: number;
  /** The pause after a timeout (tests shorten it). */
  backoff?: RedisBackoffOptions;
}

export class RedisRateWindows implements RateWindows, TokenBuckets {
  /** This process's own counts: the answer while Redis is away. */
  readonly local = new LocalRateWindows();
  readonly localBuckets = new LocalTokenBuckets();
  private readonly backoff: RedisBackoff;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly keyKey: Buffer;
  /** Makes each counted act a distinct member, even two in the same millisecond from two processes. */
  private readonly memberTag = randomBytes(6).toString('base64url');
  private counter = 0;
  private down = false;

  constructor(private readonly opts: RedisRateWindowsOptions) {
    this.backoff = new RedisBackoff(opts.backoff);
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

  /** Whether the last Redis command failed (Redis may be left alone for a pause): limits are counted in this process alone. */
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
    await this.ask(() => this.redis.del(this.redisKey(w.name, key)));
  }

  async takeToken(b: TokenBucket, key: string, now: number): Promise<number> {
    // Every take counted here was counted in Redis too (nothing clears a bucket), or was made while Redis was away (the
    // person did send those): an empty bucket here is empty there as well. So it is refused at once, and a person
    // flooding one node costs Redis nothing. Allowed sends wait for Redis (within the command bound): see
    // server/chat/cluster.ts for why chat does not answer from here first and reconcile later.
    const wait = this.localBuckets.waitNow(b, key, now);
    if (wait > 0) return wait;
    const shared = await this.ask(() => this.redis.eval(BUCKET_SCRIPT, 1, this.redisKey(b.name, key), now, b.windowMs, b.burst));
    if (shared === undefined) return this.localBuckets.takeNow(b, key, now);
    const ms = Number(shared) || 0;
    if (ms === 0) this.localBuckets.takeNow(b, key, now);
    return ms;
  }

  sweep(now: number): void {
    this.localBuckets.sweep(now);
  }

  /** The window script's answer, or undefined when Redis did not give one in time. */
  private async shared(w: RateWindow, key: string, now: number, mode: 'wait' | 'add' | 'take'): Promise<number | undefined> {
    const member = `${now}.${this.memberTag}.${(this.counter = (this.counter + 1) % 1e9)}`;
    const ms = await this.ask(() => this.redis.eval(WINDOW_SCRIPT, 1, this.redisKey(w.name, key), now, w.windowMs, w.limit, mode, member));
    return ms === undefined ? undefined : Number(ms) || 0;
  }

  /** Redis's answer to the command, or undefined when it failed, timed out or Redis is being left alone for now. */
  private async ask<T>(command: () => Promise<T>): Promise<T | undefined> {
    const ended = this.backoff.ask();
    if (!ended) return undefined;
    try {
      const answer = await command();
      ended('answered');
      this.up();
      return answer;
    } catch (err) {
      // ioredis's commandTimeout rejects with exactly this message.
      ended((err as Error)?.message === 'Command timed out' ? 'timed out' : 'failed');
      this.failed(err);
      return undefined;
    }
  }

  private redisKey(name: string, key: string): string {
    return `${this.prefix}${name}:${createHmac('sha256', this.keyKey).update(key).digest('base64url').slice(0, 22)}`;
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

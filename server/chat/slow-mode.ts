// Slow mode's memory: when each person may send again in each channel. In one process a map; with Redis one key per
// person and channel that expires with the window, so a person whose connections reach different processes still
// gets one message per window. One Redis round trip per message, only in channels with slow mode on.
import type { Redis } from 'ioredis';

export interface SlowModeStore {
  /** Takes the person's slot for `windowMs`: 0 if taken now, else the milliseconds until it frees. */
  take(key: string, windowMs: number): Promise<number>;
  /** Forgets slots that freed (the local store; Redis expires its own keys). */
  sweep(): void;
}

export function localSlowMode(now: () => number): SlowModeStore {
  const until = new Map<string, number>();
  return {
    async take(key, windowMs) {
      const t = now();
      const free = until.get(key) ?? 0;
      if (free > t) return free - t;
      until.set(key, t + windowMs);
      return 0;
    },
    sweep() {
      const t = now();
      for (const [k, free] of until) if (free <= t) until.delete(k);
    },
  };
}

// Atomic: the time left when the key exists, else set it for the window.
const TAKE_SCRIPT = `
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return left end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 0`;

export function redisSlowMode(redis: Redis, prefix: string): SlowModeStore {
  return {
    async take(key, windowMs) {
      const left = await redis.eval(TAKE_SCRIPT, 1, `${prefix}#slow#${key}`, String(windowMs));
      return Number(left) || 0;
    },
    sweep() {},
  };
}

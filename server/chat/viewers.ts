// Live viewer counts across processes. Each process reports its own count per channel (chat connections in the
// room here + its HLS viewers) and reads the sum. Without Redis the sum is the local count. With Redis each
// channel is a hash {processId: "count:reportedAtMs"}; fields not refreshed for STALE_MS (a crashed process)
// are ignored and removed. Cost: one pipelined round trip per tick for the channels this process serves.
import type { Redis } from 'ioredis';

/** A process that stopped reporting for this long no longer counts. */
const STALE_MS = 10_000;
/** The whole hash expires if no process refreshes it. */
const KEY_TTL_MS = 60_000;

export interface ViewerStore {
  /** Publishes this process's counts and returns the counts of the OTHER processes, per channel. */
  report(local: ReadonlyMap<string, number>): Promise<Map<string, number>>;
  /** Removes this process's entries (on close). */
  clear(channels: Iterable<string>): Promise<void>;
}

export const localViewerStore: ViewerStore = {
  async report(local) {
    return new Map([...local.keys()].map((c) => [c, 0]));
  },
  async clear() {},
};

export function redisViewerStore(redis: Redis, prefix: string, processId: string, now: () => number = Date.now): ViewerStore {
  const key = (channel: string) => `${prefix}:viewers:${channel}`;
  return {
    async report(local) {
      const entries = [...local];
      if (entries.length === 0) return new Map();
      const t = now();
      const p = redis.pipeline();
      for (const [channel, count] of entries) {
        if (count > 0) p.hset(key(channel), processId, `${count}:${t}`).pexpire(key(channel), KEY_TTL_MS);
        else p.hdel(key(channel), processId);
        p.hgetall(key(channel));
      }
      const results = (await p.exec()) ?? [];
      const others = new Map<string, number>();
      let i = 0;
      const stale: Array<[string, string]> = [];
      for (const [channel, count] of entries) {
        i += count > 0 ? 2 : 1;
        const [err, hash] = results[i++] ?? [null, {}];
        if (err) throw err;
        let sum = 0;
        for (const [field, value] of Object.entries((hash ?? {}) as Record<string, string>)) {
          if (field === processId) continue;
          const [n, at] = String(value).split(':').map(Number);
          if (!Number.isFinite(n) || !Number.isFinite(at) || t - at > STALE_MS) stale.push([key(channel), field]);
          else sum += n;
        }
        others.set(channel, sum);
      }
      if (stale.length) {
        const d = redis.pipeline();
        for (const [k, f] of stale) d.hdel(k, f);
        await d.exec();
      }
      return others;
    },
    async clear(channels) {
      const p = redis.pipeline();
      for (const c of channels) p.hdel(key(c), processId);
      await p.exec();
    },
  };
}

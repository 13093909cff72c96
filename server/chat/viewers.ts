// Live audiences across processes (who counts: services/audience.ts). Each process reports its own audience per
// channel (chat connections in the room here + its players, as keys, never addresses) and reads the others'; the
// count is their union, so a person whose chat and player reach different processes counts once. Without Redis
// there are no others. With Redis each channel is a hash {processId: JSON {at, chat, players}}; fields not
// refreshed for STALE_MS (a crashed process) are ignored and removed. Cost: one pipelined round trip per tick for
// the channels this process serves, carrying every process's keys for them (about 60 bytes a viewer).
import type { Redis } from 'ioredis';
import type { LocalAudience } from '../services/audience.js';

/** A process that stopped reporting for this long no longer counts. */
const STALE_MS = 10_000;
/** The whole hash expires if no process refreshes it. */
const KEY_TTL_MS = 60_000;

export interface ViewerStore {
  /** Publishes this process's audiences and returns the OTHER processes' audiences, per channel. */
  report(local: ReadonlyMap<string, LocalAudience>): Promise<Map<string, LocalAudience[]>>;
  /** Removes this process's entries (on close). */
  clear(channels: Iterable<string>): Promise<void>;
}

export const localViewerStore: ViewerStore = {
  async report() {
    return new Map();
  },
  async clear() {},
};

function parseEntry(value: string): { at: number; audience: LocalAudience } | null {
  try {
    const v = JSON.parse(value) as { at?: unknown; chat?: unknown; players?: unknown };
    if (typeof v.at !== 'number' || !Array.isArray(v.chat) || !Array.isArray(v.players)) return null;
    const chat = v.chat.filter((e): e is [string, string] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string');
    const players = v.players.filter((p): p is string => typeof p === 'string');
    return { at: v.at, audience: { chat, players } };
  } catch {
    return null;
  }
}

export function redisViewerStore(redis: Redis, prefix: string, processId: string, now: () => number = Date.now): ViewerStore {
  const key = (channel: string) => `${prefix}:viewers:${channel}`;
  return {
    async report(local) {
      const entries = [...local];
      if (entries.length === 0) return new Map();
      const t = now();
      const p = redis.pipeline();
      const empty = (a: LocalAudience) => a.chat.length + a.players.length === 0;
      for (const [channel, audience] of entries) {
        if (!empty(audience))
          p.hset(key(channel), processId, JSON.stringify({ at: t, chat: audience.chat, players: audience.players })).pexpire(
            key(channel),
            KEY_TTL_MS,
          );
        else p.hdel(key(channel), processId);
        p.hgetall(key(channel));
      }
      const results = (await p.exec()) ?? [];
      const others = new Map<string, LocalAudience[]>();
      let i = 0;
      const stale: Array<[string, string]> = [];
      for (const [channel, audience] of entries) {
        i += empty(audience) ? 1 : 2;
        const [err, hash] = results[i++] ?? [null, {}];
        if (err) throw err;
        const theirs: LocalAudience[] = [];
        for (const [field, value] of Object.entries((hash ?? {}) as Record<string, string>)) {
          if (field === processId) continue;
          const entry = parseEntry(String(value));
          if (!entry || t - entry.at > STALE_MS) stale.push([key(channel), field]);
          else theirs.push(entry.audience);
        }
        others.set(channel, theirs);
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

// Slow mode's memory: when each person may send again in each channel. In one process a map; across processes a
// window of one message in the shared rate-limit store (server/cluster/rate-windows.ts: a Redis key per person and
// channel, expiring with the window), so a person whose connections reach different processes still gets one message
// per window, and a send never waits on Redis beyond that store's command bound. One Redis round trip per message,
// only in channels with slow mode on.
import type { RateWindows } from '../db/rate-limit.js';

export interface SlowModeStore {
  /** Takes the person's slot for `windowMs`: 0 if taken now, else the milliseconds until it frees. */
  take(key: string, windowMs: number): Promise<number>;
  /** Forgets slots that freed (the local store; the shared one bounds its own). */
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

/**
 * A slot is a window of one act: refused until the last message sent leaves the window, the time left as the answer,
 * as localSlowMode decides. The window is the channel's current setting, so shortening slow mode frees slots sooner.
 */
export function sharedSlowMode(store: RateWindows, now: () => number): SlowModeStore {
  return {
    take: (key, windowMs) => store.take({ name: 'chat-slow', limit: 1, windowMs }, key, now()),
    sweep() {},
  };
}

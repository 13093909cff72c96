// Cluster-wide stream figures for /api/stats, /stat and /metrics: each node puts its own streams' figures into one
// Redis hash every STATS_LIMITS.publishMs, and any node reads the hash to answer for all. An entry older than
// STATS_LIMITS.staleMs is a node that stopped: left out, and removed. The hash itself lapses that long after the last
// node's last write, so a cluster stopped all at once (killed, not closed) leaves nothing in Redis.
import { Redis } from 'ioredis';
import type { StreamStats } from '../api/types.js';
import type { Logger } from '../log.js';
import { every, type StopJob } from '../periodic.js';
import { leaveRedis } from './leave-redis.js';

export const STATS_LIMITS = {
  publishMs: 2_000,
  staleMs: 6_000,
} as const;

interface Entry {
  at: number;
  streams: StreamStats[];
}

export class NodeStats {
  private readonly redis: Redis;
  private readonly key: string;
  private stopTimer?: StopJob;

  constructor(
    private readonly opts: { redisUrl: string; cluster: string; nodeId: string; local: () => StreamStats[]; logger: Logger; now?: () => number },
  ) {
    this.key = `${opts.cluster}:stats`;
    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    // Failures are the registry's to report (one line per outage); here they only leave the figures local.
    this.redis.on('error', () => {});
  }

  async start(): Promise<void> {
    await this.redis.connect().catch(() => {});
    await this.publish();
    this.stopTimer = every(STATS_LIMITS.publishMs, () => void this.publish());
  }

  /** Every living node's streams (this node's from memory), each tagged with its node. */
  async all(): Promise<StreamStats[]> {
    const now = (this.opts.now ?? Date.now)();
    const own = this.opts.local().map((s) => ({ ...s, node: this.opts.nodeId }));
    let entries: Record<string, string>;
    try {
      entries = await this.redis.hgetall(this.key);
    } catch {
      return own;
    }
    const out = own;
    const stale: string[] = [];
    for (const [node, raw] of Object.entries(entries)) {
      if (node === this.opts.nodeId) continue;
      let e: Entry;
      try {
        e = JSON.parse(raw) as Entry;
      } catch {
        stale.push(node);
        continue;
      }
      if (now - e.at > STATS_LIMITS.staleMs) stale.push(node);
      else for (const s of e.streams) out.push({ ...s, node });
    }
    if (stale.length) this.redis.hdel(this.key, ...stale).catch(() => {});
    return out;
  }

  async close(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.redis.hdel(this.key, this.opts.nodeId).catch(() => {});
    await leaveRedis(this.redis);
  }

  private async publish(): Promise<void> {
    const entry: Entry = { at: (this.opts.now ?? Date.now)(), streams: this.opts.local() };
    await this.redis
      .multi()
      .hset(this.key, this.opts.nodeId, JSON.stringify(entry))
      .pexpire(this.key, STATS_LIMITS.staleMs)
      .exec()
      .catch(() => {});
  }
}

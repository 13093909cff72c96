// Which node is the origin of each live channel, when several Onair nodes share PostgreSQL and Redis. Each node
// keeps a heartbeat key alive in Redis; a channel's record names the node that took its publisher and the stream
// id. A record whose node stopped beating is dead, so a publisher that reconnects to another node after its
// origin died takes the channel over within NODE_LEASE_MS, with no one left to release it. One publisher per
// channel cluster-wide: a claim is refused while a living node holds the channel.
//
// Redis trouble never stops a node: claims then succeed locally (the node serves what it has, as one process
// would) and `degraded` says so (/healthz).
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { every, type StopJob } from '../periodic.js';
import type { SequenceContinuation } from '../media/hls-playlist.js';
import { leaveRedis } from './leave-redis.js';

export const CLUSTER_LIMITS = {
  /** A node whose heartbeat is older than this is dead: its channels can be taken over. */
  nodeLeaseMs: 4_000,
  heartbeatMs: 1_000,
  /** Channel and stream records expire unless renewed (a node that died leaves none behind for long). */
  recordTtlMs: 60_000,
  renewMs: 2_000,
  /** Lookups are remembered this long (positive) or this long (not live), sparing Redis a query per request. */
  lookupCacheMs: 1_000,
  missCacheMs: 250,
  /** How many dead streams' addresses a stream answers after takeovers in a row (players rarely lag more). */
  successionDepth: 4,
} as const;

/** Where a live stream is served from. */
export interface Origin {
  nodeId: string;
  /** The origin's internal base URL (ONAIR_NODE_URL). */
  nodeUrl: string;
  channel: string;
  streamId: string;
  /** Where a stream taking this one over continues its playlists' numbering (kept current per segment). */
  continueAt?: SequenceContinuation;
  /** Streams of dead nodes this one took over, newest first: their playlist addresses are answered by this one. */
  succeeds?: string[];
}

/** What a claim took the channel from: a dead node's stream, and those it had taken over itself. */
export interface Predecessor {
  /** Newest first, at most CLUSTER_LIMITS.successionDepth. */
  streamIds: string[];
  continueAt: SequenceContinuation;
}

export type Claim = { ok: true; predecessor?: Predecessor } | { ok: false; holder: string };

// Takes a key unless a living other node holds it; answers {'held', node}, or {'ok', the record it replaced when a
// dead node's, else ''}. KEYS: the key; ARGV: record, node id, ttl, key prefix.
const CLAIM = `
local cur = redis.call('GET', KEYS[1])
local replaced = ''
if cur then
  local node = cjson.decode(cur).nodeId
  if node ~= ARGV[2] then
    if redis.call('EXISTS', ARGV[4] .. 'node:' .. node) == 1 then return {'held', node} end
    replaced = cur
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return {'ok', replaced}`;

// Writes a record unless another node took the key over (a record a Redis restart lost is written back).
// KEYS: key; ARGV: record, node id, ttl.
const WRITE = `
local cur = redis.call('GET', KEYS[1])
if cur and cjson.decode(cur).nodeId ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;

// Deletes a key only while it still names this node. KEYS: key; ARGV: node id.
const DELETE_IF_OURS = `
local cur = redis.call('GET', KEYS[1])
if not cur or cjson.decode(cur).nodeId ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

export interface OriginRegistryOptions {
  redisUrl: string;
  /** Key prefix: one per deployment sharing a Redis server (ONAIR_CLUSTER). */
  cluster: string;
  nodeId: string;
  nodeUrl: () => string;
  logger: Logger;
  now?: () => number;
}

export class OriginRegistry {
  private readonly redis: Redis;
  private readonly prefix: string;
  /** Records this node holds, renewed until released. */
  private readonly held = new Map<string, Origin>();
  private readonly cache = new Map<string, { at: number; origin: Origin | undefined }>();
  private stopTimers: StopJob[] = [];
  private lastError = 0;
  private readonly now: () => number;

  constructor(private readonly opts: OriginRegistryOptions) {
    this.prefix = `${opts.cluster}:`;
    this.now = opts.now ?? Date.now;
    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    this.redis.on('error', (err) => this.failed('redis error', err));
  }

  /** Whether Redis failed within the last few heartbeats: the node then acts alone. */
  get degraded(): boolean {
    return this.now() - this.lastError < CLUSTER_LIMITS.nodeLeaseMs;
  }

  get nodeId(): string {
    return this.opts.nodeId;
  }

  /** This node's base URL as the others reach it. */
  get nodeUrl(): string {
    return this.opts.nodeUrl();
  }

  async start(): Promise<void> {
    await this.redis.connect().catch((err: Error) => this.failed('redis connect failed', err));
    await this.beat();
    this.stopTimers.push(every(CLUSTER_LIMITS.heartbeatMs, () => void this.beat()));
    this.stopTimers.push(every(CLUSTER_LIMITS.renewMs, () => void this.renew()));
  }

  /**
   * Takes a channel for a publisher on this node: refused while another living node holds it. Taken from a node
   * that died while live, the claim names that node's stream and where its numbering got (`predecessor`).
   */
  async claim(channel: string): Promise<Claim> {
    const record: Origin = { nodeId: this.opts.nodeId, nodeUrl: this.opts.nodeUrl(), channel, streamId: '' };
    let predecessor: Predecessor | undefined;
    try {
      const [outcome, value] = await this.take(this.channelKey(channel), record);
      if (outcome === 'held') return { ok: false, holder: value };
      const dead = value ? (JSON.parse(value) as Origin) : undefined;
      if (dead?.streamId && dead.continueAt) {
        const streamIds = [dead.streamId, ...(dead.succeeds ?? [])].slice(0, CLUSTER_LIMITS.successionDepth);
        predecessor = { streamIds, continueAt: dead.continueAt };
      }
    } catch (err) {
      this.failed('claim failed; publishing without the cluster', err);
    }
    this.held.set(channel, record);
    this.cache.delete(channel);
    return predecessor ? { ok: true, predecessor } : { ok: true };
  }

  /**
   * The claimed channel's stream started: other nodes can now find it by stream id too, and by its predecessor's
   * (`succeeds`): players still reloading the dead stream's playlists are sent here.
   */
  async announce(channel: string, streamId: string, succeeds?: readonly string[]): Promise<void> {
    const record = this.held.get(channel);
    if (!record) return;
    record.streamId = streamId;
    if (succeeds?.length) record.succeeds = [...succeeds];
    await this.write(record);
  }

  /** How far the channel's stream numbered its playlists: a node taking it over continues from there. */
  async progress(channel: string, continueAt: SequenceContinuation): Promise<void> {
    const record = this.held.get(channel);
    if (!record?.streamId) return;
    record.continueAt = continueAt;
    await this.write(record);
  }

  /** The channel's stream on this node ended (or its publisher was refused after the claim). */
  async release(channel: string): Promise<void> {
    const record = this.held.get(channel);
    if (!record) return;
    this.held.delete(channel);
    this.cache.delete(channel);
    try {
      await this.redis.eval(DELETE_IF_OURS, 1, this.channelKey(channel), this.opts.nodeId);
      if (record.streamId) await this.redis.eval(DELETE_IF_OURS, 1, this.streamKey(record.streamId), this.opts.nodeId);
      for (const id of record.succeeds ?? []) await this.redis.eval(DELETE_IF_OURS, 1, this.streamKey(id), this.opts.nodeId);
    } catch (err) {
      this.failed('release failed (the record expires by itself)', err);
    }
  }

  /** The living origin of a channel on another node, or undefined (not live elsewhere, or Redis is down). */
  async originOf(channel: string): Promise<Origin | undefined> {
    return this.lookup(channel, this.channelKey(channel));
  }

  /** The living origin of a stream on another node, by stream id. */
  async originOfStream(streamId: string): Promise<Origin | undefined> {
    return this.lookup(`#${streamId}`, this.streamKey(streamId));
  }

  /**
   * The channel `streamId` was live on lately, its node living or dead (a record outlives its node a minute);
   * undefined when it was not, or Redis cannot say.
   */
  async recentChannel(streamId: string): Promise<string | undefined> {
    try {
      const raw = await this.redis.get(this.streamKey(streamId));
      return raw ? (JSON.parse(raw) as Origin).channel : undefined;
    } catch (err) {
      this.failed('lookup failed', err);
      return undefined;
    }
  }

  async close(): Promise<void> {
    for (const stop of this.stopTimers) stop();
    this.stopTimers = [];
    for (const channel of [...this.held.keys()]) await this.release(channel);
    try {
      await this.redis.del(this.nodeKey(this.opts.nodeId));
    } catch {
      /* the heartbeat expires by itself */
    }
    await leaveRedis(this.redis);
  }

  private async lookup(cacheKey: string, key: string): Promise<Origin | undefined> {
    const hit = this.cache.get(cacheKey);
    const age = hit ? this.now() - hit.at : Infinity;
    if (hit && age < (hit.origin ? CLUSTER_LIMITS.lookupCacheMs : CLUSTER_LIMITS.missCacheMs)) return hit.origin;
    let origin: Origin | undefined;
    try {
      const raw = await this.redis.get(key);
      const record = raw ? (JSON.parse(raw) as Origin) : undefined;
      if (record && record.nodeId !== this.opts.nodeId && (await this.redis.exists(this.nodeKey(record.nodeId))) === 1) origin = record;
    } catch (err) {
      this.failed('lookup failed', err);
    }
    this.cache.set(cacheKey, { at: this.now(), origin });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return origin;
  }

  private async beat(): Promise<void> {
    try {
      await this.redis.set(this.nodeKey(this.opts.nodeId), this.opts.nodeUrl(), 'PX', CLUSTER_LIMITS.nodeLeaseMs);
    } catch (err) {
      this.failed('heartbeat failed', err);
    }
  }

  /** Renews this node's records, and writes back any that a Redis restart lost. */
  private async renew(): Promise<void> {
    for (const record of this.held.values()) await this.write(record);
  }

  private async write(record: Origin): Promise<void> {
    const value = JSON.stringify(record);
    const ttl = String(CLUSTER_LIMITS.recordTtlMs);
    try {
      await this.redis.eval(WRITE, 1, this.channelKey(record.channel), value, this.opts.nodeId, ttl);
      if (record.streamId) await this.redis.eval(WRITE, 1, this.streamKey(record.streamId), value, this.opts.nodeId, ttl);
      // The dead predecessors' records are still there at first: taken, as the channel was.
      for (const id of record.succeeds ?? []) await this.take(this.streamKey(id), record);
    } catch (err) {
      this.failed('record write failed', err);
    }
  }

  /** CLAIM on `key` with `record`: ['held', node] or ['ok', the dead node's record it replaced, or '']. */
  private async take(key: string, record: Origin): Promise<[string, string]> {
    const ttl = String(CLUSTER_LIMITS.recordTtlMs);
    return (await this.redis.eval(CLAIM, 1, key, JSON.stringify(record), this.opts.nodeId, ttl, this.prefix)) as [string, string];
  }

  private failed(what: string, err: unknown): void {
    const first = !this.degraded;
    this.lastError = this.now();
    // One line per outage, not one per heartbeat.
    if (first) this.opts.logger.warn({ err: (err as Error)?.message }, `cluster: ${what}`);
  }

  private nodeKey(nodeId: string): string {
    return `${this.prefix}node:${nodeId}`;
  }
  private channelKey(channel: string): string {
    return `${this.prefix}origin:${channel}`;
  }
  private streamKey(streamId: string): string {
    return `${this.prefix}stream:${streamId}`;
  }
}

// Cluster mode: several Onair nodes sharing PostgreSQL and Redis (REDIS_URL plus a PostgreSQL DATABASE_URL). Each
// node registers the channels it is the origin of (origins.ts) and answers viewers of channels live on another node
// with what it fetches from that origin (origin-fetch.ts). Chat, viewer counts and access changes already travel
// through Redis and the database.
import { randomBytes } from 'node:crypto';
import type { OnairConfig } from '../config.js';
import { HotFileCache } from '../http/file-server.js';
import type { Logger } from '../log.js';
import { OriginFetcher } from './origin-fetch.js';
import { OriginRegistry } from './origins.js';
import { NodeStats } from './node-stats.js';
import type { StreamStats } from '../api/types.js';
import type { LiveStreams } from '../media/live-streams.js';

export interface Cluster {
  origins: OriginRegistry;
  fetcher: OriginFetcher;
  /** Every node's streams, for the operator's figures. */
  stats: NodeStats;
  /** Signs and checks requests between nodes (the secret every node reads from the shared database). */
  secret: string;
}

/** Whether these settings make a cluster node. */
export function clusterMode(config: OnairConfig): boolean {
  return config.redisUrl !== '' && config.databaseUrl !== '';
}

/** This node's part of the cluster; `httpPort()` is the port bound (the default node URL uses it). */
/** Media fetched from other nodes, kept for the viewers who ask next. */
const FETCHED_CACHE_BYTES = 128 * 1024 * 1024;

export function joinCluster(config: OnairConfig, secret: string, httpPort: () => number, localStats: () => StreamStats[], logger: Logger): Cluster {
  const log = logger.child({ part: 'cluster' });
  const nodeId = randomBytes(6).toString('base64url');
  const origins = new OriginRegistry({
    redisUrl: config.redisUrl,
    cluster: config.clusterName,
    nodeId,
    nodeUrl: () => config.nodeUrl || `http://127.0.0.1:${httpPort()}`,
    logger: log,
  });
  const stats = new NodeStats({ redisUrl: config.redisUrl, cluster: config.clusterName, nodeId, local: localStats, logger: log });
  return { origins, fetcher: new OriginFetcher({ secret, cache: new HotFileCache(FETCHED_CACHE_BYTES), logger: log }), stats, secret };
}

/**
 * Keeps each channel's origin record with its stream: how far the stream numbered its playlists (a node taking the
 * channel over continues from there), and the record gone when the stream ends (one waiting out its grace period
 * keeps it).
 */
export function recordStreams(origins: OriginRegistry, streams: LiveStreams): void {
  streams.on('segment', (e) => {
    const stream = streams.get(e.channel);
    if (stream?.streamId === e.streamId) void origins.progress(e.channel, stream.packager.successorNumbering());
  });
  streams.on('ended', (e) => void origins.release(e.channel));
  streams.on('ended-empty', (e) => void origins.release(e.channel));
}

// Cluster stream figures on a real Redis: each node's entry is read by the others, and the hash lapses once no node
// writes it (a cluster killed all at once leaves nothing behind).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger } from '../log.js';
import { NodeStats, STATS_LIMITS } from './node-stats.js';
import type { StreamStats } from '../api/types.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL);
const cluster = `onair-test-stats-${randomBytes(4).toString('hex')}`;
after(async () => {
  await redis.del(`${cluster}:stats`);
  redis.disconnect();
});

test("a node's figures reach the others, and the hash lapses when no node writes it", async () => {
  const stream = { channel: 'ch', streamId: 's1' } as StreamStats;
  const logger = createLogger({ level: 'silent' });
  const x = new NodeStats({ redisUrl: REDIS_URL, cluster, nodeId: 'x', local: () => [stream], logger });
  const y = new NodeStats({ redisUrl: REDIS_URL, cluster, nodeId: 'y', local: () => [], logger });
  await x.start();
  await y.start();
  try {
    assert.deepEqual(await y.all(), [{ ...stream, node: 'x' }]);
    const ttl = await redis.pttl(`${cluster}:stats`);
    assert.ok(ttl > 0 && ttl <= STATS_LIMITS.staleMs, `the hash lapses by itself: pttl ${ttl}`);
  } finally {
    await x.close();
    await y.close();
  }
});

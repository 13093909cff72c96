// Spanning processes through Redis: rooms, broadcasts, kicks and notices through @socket.io/redis-adapter, and
// viewer counts summed across processes (viewers.ts). Without a Redis URL everything stays in this process.
import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { leaveRedis } from '../cluster/leave-redis.js';
import type { Logger } from '../log.js';
import type { ChatIo } from './protocol.js';
import { localSlowMode, redisSlowMode, type SlowModeStore } from './slow-mode.js';
import { localViewerStore, redisViewerStore, type ViewerStore } from './viewers.js';

export interface ChatCluster {
  viewerStore: ViewerStore;
  /** Slow mode's per-person windows, shared by every process with Redis. */
  slowMode: SlowModeStore;
  /** True with Redis: io.serverSideEmit reaches the other processes. */
  spansProcesses: boolean;
  /** Closes the adapter and leaves Redis. */
  close(): Promise<void>;
}

export async function joinCluster(
  io: ChatIo,
  opts: { redisUrl?: string; redisPrefix?: string; now: () => number },
  log: Logger,
): Promise<ChatCluster> {
  if (!opts.redisUrl) {
    const close = async () => void (await io.of('/').adapter.close?.());
    return { viewerStore: localViewerStore, slowMode: localSlowMode(opts.now), spansProcesses: false, close };
  }
  const prefix = opts.redisPrefix ?? 'onair-chat';
  const processId = randomBytes(8).toString('hex');
  const redisPub = new Redis(opts.redisUrl, { maxRetriesPerRequest: 3 });
  const redisSub = redisPub.duplicate();
  for (const [name, c] of [
    ['pub', redisPub],
    ['sub', redisSub],
  ] as const) {
    c.on('error', (err) => log.warn({ err: err.message, client: name }, 'redis error'));
  }
  // The adapter publishes without waiting for the answer (every broadcast, notice and server-side emit): with Redis
  // away each one would be a rejection nobody handles, which ends the process. Those messages then reach this node's
  // own viewers only; the client's 'error' events above say why.
  const publish = redisPub.publish.bind(redisPub);
  redisPub.publish = ((channel: string, message: string) => publish(channel, message).catch(() => 0)) as unknown as typeof redisPub.publish;
  io.adapter(createAdapter(redisPub, redisSub, { key: prefix }));
  // Commands run in order on the subscriber connection: once this subscribe answers, the adapter's own
  // subscriptions (issued above) are in place and no broadcast from another process can be missed.
  await redisSub.subscribe(`${prefix}#ready#${processId}`);
  return {
    viewerStore: redisViewerStore(redisPub, prefix, processId, opts.now),
    slowMode: redisSlowMode(redisPub, prefix),
    spansProcesses: true,
    async close() {
      // The Redis adapter unsubscribes as it closes without waiting for the answers: with Redis away those are
      // rejections nobody handles (a crash), and there is nothing to unsubscribe from anyway.
      if (redisSub.status === 'ready') io.of('/').adapter.close?.();
      await Promise.all([leaveRedis(redisSub), leaveRedis(redisPub)]);
    },
  };
}

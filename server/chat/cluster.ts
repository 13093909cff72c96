// Spanning processes through Redis: rooms, broadcasts, kicks and notices through @socket.io/redis-adapter, viewer
// counts summed across processes (viewers.ts), and a person's send rate and slow-mode windows counted in the shared
// rate-limit store (server/cluster/rate-windows.ts). Without a Redis URL everything stays in this process.
//
// The send rate is decided by Redis before a message is stored, not answered from this process's counts first and
// reconciled later: a send already waits for several database queries and the write, so a Redis round trip (under a
// millisecond on a LAN) is not what the sender notices, while answering first would let a person on N nodes send N
// bursts before the counts met (the very thing counted in Redis to prevent). What keeps a send from waiting on Redis
// is the store's bound instead: 200 ms per command, then no command at all for a pause after a timeout (one probe at
// a time), local counts meanwhile; and an empty bucket in this process is refused without asking Redis.
import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { leaveRedis } from '../cluster/leave-redis.js';
import { RedisRateWindows } from '../cluster/rate-windows.js';
import type { RateWindows } from '../db/rate-limit.js';
import { LocalTokenBuckets, type TokenBuckets } from '../db/token-buckets.js';
import type { Logger } from '../log.js';
import type { ChatIo } from './protocol.js';
import { localSlowMode, sharedSlowMode, type SlowModeStore } from './slow-mode.js';
import { localViewerStore, redisViewerStore, type ViewerStore } from './viewers.js';

export interface ChatCluster {
  viewerStore: ViewerStore;
  /** Slow mode's per-person windows, shared by every process with Redis. */
  slowMode: SlowModeStore;
  /** The send rate's per-person buckets, shared by every process with Redis. */
  sendRate: TokenBuckets;
  /** True with Redis: io.serverSideEmit reaches the other processes. */
  spansProcesses: boolean;
  /** Closes the adapter and leaves Redis. */
  close(): Promise<void>;
}

export interface ChatClusterOptions {
  redisUrl?: string;
  redisPrefix?: string;
  now: () => number;
  /** The shared rate-limit store (ChatOptions.sendLimits); with a Redis URL and none, one of chat's own. */
  sendLimits?: TokenBuckets & RateWindows;
  /** Its HMAC key's secret, for chat's own store. */
  secret: string;
}

/**
 * A command on chat's publishing connection (the viewer-count exchange, the adapter's publishes) unanswered this long
 * fails: a Redis that hangs costs a viewer-count tick one wait, then local counts, instead of freezing them for the
 * rest of the outage. Longer than the rate limits' 200 ms: nothing waits on it but the next tick.
 */
export const CHAT_REDIS_COMMAND_TIMEOUT_MS = 2000;

/** Chat's publishing connection to Redis, bounded as above. */
export function chatRedisPublisher(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: 3, commandTimeout: CHAT_REDIS_COMMAND_TIMEOUT_MS });
}

export async function joinCluster(io: ChatIo, opts: ChatClusterOptions, log: Logger): Promise<ChatCluster> {
  if (!opts.redisUrl) {
    const close = async () => void (await io.of('/').adapter.close?.());
    const { sendLimits: shared, now } = opts;
    const [slowMode, sendRate] = shared ? [sharedSlowMode(shared, now), shared] : [localSlowMode(now), new LocalTokenBuckets()];
    return { viewerStore: localViewerStore, slowMode, sendRate, spansProcesses: false, close };
  }
  const prefix = opts.redisPrefix ?? 'onair-chat';
  // Chat run on its own (tests, the benchmark) counts in a store of its own; the server hands it the one its logins use.
  let own: RedisRateWindows | undefined;
  let limits = opts.sendLimits;
  if (!limits) {
    limits = own = new RedisRateWindows({
      redisUrl: opts.redisUrl,
      cluster: prefix,
      secret: opts.secret,
      logger: log.child({ part: 'chat-rate-limits' }),
    });
    await own.start();
  }
  const processId = randomBytes(8).toString('hex');
  const redisPub = chatRedisPublisher(opts.redisUrl);
  // The subscriber waits for messages, not for answers: no command bound there.
  const redisSub = redisPub.duplicate({ commandTimeout: undefined });
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
    slowMode: sharedSlowMode(limits, opts.now),
    sendRate: limits,
    spansProcesses: true,
    async close() {
      // The Redis adapter unsubscribes as it closes without waiting for the answers: with Redis away those are
      // rejections nobody handles (a crash), and there is nothing to unsubscribe from anyway.
      if (redisSub.status === 'ready') io.of('/').adapter.close?.();
      await Promise.all([leaveRedis(redisSub), leaveRedis(redisPub), own?.close()]);
    },
  };
}

// Viewer counts across processes through the test Redis (ONAIR_TEST_REDIS_URL), on chat's own publishing connection:
// two stores stand for two processes and see each other's audiences; when Redis hangs (a relay that stops
// forwarding), the exchange fails within chat's command bound, so the counts fall back to the process's own instead
// of waiting for the rest of the outage, and it works again once Redis answers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { leaveRedis } from '../cluster/leave-redis.js';
import { stallingRelay } from '../test-support/stalling-relay.js';
import { CHAT_REDIS_COMMAND_TIMEOUT_MS, chatRedisPublisher } from './cluster.js';
import { redisViewerStore } from './viewers.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

// Bounded: without the command bound the exchange would wait for as long as Redis hangs.
test('two processes count each other; a hung Redis fails the exchange within the bound, then it recovers', { timeout: 20_000 }, async () => {
  const prefix = `viewers-test-${randomBytes(4).toString('hex')}`;
  const relay = await stallingRelay(Number(new URL(REDIS_URL).port || 6379));
  closers.push(() => relay.close());
  const viaRelay = chatRedisPublisher(`redis://127.0.0.1:${relay.port}`);
  const direct = chatRedisPublisher(REDIS_URL);
  closers.push(
    () => leaveRedis(viaRelay),
    () => leaveRedis(direct),
  );
  const a = redisViewerStore(viaRelay, prefix, 'a');
  const b = redisViewerStore(direct, prefix, 'b');
  const audience = (key: string) => new Map([['dana', { chat: [[key, key]] as [string, string][], players: [] }]]);

  await b.report(audience('bob'));
  assert.deepEqual((await a.report(audience('ann'))).get('dana'), [{ chat: [['bob', 'bob']], players: [] }]);

  relay.stall();
  const t0 = performance.now();
  await assert.rejects(a.report(audience('ann')), /timed out/i);
  const waited = performance.now() - t0;
  assert.ok(waited < CHAT_REDIS_COMMAND_TIMEOUT_MS + 1000, `failed after ${Math.round(waited)} ms`);

  relay.resume();
  const back = await a.report(audience('ann'));
  assert.deepEqual(back.get('dana'), [{ chat: [['bob', 'bob']], players: [] }]);
  await a.clear(['dana']);
  await b.clear(['dana']);
});

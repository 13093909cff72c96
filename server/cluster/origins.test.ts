// Origin records on a real Redis: a channel taken over from a node that died hands its successor the dead stream's
// numbering and addresses, through takeovers in a row, and a living holder is never displaced.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger } from '../log.js';
import { OriginRegistry } from './origins.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('origin records', () => {
  const cluster = `onair-test-origins-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL);
  const nodes: OriginRegistry[] = [];
  const node = async (id: string) => {
    const r = new OriginRegistry({
      redisUrl: REDIS_URL,
      cluster,
      nodeId: id,
      nodeUrl: () => `http://${id}.invalid`,
      logger: createLogger({ level: 'silent' }),
    });
    await r.start();
    nodes.push(r);
    return r;
  };
  /** A node dies: its heartbeat lapses (deleted here rather than waited for), its records stay behind. */
  const dies = async (r: OriginRegistry) => {
    (r as unknown as { stopTimers: (() => void)[] }).stopTimers.forEach((stop) => stop());
    await redis.del(`${cluster}:node:${r.nodeId}`);
  };
  after(async () => {
    for (const r of nodes) await r.close();
    const keys = await redis.keys(`${cluster}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  test('takeovers in a row: each successor continues the numbering and answers every earlier dead stream', async () => {
    const x = await node('x');
    assert.deepEqual(await x.claim('ch'), { ok: true }, 'a fresh channel has no predecessor');
    await x.announce('ch', 's1');
    await x.progress('ch', { msn: 12, discontinuity: 1 });

    const y = await node('y');
    assert.deepEqual(await y.claim('ch'), { ok: false, holder: 'x' }, 'refused while x lives');
    await dies(x);
    const taken = await y.claim('ch');
    assert.deepEqual(taken, { ok: true, predecessor: { streamIds: ['s1'], continueAt: { msn: 12, discontinuity: 1 } } });
    await y.announce('ch', 's2', ['s1']);
    await y.progress('ch', { msn: 30, discontinuity: 2 });
    const z = await node('z');
    assert.deepEqual(
      await z.originOfStream('s1'),
      { nodeId: 'y', nodeUrl: 'http://y.invalid', channel: 'ch', streamId: 's2', succeeds: ['s1'], continueAt: { msn: 30, discontinuity: 2 } },
      "s1's addresses lead to s2",
    );
    assert.equal(await z.recentChannel('s1'), 'ch');

    await dies(y);
    const again = await z.claim('ch');
    assert.deepEqual(again, { ok: true, predecessor: { streamIds: ['s2', 's1'], continueAt: { msn: 30, discontinuity: 2 } } });
    await z.announce('ch', 's3', ['s2', 's1']);
    const w = await node('w');
    for (const id of ['s1', 's2', 's3']) assert.equal((await w.originOfStream(id))?.streamId, 's3', `${id} leads to s3`);

    // The successor's stream ends: the addresses it answered for go with it.
    await z.release('ch');
    assert.equal(await redis.exists(`${cluster}:stream:s1`, `${cluster}:stream:s2`, `${cluster}:stream:s3`, `${cluster}:origin:ch`), 0);
  });
});

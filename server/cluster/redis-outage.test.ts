// Redis going away under a cluster: two nodes on a Redis server of their own (started here, then killed and
// started again on the same port). While it is down both nodes say so in /healthz, the origin keeps serving its
// live stream, chat within a node goes on and nothing crashes; once it is back, the nodes re-register within seconds
// and the other node finds the origin again. A node stopped while Redis is down stops at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freshPgDatabase } from '../test-support/db.js';
import { freePort, waitFor } from '../test-support/process.js';
import { connectChat, nextEvent, request } from '../test-support/chat-client.js';
import { newStreamer, publish, startTestServer, type Publisher, type TestServer } from '../test-support/server.js';

function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: r.status, text: await r.text() };
}

const redisState = async (base: string) => JSON.parse((await get(`${base}/healthz`)).text).cluster.redis as string;

describe('a cluster through a Redis outage', () => {
  let redis: ChildProcess;
  let port: number;
  let a: TestServer;
  let b: TestServer;
  let dropDb: () => Promise<void>;
  let publisher: Publisher | undefined;

  before(async () => {
    port = await freePort();
    redis = startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    await waitFor('redis listens', () => accepts(port), 5_000, 100);
    const db = await freshPgDatabase();
    dropDb = db.drop;
    a = await startTestServer({ DATABASE_URL: db.url, REDIS_URL: url });
    b = await startTestServer({ DATABASE_URL: db.url, REDIS_URL: url });
  });
  after(async () => {
    publisher?.proc.kill('SIGKILL');
    await b?.stop();
    await a?.stop();
    redis?.kill('SIGKILL');
    await dropDb?.();
  });

  test('down: both nodes say so and the origin keeps serving; back: re-registered within seconds', async () => {
    const fay = await newStreamer(a.base, 'fay');
    publisher = publish(`${a.rtmpBase}/${fay.channel.streamKey}`);
    await waitFor('fay plays through B', async () => (await get(`${b.base}/hls/fay/video.m3u8`)).text.includes('#EXTINF'), 20_000, 200);

    redis.kill('SIGKILL');
    await waitFor(
      'both nodes report Redis unreachable',
      async () => (await redisState(a.base)) === 'unreachable' && (await redisState(b.base)) === 'unreachable',
      10_000,
      200,
    );
    // Chat goes on within a node: a message while Redis is away reaches the node's own viewers, and the broadcast
    // the Redis adapter cannot publish does not take the node down.
    const chat = await connectChat(a.base, { token: fay.token });
    try {
      assert.equal((await request(chat, 'join', { channel: 'fay' })).ok, true);
      const got = nextEvent(chat, 'message', (m: any) => m.text === 'while Redis is away');
      assert.equal((await request(chat, 'send', { channel: 'fay', text: 'while Redis is away' })).ok, true);
      await got;
      await new Promise((r) => setTimeout(r, 1500)); // past the Redis client's retries: its publish has failed
      assert.equal((await get(`${a.base}/healthz`)).status, 200, 'A is still up');
    } finally {
      chat.disconnect();
    }
    // The origin goes on alone: its stream keeps growing.
    const segments = () => a.streams.get('fay')?.segments ?? 0;
    const before = segments();
    await waitFor('the stream on A goes on', () => segments() >= before + 2, 10_000, 200);
    assert.equal((await get(`${a.base}/hls/fay/index.m3u8`)).status, 200);

    const downAt = Date.now();
    redis = startRedis(port);
    await waitFor('both nodes report Redis ok', async () => (await redisState(a.base)) === 'ok' && (await redisState(b.base)) === 'ok', 15_000, 200);
    await waitFor('B finds the origin again', async () => (await get(`${b.base}/hls/fay/index.m3u8`)).status === 200, 15_000, 250);
    const took = Date.now() - downAt;
    console.log(`# Redis restarted: the cluster served the channel through B again ${took} ms later`);
    assert.ok(took < 10_000, `took ${took} ms`);
  });

  test('a node stopped while Redis is down stops cleanly', async () => {
    redis.kill('SIGKILL');
    await waitFor('B reports Redis unreachable', async () => (await redisState(b.base)) === 'unreachable', 10_000, 200);
    const stopped = b.stop().then(() => 'stopped');
    b = undefined as unknown as TestServer; // after() must not stop it twice
    // Bounded: Redis clients that keep retrying must not hold the close, nor reject where nobody listens (a crash).
    assert.equal(await Promise.race([stopped, new Promise((r) => setTimeout(() => r('still stopping after 15 s'), 15_000))]), 'stopped');
    await new Promise((r) => setTimeout(r, 500));
  });
});

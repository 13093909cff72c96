// The viewer count across server processes sharing Redis: process A (in this test, where the stream is published)
// and process B (a real `server/main.ts` child). One person whose player polls A and whose chat is open on B counts
// once, on both; a second person's player counts them two.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import { CHAT_PATH } from '../api/chat.js';
import { request, type ChatClient } from '../test-support/chat-client.js';
import { waitFor } from '../test-support/process.js';
import {
  api,
  newStreamer,
  publish,
  startServerProcess,
  startTestServer,
  type Publisher,
  type ServerProcess,
  type TestServer,
} from '../test-support/server.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A chat connection that sends this User-Agent, as a browser's would. */
function chatAs(base: string, userAgent: string): Promise<ChatClient> {
  const socket: ChatClient = io(base, {
    path: CHAT_PATH,
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { 'user-agent': userAgent },
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('connect timed out')), 5000);
    socket.once('connect', () => (clearTimeout(t), resolve(socket)));
    socket.once('connect_error', (err: Error) => (clearTimeout(t), reject(err)));
  });
}

describe('viewer count across processes (Redis)', { timeout: 90_000 }, () => {
  let a: TestServer;
  let b: ServerProcess;
  let pub: Publisher | undefined;
  const chats: ChatClient[] = [];
  const channel = `vc${randomBytes(3).toString('hex')}`;
  /** Players keep polling A's playlist, as hls.js does, while `playing` lists their user agents. */
  const playing = new Set<string>();
  let poller: NodeJS.Timeout | undefined;

  before(async () => {
    a = await startTestServer({ REDIS_URL });
    b = await startServerProcess({ ONAIR_DATA_DIR: a.dataDir, REDIS_URL });
    const streamer = await newStreamer(a.base, channel);
    pub = publish(`${a.rtmpBase}/${streamer.channel.streamKey}`, { size: '320x180' });
    await waitFor('live on A', async () => (await api(a.base, 'GET', `/api/channels/${channel}`)).body.live, 30_000, 250);
    poller = setInterval(() => {
      for (const ua of playing)
        void fetch(`${a.base}/hls/${channel}/index.m3u8`, { headers: { 'user-agent': ua } }).then(
          (r) => r.arrayBuffer(),
          () => {},
        );
    }, 1000);
  });
  after(async () => {
    clearInterval(poller);
    for (const c of chats) c.close();
    pub?.proc.kill('SIGKILL');
    await b?.stop();
    await a?.stop();
  });

  test('chat on B and player on A are one person; another player makes two', async () => {
    const one = await chatAs(b.base, 'PersonOne/1.0');
    chats.push(one);
    let onB = 0;
    let maxOnB = 0;
    one.on('viewers', (e: { channel: string; count: number }) => {
      if (e.channel !== channel) return;
      onB = e.count;
      maxOnB = Math.max(maxOnB, e.count);
    });
    assert.equal((await request(one, 'join', { channel })).viewers, 1);
    playing.add('PersonOne/1.0');
    const onA = async () => (await api(a.base, 'GET', `/api/channels/${channel}`)).body.viewers as number;
    await waitFor('1 on A', async () => (await onA()) === 1, 10_000, 250);
    // Several ticks with both sides present: never more than one.
    const seen: number[] = [];
    const until = Date.now() + 7000;
    while (Date.now() < until) {
      seen.push(await onA());
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual([...new Set(seen)], [1], `A's counts while one person watched: ${seen.join(',')}`);
    assert.equal(maxOnB <= 1, true, `B sent ${maxOnB}`);

    playing.add('PersonTwo/2.0');
    await waitFor('2 on A and on B', async () => (await onA()) === 2 && onB === 2, 10_000, 250);
  });
});

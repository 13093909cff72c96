// End to end: the events the apps' live lists update from, with real ffmpeg publishers. Every connection hears a
// public channel come (with its directory entry) and go; followers hear "went live" and "ended"; a private
// channel's coming and going reaches its followers only. When an event arrives the API already agrees with it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DirectoryEvent, NoticeEvent } from './api/chat.js';
import { collect, connectChat, nextEvent } from './test-support/chat-client.js';
import { api, newStreamer, publish, startTestServer, type TestServer } from './test-support/server.js';

describe('live list events', { timeout: 120_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ ONAIR_GRACE_SECONDS: '0', ONAIR_PUBLIC_URL: 'http://live.example.com:8080' });
  });
  after(() => s?.stop());

  test('a public channel: everyone hears it come with its entry and go; its followers hear both too', async () => {
    const star = await newStreamer(s.base, 'lena');
    assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { title: 'Night shift', tags: ['music'] }, star.token)).status, 200);
    const fan = await newStreamer(s.base, 'finn');
    assert.equal((await api(s.base, 'POST', '/api/channels/lena/follow', undefined, fan.token)).status, 200);
    const anon = await connectChat(s.base);
    const follower = await connectChat(s.base, { token: fan.token });
    try {
      const came = nextEvent<DirectoryEvent>(anon, 'directory', (e) => e.channel === 'lena' && e.live, 15_000);
      const noticed = nextEvent<NoticeEvent>(follower, 'notice', (n) => n.kind === 'followed-live', 15_000);
      const pub = publish(`${s.rtmpBase}/${star.channel.streamKey}`, { seconds: 3 });
      const e = await came;
      assert.deepEqual(e, {
        channel: 'lena',
        live: true,
        entry: { name: 'lena', title: 'Night shift', tags: ['music'], viewers: 0, thumbnailUrl: 'http://live.example.com:8080/hls/lena/thumb.jpg' },
      });
      assert.deepEqual(
        (await api(s.base, 'GET', '/api/channels/live')).body.map((c: { name: string }) => c.name),
        ['lena'],
        'the directory lists it when the event arrives',
      );
      assert.deepEqual(await noticed, { kind: 'followed-live', channel: 'lena', title: 'Night shift' });
      const went = nextEvent<DirectoryEvent>(anon, 'directory', (x) => x.channel === 'lena' && !x.live, 15_000);
      const endNotice = nextEvent<NoticeEvent>(follower, 'notice', (n) => n.kind === 'followed-ended', 15_000);
      assert.equal(await pub.exit, 0, pub.stderr());
      assert.deepEqual(await went, { channel: 'lena', live: false });
      assert.deepEqual((await api(s.base, 'GET', '/api/channels/live')).body, [], 'gone from the directory when the event arrives');
      assert.deepEqual(await endNotice, { kind: 'followed-ended', channel: 'lena' });
      assert.deepEqual((await api(s.base, 'GET', '/api/me/following/live', undefined, fan.token)).body, []);
    } finally {
      anon.close();
      follower.close();
    }
  });

  test("a followers-only channel's coming and going reaches its followers, not everyone", async () => {
    const star = await newStreamer(s.base, 'priv');
    assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { title: 'Members', visibility: 'followers' }, star.token)).status, 200);
    const fan = await newStreamer(s.base, 'pfan');
    assert.equal((await api(s.base, 'POST', '/api/channels/priv/follow', undefined, fan.token)).status, 200);
    const anon = await connectChat(s.base);
    const follower = await connectChat(s.base, { token: fan.token });
    const heard = collect<DirectoryEvent>(anon, 'directory');
    try {
      const noticed = nextEvent<NoticeEvent>(follower, 'notice', (n) => n.channel === 'priv' && n.kind === 'followed-live', 15_000);
      const ended = nextEvent<NoticeEvent>(follower, 'notice', (n) => n.channel === 'priv' && n.kind === 'followed-ended', 20_000);
      const pub = publish(`${s.rtmpBase}/${star.channel.streamKey}`, { seconds: 3 });
      assert.deepEqual(await noticed, { kind: 'followed-live', channel: 'priv', title: 'Members' });
      assert.deepEqual(
        (await api(s.base, 'GET', '/api/me/following/live', undefined, fan.token)).body.map((c: { name: string }) => c.name),
        ['priv'],
      );
      assert.equal(await pub.exit, 0, pub.stderr());
      await ended;
      assert.deepEqual(
        heard.filter((e) => e.channel === 'priv'),
        [],
        'nobody else heard of it',
      );
    } finally {
      anon.close();
      follower.close();
    }
  });
});

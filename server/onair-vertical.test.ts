// End to end: a channel's vertical companion (rtmp://HOST/vertical with the stream key) next to its stream, with
// real ffmpeg publishers. A wrong key and a second companion are refused; the companion alone makes no "live"
// (no chat line, no webhook, no directory entry, no replay); the API reports it while it is on air; the replay of
// the main stream keeps it (and deleting the replay deletes it); a private channel's companion needs a media token.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ApiReplay, ApiReplayDetail, ApiWebhook, PublicChannel } from './api/types.js';
import { collect, connectChat, request } from './test-support/chat-client.js';
import { sleep, waitFor } from './test-support/process.js';
import { api, newStreamer, publish, startTestServer, type TestServer } from './test-support/server.js';
import { startWebhookReceiver, type WebhookReceiver } from './test-support/webhook-receiver.js';

const verticalUrl = (s: TestServer, key: string) => `${s.rtmpBase.replace(/\/live$/, '/vertical')}/${key}`;

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

/** The URIs of a playlist's lines that are not tags. */
const uris = (m3u8: string) => m3u8.split('\n').filter((l) => l && !l.startsWith('#'));

describe('vertical companion', { timeout: 240_000 }, () => {
  let s: TestServer;
  let hooks: WebhookReceiver;
  before(async () => {
    s = await startTestServer({ ONAIR_GRACE_SECONDS: '0', ONAIR_WEBHOOKS_ALLOW_PRIVATE: '1', ONAIR_PUBLIC_URL: 'http://live.example.com:8080' });
    hooks = await startWebhookReceiver();
  });
  after(async () => {
    await s?.stop();
    await hooks?.close();
  });

  test('refused with a wrong key or as a second companion; alone it is not "live"; the replay keeps it', async () => {
    const { token, channel } = await newStreamer(s.base, 'vera');
    const hook = await api<ApiWebhook>(
      s.base,
      'POST',
      '/api/me/webhooks',
      { url: hooks.url('/vera'), format: 'json', events: ['live', 'ended'] },
      token,
    );
    assert.equal(hook.status, 201);
    const lives: string[] = [];
    s.streams.on('live', (e) => lives.push(e.channel));
    const chat = await connectChat(s.base);
    const systems = collect<{ kind: string }>(chat, 'system');
    assert.equal((await request(chat, 'join', { channel: 'vera' })).ok, true);
    try {
      const wrong = publish(verticalUrl(s, 'not-the-key'), { seconds: 2 });
      assert.notEqual(await wrong.exit, 0, 'a wrong key is refused');

      const companion = publish(verticalUrl(s, channel.streamKey), { size: '720x1280', seconds: 16 });
      const on = await waitFor(
        'the vertical companion in the API',
        async () => {
          const c = (await api<PublicChannel>(s.base, 'GET', '/api/channels/vera')).body;
          return c.vertical && c.vertical.width > 0 ? c : null;
        },
        15_000,
        200,
      );
      assert.deepEqual(on.vertical, { hlsUrl: 'http://live.example.com:8080/hls/vera/vertical/index.m3u8', width: 720, height: 1280 });
      assert.equal(on.live, false, 'the companion alone is not the channel going live');
      const master = await waitFor(
        'its alias playlist',
        async () => ((await get(`${s.base}/hls/vera/vertical/index.m3u8`)).status === 200 ? true : null),
        10_000,
        200,
      );
      assert.ok(master);
      assert.equal((await get(`${s.base}/hls/vera/index.m3u8`)).status, 404, 'the main alias has no stream');

      const second = publish(verticalUrl(s, channel.streamKey), { seconds: 2 });
      assert.notEqual(await second.exit, 0, 'one companion per channel');
      assert.deepEqual((await api(s.base, 'GET', '/api/channels/live')).body, []);

      const main = publish(`${s.rtmpBase}/${channel.streamKey}`, { size: '1280x720', seconds: 6 });
      const replay = await waitFor(
        'the replay',
        async () => {
          const list = (await api<ApiReplay[]>(s.base, 'GET', '/api/channels/vera/replays')).body;
          return list.length ? list : null;
        },
        30_000,
        250,
      );
      assert.equal(await main.exit, 0, main.stderr());
      assert.equal(replay.length, 1, 'one replay: the companion is not a stream of its own');
      assert.equal(await companion.exit, 0, companion.stderr());
      await waitFor(
        'the vertical field gone',
        async () => ((await api<PublicChannel>(s.base, 'GET', '/api/channels/vera')).body.vertical === null ? true : null),
        10_000,
        200,
      );

      const detail = await waitFor(
        'the replay detail with its vertical',
        async () => {
          const r = (await api<ApiReplayDetail>(s.base, 'GET', `/api/replays/${replay[0].id}`)).body;
          return r.vertical ? r : null;
        },
        10_000,
        200,
      );
      assert.equal(detail.vertical!.width, 720);
      assert.equal(detail.vertical!.height, 1280);
      const verticalId = /\/vod\/([^/]+)\/index\.m3u8$/.exec(detail.vertical!.hlsUrl)![1];
      assert.notEqual(verticalId, replay[0].id);
      const vMaster = await get(`${s.base}/vod/${verticalId}/index.m3u8`);
      assert.equal(vMaster.status, 200, vMaster.text);
      const vMedia = await get(`${s.base}/vod/${verticalId}/${uris(vMaster.text).find((u) => u.includes('video'))}`);
      assert.equal(vMedia.status, 200);
      assert.match(vMedia.text, /#EXT-X-ENDLIST/);

      // The lifecycle heard the main stream only: one "live", one "ended", in chat and in the webhooks.
      await hooks.next((h) => h.body?.event === 'ended', 10_000);
      await sleep(500);
      assert.deepEqual(lives, ['vera']);
      assert.deepEqual(
        hooks.received.filter((h) => h.path === '/vera').map((h) => h.body.event),
        ['live', 'ended'],
      );
      assert.deepEqual(
        systems.map((m) => m.kind),
        ['live', 'ended'],
      );

      assert.equal((await api(s.base, 'DELETE', `/api/replays/${replay[0].id}`, undefined, token)).status, 204);
      await waitFor('the companion folder deleted', async () => (existsSync(path.join(s.streams.mediaDir, verticalId)) ? null : true), 5000, 100);
    } finally {
      chat.close();
    }
  });

  test("a private channel's companion needs a media token, like its stream", async () => {
    const { token, channel } = await newStreamer(s.base, 'pvert');
    assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, token)).status, 200);
    const companion = publish(verticalUrl(s, channel.streamKey), { size: '360x640', seconds: 8 });
    try {
      const mt = await api(s.base, 'GET', '/api/channels/pvert/media-token', undefined, token);
      assert.equal(mt.status, 200);
      const t = encodeURIComponent(mt.body.token);
      const owner = await waitFor(
        'the owner sees the vertical',
        async () => {
          const c = (await api<PublicChannel>(s.base, 'GET', '/api/channels/pvert', undefined, token)).body;
          return c.vertical && c.vertical.width > 0 ? c : null;
        },
        15_000,
        200,
      );
      assert.equal(owner.vertical!.height, 640);
      assert.equal((await api<PublicChannel>(s.base, 'GET', '/api/channels/pvert')).body.vertical, null, 'a stranger is not told');
      assert.equal((await get(`${s.base}/hls/pvert/vertical/index.m3u8`)).status, 403);
      const master = await waitFor(
        'the private alias with a token',
        async () => {
          const r = await get(`${s.base}/hls/pvert/vertical/index.m3u8?t=${t}`);
          return r.status === 200 ? r.text : null;
        },
        10_000,
        200,
      );
      const media = uris(master).find((u) => u.includes('video'))!;
      assert.match(media, /^\/vod\/[A-Za-z0-9_-]+\/.*\?t=/, 'the token is carried into the stream folder');
      assert.equal((await get(`${s.base}${media}`)).status, 200);
      assert.equal((await get(`${s.base}${media.split('?')[0]}`)).status, 403);
      assert.ok(!s.logs().includes(channel.streamKey), 'the stream key is never logged');
    } finally {
      companion.proc.kill('SIGKILL');
      await companion.exit;
    }
  });

  test('a regenerated stream key drops the companion', async () => {
    const { token, channel } = await newStreamer(s.base, 'rekey');
    const companion = publish(verticalUrl(s, channel.streamKey), { size: '360x640', seconds: 60 });
    try {
      await waitFor('the companion on air', () => s.streams.vertical('rekey')?.segments, 15_000, 100);
      assert.equal((await api(s.base, 'POST', '/api/me/channel/stream-key', undefined, token)).status, 200);
      const code = await Promise.race([companion.exit, sleep(10_000).then(() => 'still publishing')]);
      assert.notEqual(code, 'still publishing');
      await waitFor(
        'the vertical field gone',
        async () => ((await api<PublicChannel>(s.base, 'GET', '/api/channels/rekey')).body.vertical === null ? true : null),
        5000,
        100,
      );
    } finally {
      companion.proc.kill('SIGKILL');
      await companion.exit;
    }
  });

  test("an interrupted companion's folder gets its final playlists and never becomes a replay", async () => {
    const { channel } = await newStreamer(s.base, 'crashy');
    const companion = publish(verticalUrl(s, channel.streamKey), { size: '360x640', seconds: 30 });
    try {
      const live = await waitFor(
        'the companion on air',
        () => ((s.streams.vertical('crashy')?.segments ?? 0) >= 2 ? s.streams.vertical('crashy') : null),
        15_000,
        100,
      );
      // What a killed process leaves: the folder with its header and journal, no final playlists.
      const copyId = 'crashedVert1';
      const copy = path.join(s.streams.mediaDir, copyId);
      live.packager.writePending();
      await sleep(200);
      cpSync(live.dir, copy, { recursive: true });
      rmSync(path.join(copy, 'index.m3u8'), { force: true });
      const header = JSON.parse(readFileSync(path.join(copy, 'stream.json'), 'utf8'));
      writeFileSync(path.join(copy, 'stream.json'), JSON.stringify({ ...header, streamId: copyId }));
      assert.deepEqual(await s.recoverInterrupted(0), []);
      assert.ok(existsSync(path.join(copy, 'index.m3u8')), 'its final playlists are written');
      assert.match(readFileSync(path.join(copy, 'video.m3u8'), 'utf8'), /#EXT-X-ENDLIST/);
      assert.deepEqual((await api(s.base, 'GET', '/api/channels/crashy/replays')).body, []);
    } finally {
      companion.proc.kill('SIGKILL');
      await companion.exit;
    }
  });
});

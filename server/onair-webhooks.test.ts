// End to end: channel webhooks on a real server with real ffmpeg publishers and real HTTP receivers on loopback.
// Both formats arrive on live and on ended with the right bodies; a 500 is retried with backoff under one delivery
// id; a private channel's webhooks carry no title; a receiver that never answers delays nothing else (the other
// webhook, the follower's notice, the stream, its replay, the server's stop); webhook tokens stay out of the log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiWebhook } from './api/types.js';
import { connectChat, nextEvent } from './test-support/chat-client.js';
import { waitFor } from './test-support/process.js';
import { api, newStreamer, publish, startTestServer, type TestServer } from './test-support/server.js';
import { startWebhookReceiver, type ReceivedHook, type WebhookReceiver } from './test-support/webhook-receiver.js';

const PUBLIC_URL = 'http://live.example.com:8080';
const SETTINGS = {
  ONAIR_GRACE_SECONDS: '0',
  ONAIR_WEBHOOKS_ALLOW_PRIVATE: '1',
  ONAIR_THUMBNAIL_SECONDS: '2',
  ONAIR_PUBLIC_URL: PUBLIC_URL,
};
/** A Discord-like path: the token is the secret part of the URL. */
const discordPath = (name: string) => `/api/webhooks/1234567890/${name}-DiscordTokenSecretXYZ`;

/** Resolves with Date.now() when the server's media layer reports `event` for `channel`. */
function when(s: TestServer, event: 'live' | 'ended', channel: string): Promise<{ at: number; streamId: string }> {
  return new Promise((resolve) => {
    const on = (e: { channel: string; streamId: string }) => {
      if (e.channel !== channel) return;
      s.streams.off(event, on);
      resolve({ at: Date.now(), streamId: e.streamId });
    };
    s.streams.on(event, on);
  });
}

async function addWebhook(s: TestServer, token: string, url: string, format: 'json' | 'discord', events = ['live', 'ended']) {
  const r = await api<ApiWebhook>(s.base, 'POST', '/api/me/webhooks', { url, format, events }, token);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const eventOf = (event: string) => (h: ReceivedHook) => h.body?.event === event || h.body?.content?.includes(event === 'live' ? 'is live' : 'ended');

describe('channel webhooks with real publishers', { timeout: 180_000 }, () => {
  let s: TestServer;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (...a: Parameters<typeof startWebhookReceiver>) => {
    const r = await startWebhookReceiver(...a);
    receivers.push(r);
    return r;
  };
  before(async () => {
    s = await startTestServer(SETTINGS);
  });
  after(async () => {
    await s?.stop();
    for (const r of receivers) await r.close();
  });

  test('a public channel: the JSON and Discord bodies on live and ended, masked in the API, tokens out of the log', async () => {
    const { token, channel } = await newStreamer(s.base, 'pia');
    assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { title: 'Friday build', tags: ['music', 'Speed Run'] }, token)).status, 200);
    const r = await receiver();
    const json = await addWebhook(s, token, r.url('/json/secret-json-token-0123456789'), 'json');
    const discord = await addWebhook(s, token, r.url(discordPath('pia')), 'discord');
    assert.equal(json.url, `${new URL(r.url('/')).origin}/…6789`);
    assert.ok(!JSON.stringify(discord).includes('DiscordTokenSecret'), 'the API never shows the token');

    const live = when(s, 'live', 'pia');
    const ended = when(s, 'ended', 'pia');
    const pub = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 4 });
    const { at: liveAt, streamId } = await live;
    const jsonLive = await r.next((h) => h.path.startsWith('/json/') && h.body.event === 'live');
    const discordLive = await r.next((h) => h.path.startsWith('/api/webhooks/') && eventOf('live')(h));
    assert.ok(jsonLive.at - liveAt < 2000, `JSON live ${jsonLive.at - liveAt} ms after going live`);
    assert.ok(discordLive.at - liveAt < 2000, `Discord live ${discordLive.at - liveAt} ms after going live`);

    const { deliveryId, startedAt, ...rest } = jsonLive.body;
    assert.deepEqual(rest, {
      event: 'live',
      channel: 'pia',
      visibility: 'public',
      url: `${PUBLIC_URL}/c/pia`,
      title: 'Friday build',
      tags: ['music', 'speed run'],
      thumbnail: `${PUBLIC_URL}/hls/pia/thumb.jpg`,
    });
    assert.match(deliveryId, /^[0-9a-f-]{36}$/);
    assert.ok(Math.abs(Date.parse(startedAt) - liveAt) < 2000, startedAt);
    assert.equal(jsonLive.headers['x-onair-event'], 'live');
    assert.equal(jsonLive.headers['x-onair-delivery'], deliveryId);
    assert.equal(jsonLive.headers['content-type'], 'application/json');
    assert.match(String(jsonLive.headers['user-agent']), /^Onair-Webhook\//);

    assert.equal(discordLive.body.content, '**pia** is live: Friday build');
    assert.deepEqual(discordLive.body.allowed_mentions, { parse: [] });
    const [embed] = discordLive.body.embeds;
    assert.equal(embed.title, 'Friday build');
    assert.equal(embed.url, `${PUBLIC_URL}/c/pia`);
    assert.deepEqual(embed.image, { url: `${PUBLIC_URL}/hls/pia/thumb.jpg` });
    assert.deepEqual(embed.fields, [{ name: 'Tags', value: 'music · speed run', inline: true }]);

    assert.equal(await pub.exit, 0, pub.stderr());
    const { at: endedAt } = await ended;
    const jsonEnded = await r.next((h) => h.path.startsWith('/json/') && h.body.event === 'ended');
    const discordEnded = await r.next((h) => h.path.startsWith('/api/webhooks/') && eventOf('ended')(h));
    assert.ok(jsonEnded.at - endedAt < 2000, `JSON ended ${jsonEnded.at - endedAt} ms after the end`);
    assert.equal(jsonEnded.body.channel, 'pia');
    assert.equal(jsonEnded.body.replayUrl, `${PUBLIC_URL}/replay/${streamId}`);
    assert.equal(jsonEnded.body.thumbnail, `${PUBLIC_URL}/vod/${streamId}/thumb.jpg`);
    assert.ok(jsonEnded.body.durationSeconds > 2 && jsonEnded.body.durationSeconds < 6, String(jsonEnded.body.durationSeconds));
    assert.ok(Date.parse(jsonEnded.body.endedAt) >= Date.parse(jsonEnded.body.startedAt));
    assert.notEqual(jsonEnded.body.deliveryId, deliveryId);
    assert.match(discordEnded.body.content, /^\*\*pia\*\*'s stream ended \(0:0\d\)\.$/);
    assert.match(discordEnded.body.embeds[0].description, new RegExp(`\\[Watch the replay\\]\\(${PUBLIC_URL}/replay/${streamId}\\)`));
    assert.equal(r.received.length, 4, 'one request per webhook and event');

    const list = await waitFor('both deliveries recorded', async () => {
      const l = (await api<ApiWebhook[]>(s.base, 'GET', '/api/me/webhooks', undefined, token)).body;
      return l.every((w) => w.lastDelivery?.event === 'ended') && l;
    });
    for (const w of list)
      assert.deepEqual({ ...w.lastDelivery, at: 'x' }, { event: 'ended', at: 'x', ok: true, status: 204, error: null, attempts: 1, retrying: false });

    const logs = s.logs();
    assert.match(logs, /webhook delivered/);
    for (const secret of ['DiscordTokenSecret', 'secret-json-token', '/api/webhooks/']) assert.ok(!logs.includes(secret), `the log shows ${secret}`);
  });

  test('a 500 is retried after 1 s and 2 s under one delivery id, and the API shows each attempt', async () => {
    const { token, channel } = await newStreamer(s.base, 'rita');
    const r = await receiver((n) => (n < 2 ? 500 : 204));
    await addWebhook(s, token, r.url('/hook'), 'json', ['live']);
    const pub = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 8 });
    try {
      await r.next(() => true);
      const retrying = await waitFor('the first failure recorded', async () => {
        const [w] = (await api<ApiWebhook[]>(s.base, 'GET', '/api/me/webhooks', undefined, token)).body;
        return w.lastDelivery && w;
      });
      assert.deepEqual(
        { ...retrying.lastDelivery, at: 'x' },
        { event: 'live', at: 'x', ok: false, status: 500, error: 'answered 500', attempts: 1, retrying: true },
      );
      await waitFor('three attempts', () => r.received.length >= 3, 10_000);
      const [a, b, c] = r.received;
      assert.ok(b.at - a.at >= 900 && b.at - a.at < 2500, `first retry after ${b.at - a.at} ms`);
      assert.ok(c.at - b.at >= 1900 && c.at - b.at < 3500, `second retry after ${c.at - b.at} ms`);
      assert.equal(new Set(r.received.map((h) => h.body.deliveryId)).size, 1, 'one delivery id for every attempt');
      const done = await waitFor('the success recorded', async () => {
        const [w] = (await api<ApiWebhook[]>(s.base, 'GET', '/api/me/webhooks', undefined, token)).body;
        return w.lastDelivery?.ok && w;
      });
      assert.deepEqual([done.lastDelivery?.status, done.lastDelivery?.attempts, done.lastDelivery?.retrying], [204, 3, false]);
    } finally {
      pub.proc.kill('SIGKILL');
      await pub.exit;
    }
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(r.received.length, 3, 'the "ended" event was not asked for: nothing more was sent');
  });

  test("a followers-only channel's webhooks carry its name, link and times, never its title or tags", async () => {
    const { token, channel } = await newStreamer(s.base, 'vera');
    const patch = await api(s.base, 'PATCH', '/api/me/channel', { title: 'Secret plans', tags: ['hidden'], visibility: 'followers' }, token);
    assert.equal(patch.status, 200);
    const r = await receiver();
    await addWebhook(s, token, r.url('/json'), 'json');
    await addWebhook(s, token, r.url(discordPath('vera')), 'discord');
    const pub = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 3 });
    assert.equal(await pub.exit, 0, pub.stderr());
    await waitFor('four deliveries', () => r.received.length >= 4, 15_000);
    const jsonLive = r.received.find((h) => h.path === '/json' && h.body.event === 'live')!;
    assert.deepEqual(Object.keys(jsonLive.body).sort(), ['channel', 'deliveryId', 'event', 'startedAt', 'url', 'visibility']);
    assert.equal(jsonLive.body.visibility, 'followers');
    assert.equal(jsonLive.body.url, `${PUBLIC_URL}/c/vera`);
    const jsonEnded = r.received.find((h) => h.path === '/json' && h.body.event === 'ended')!;
    assert.deepEqual(Object.keys(jsonEnded.body).sort(), [
      'channel',
      'deliveryId',
      'durationSeconds',
      'endedAt',
      'event',
      'startedAt',
      'url',
      'visibility',
    ]);
    for (const h of r.received) {
      const text = JSON.stringify(h.body);
      for (const secret of ['Secret plans', 'hidden', 'thumb.jpg', '/replay/']) assert.ok(!text.includes(secret), `${h.path} sent ${secret}`);
    }
    const discordLive = r.received.find((h) => h.path.startsWith('/api/') && h.body.content.includes('is live'))!;
    assert.equal(discordLive.body.content, '**vera** is live');
    assert.equal(discordLive.body.embeds[0].description, 'Followers only: sign in to watch.');
  });

  test('"send test" delivers one sample now and keeps its outcome; it is rate limited', async () => {
    const { token } = await newStreamer(s.base, 'tess');
    const r = await receiver();
    const w = await addWebhook(s, token, r.url(discordPath('tess')), 'discord');
    const sent = await api(s.base, 'POST', `/api/me/webhooks/${w.id}/test`, undefined, token);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.deepEqual(
      { ...sent.body.delivery, at: 'x' },
      { event: 'test', at: 'x', ok: true, status: 204, error: null, attempts: 1, retrying: false },
    );
    assert.equal(r.received.length, 1);
    assert.equal(r.received[0].headers['x-onair-event'], 'test');
    assert.match(r.received[0].body.content, /^Test from Onair: \*\*tess\*\*'s live and ended notices will arrive here\.$/);
    const [listed] = (await api<ApiWebhook[]>(s.base, 'GET', '/api/me/webhooks', undefined, token)).body;
    assert.equal(listed.lastDelivery?.event, 'test');
    // A receiver that is gone: the answer says so in words, 200 all the same (the request itself worked).
    await r.close();
    const gone = await api(s.base, 'POST', `/api/me/webhooks/${w.id}/test`, undefined, token);
    assert.equal(gone.status, 200);
    assert.deepEqual([gone.body.delivery.ok, gone.body.delivery.status, gone.body.delivery.error], [false, null, 'connection refused']);
    let limited;
    for (let i = 0; i < 12 && !limited; i++) {
      const t = await api(s.base, 'POST', `/api/me/webhooks/${w.id}/test`, undefined, token);
      if (t.status === 429) limited = t;
    }
    assert.ok(limited, 'test sends are limited');
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });
});

describe('a webhook receiver that never answers', { timeout: 120_000 }, () => {
  test('delays nothing else: the other webhook, the follower notice, the stream, the end, the replay, the stop', async () => {
    const s = await startTestServer(SETTINGS);
    const hang = await startWebhookReceiver(() => 'hang');
    const good = await startWebhookReceiver();
    let stopped = false;
    try {
      const { token, channel } = await newStreamer(s.base, 'hugo');
      const fan = await newStreamer(s.base, 'fan');
      assert.equal((await api(s.base, 'POST', '/api/channels/hugo/follow', undefined, fan.token)).status, 200);
      // The hanging one first: it is asked first, every time.
      const stuck = await addWebhook(s, token, hang.url('/stuck'), 'json');
      await addWebhook(s, token, good.url('/ok'), 'json');
      const chat = await connectChat(s.base, { token: fan.token });
      try {
        const live = when(s, 'live', 'hugo');
        const ended = when(s, 'ended', 'hugo');
        const notice = nextEvent(chat, 'notice', (n: any) => n.kind === 'followed-live' && n.channel === 'hugo', 10_000).then(() => Date.now());
        const pub = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 7 });
        const { at: liveAt, streamId } = await live;
        const goodLive = await good.next((h) => h.body.event === 'live', 5000);
        assert.ok(goodLive.at - liveAt < 2000, `the other webhook ${goodLive.at - liveAt} ms after going live`);
        assert.ok((await notice) - liveAt < 2000, 'the follower heard at once');
        await hang.next(() => true, 5000);
        const playlist = await waitFor('the live playlist', async () => {
          const res = await fetch(`${s.base}/hls/hugo/index.m3u8`);
          return res.status === 200 && (await res.text());
        });
        assert.match(playlist, /#EXTM3U/);
        // The hanging receiver's first attempt runs out after 5 s and is retried.
        const timedOut = await waitFor(
          'the timeout recorded',
          async () => {
            const list = (await api<ApiWebhook[]>(s.base, 'GET', '/api/me/webhooks', undefined, token)).body;
            return list.find((w) => w.id === stuck.id && w.lastDelivery?.error)?.lastDelivery;
          },
          9000,
        );
        assert.deepEqual([timedOut.ok, timedOut.status, timedOut.error, timedOut.retrying], [false, null, 'no answer within 5 s', true]);
        assert.equal(await pub.exit, 0, pub.stderr());
        const { at: endedAt } = await ended;
        const goodEnded = await good.next((h) => h.body.event === 'ended', 5000);
        assert.ok(goodEnded.at - endedAt < 2000, `the other webhook heard the end ${goodEnded.at - endedAt} ms after it`);
        const recorded = Date.now();
        await s.replayRecorded(streamId);
        assert.ok(Date.now() - recorded < 2000, 'the replay was recorded without waiting');
        assert.equal((await api(s.base, 'GET', '/api/channels/hugo/replays')).body.length, 1);
      } finally {
        chat.close();
      }
      const t0 = Date.now();
      await s.stop();
      stopped = true;
      assert.ok(Date.now() - t0 < 5000, `the server stopped in ${Date.now() - t0} ms with a delivery hanging`);
      assert.ok(!s.logs().includes('/stuck'), 'no webhook path in the log');
    } finally {
      if (!stopped) await s.stop();
      await hang.close();
      await good.close();
    }
  });
});

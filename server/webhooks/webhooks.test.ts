// The webhook parts on their own: what a webhook URL may be and how it is shown, the bodies for public and private
// channels in both formats, and one POST against real loopback receivers (an answer, a refusal, a hang, a
// private address refused).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DbError } from '../db/errors.js';
import { startWebhookReceiver } from '../test-support/webhook-receiver.js';
import { isPrivateAddress, isPrivateHost } from './addresses.js';
import { postJson } from './deliver.js';
import { maskWebhookUrl, parseWebhookEvents, parseWebhookFormat, parseWebhookUrl, webhookTarget } from './input.js';
import { discordEscape, discordPayload, jsonPayload, spokenDuration, type StreamNews } from './payloads.js';

const DISCORD = 'https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_secretTOKEN';

const refusedWith = (re: RegExp) => (e: unknown) =>
  e instanceof DbError && e.code === 'invalid_webhook' && re.test(e.message) && !e.message.includes('secret');

describe('webhook input', () => {
  test('accepts http(s) URLs and keeps them whole (fragment dropped)', () => {
    assert.equal(parseWebhookUrl(` ${DISCORD} `, false), DISCORD);
    assert.equal(parseWebhookUrl('http://example.com:8080/hook?k=v#frag', false), 'http://example.com:8080/hook?k=v');
  });

  test('refuses what is not an http(s) URL, with the reason and without quoting it', () => {
    assert.throws(() => parseWebhookUrl(undefined, false), refusedWith(/http:\/\/ or https:\/\//));
    assert.throws(() => parseWebhookUrl('', false), refusedWith(/http:\/\/ or https:\/\//));
    assert.throws(() => parseWebhookUrl('not a url secret', false), refusedWith(/not a valid web address/));
    assert.throws(() => parseWebhookUrl('ftp://example.com/secret', false), refusedWith(/Only http:\/\/ and https:\/\//));
    assert.throws(() => parseWebhookUrl('javascript:alert(1)//secret', false), refusedWith(/Only http/));
    assert.throws(() => parseWebhookUrl(`https://example.com/${'x'.repeat(2000)}`, false), refusedWith(/at most 2000 characters/));
  });

  test('refuses this machine and private networks unless the operator allows them', () => {
    for (const u of [
      'http://127.0.0.1:9/x',
      'http://localhost/x',
      'http://[::1]/x',
      'http://10.1.2.3/x',
      'http://192.168.0.10/x',
      'http://169.254.169.254/latest',
      'http://0x7f.1/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://[fd00::1]/x',
    ]) {
      assert.throws(() => parseWebhookUrl(u, false), refusedWith(/private network/), u);
      assert.doesNotThrow(() => parseWebhookUrl(u, true), u);
    }
    assert.equal(isPrivateAddress('8.8.8.8'), false);
    assert.equal(isPrivateAddress('2606:4700::1111'), false);
    assert.equal(isPrivateAddress('172.31.255.255'), true);
    assert.equal(isPrivateAddress('172.32.0.1'), false);
    assert.equal(isPrivateHost('example.com'), false);
    assert.equal(isPrivateHost('app.localhost'), true);
  });

  test('format and events', () => {
    assert.equal(parseWebhookFormat('discord'), 'discord');
    assert.equal(parseWebhookFormat('json'), 'json');
    assert.throws(() => parseWebhookFormat('slack'), refusedWith(/"json", "discord"/));
    assert.deepEqual(parseWebhookEvents(['ended', 'live', 'ended']), ['live', 'ended']);
    for (const bad of [[], ['started'], 'live', [1], null])
      assert.throws(() => parseWebhookEvents(bad), refusedWith(/events must be/), JSON.stringify(bad));
  });

  test('shown masked (the token stays hidden), logged as the origin alone', () => {
    assert.equal(maskWebhookUrl(DISCORD), 'https://discord.com/…OKEN');
    assert.equal(maskWebhookUrl('http://example.com:8080/hook'), 'http://example.com:8080/…');
    assert.equal(maskWebhookUrl('https://user:pw@example.com/'), 'https://example.com/');
    assert.equal(webhookTarget(DISCORD), 'https://discord.com');
  });
});

const news = (over: Partial<StreamNews> = {}): StreamNews => ({
  event: 'live',
  channel: { name: 'alice', title: 'Friday *build* @everyone', visibility: 'public', tags: ['music', 'coding'] },
  streamId: 'AbCdEfGhIjKl',
  startedAt: Date.parse('2030-01-02T03:04:05Z'),
  thumbnails: true,
  base: { web: 'https://live.example.com', rtmp: 'rtmp://live.example.com/live' },
  deliveryId: 'd-1',
  ...over,
});

describe('webhook bodies', () => {
  test('JSON for a public channel: title, tags, thumbnail, links', () => {
    assert.deepEqual(jsonPayload(news()), {
      event: 'live',
      channel: 'alice',
      visibility: 'public',
      url: 'https://live.example.com/c/alice',
      title: 'Friday *build* @everyone',
      tags: ['music', 'coding'],
      thumbnail: 'https://live.example.com/hls/alice/thumb.jpg',
      startedAt: '2030-01-02T03:04:05.000Z',
      deliveryId: 'd-1',
    });
    const ended = jsonPayload(news({ event: 'ended', endedAt: Date.parse('2030-01-02T04:04:05Z'), durationSeconds: 3599.96, hasReplay: true }));
    assert.equal(ended.endedAt, '2030-01-02T04:04:05.000Z');
    assert.equal(ended.durationSeconds, 3600);
    assert.equal(ended.replayUrl, 'https://live.example.com/replay/AbCdEfGhIjKl');
    assert.equal(ended.thumbnail, 'https://live.example.com/vod/AbCdEfGhIjKl/thumb.jpg');
    assert.equal(jsonPayload(news({ thumbnails: false })).thumbnail, undefined);
  });

  test('a channel that is not public gives away its name, link and times only', () => {
    for (const visibility of ['followers', 'invite'] as const) {
      const n = news({ channel: { name: 'alice', title: 'Secret plans', visibility, tags: ['hidden'] } });
      const body = jsonPayload(n);
      assert.deepEqual(Object.keys(body).sort(), ['channel', 'deliveryId', 'event', 'startedAt', 'url', 'visibility']);
      const ended = jsonPayload({ ...n, event: 'ended', endedAt: n.startedAt + 1000, durationSeconds: 1, hasReplay: true });
      assert.deepEqual(Object.keys(ended).sort(), ['channel', 'deliveryId', 'durationSeconds', 'endedAt', 'event', 'startedAt', 'url', 'visibility']);
      const discord = JSON.stringify(discordPayload(n));
      for (const secret of ['Secret plans', 'hidden', 'thumb.jpg', '/replay/']) assert.ok(!discord.includes(secret), `${visibility}: ${secret}`);
    }
  });

  test('Discord: content and an embed, markdown escaped, nobody pinged', () => {
    const d = discordPayload(news());
    assert.equal(d.content, '**alice** is live: Friday \\*build\\* @everyone');
    assert.deepEqual(d.allowed_mentions, { parse: [] });
    assert.equal(d.embeds.length, 1);
    const [e] = d.embeds;
    assert.equal(e.title, 'Friday *build* @everyone');
    assert.equal(e.url, 'https://live.example.com/c/alice');
    assert.deepEqual(e.image, { url: 'https://live.example.com/hls/alice/thumb.jpg' });
    assert.deepEqual(e.fields, [{ name: 'Tags', value: 'music · coding', inline: true }]);
    const ended = discordPayload(news({ event: 'ended', durationSeconds: 3725, endedAt: Date.now(), hasReplay: true }));
    assert.equal(ended.content, "**alice**'s stream ended (1:02:05).");
    assert.match(ended.embeds[0].description, /\[Watch the replay\]\(https:\/\/live\.example\.com\/replay\/AbCdEfGhIjKl\)/);
    const priv = discordPayload(news({ channel: { name: 'bob', title: 'x', visibility: 'followers', tags: [] } }));
    assert.equal(priv.content, '**bob** is live');
    assert.equal(priv.embeds[0].title, 'bob is live');
    assert.equal(priv.embeds[0].description, 'Followers only: sign in to watch.');
    assert.equal(discordEscape('a_b|c'), 'a\\_b\\|c');
    assert.equal(spokenDuration(65), '1:05');
  });
});

describe('one webhook POST', () => {
  const opts = { timeoutMs: 1000, allowPrivate: true, headers: { 'x-onair-event': 'test' } };

  test('delivers the JSON body; a 2xx is ok, a 500 is worth retrying, a 404 is not', async () => {
    const statuses = [204, 500, 404];
    const r = await startWebhookReceiver((n) => statuses[n] ?? 200);
    try {
      assert.deepEqual(await postJson(r.url('/a?b=c'), { hello: 'world' }, opts), { ok: true, status: 204, error: null, retryable: false });
      const h = r.received[0];
      assert.equal(h.method, 'POST');
      assert.equal(h.path, '/a?b=c');
      assert.equal(h.headers['content-type'], 'application/json');
      assert.equal(h.headers['x-onair-event'], 'test');
      assert.deepEqual(h.body, { hello: 'world' });
      const five = await postJson(r.url('/a'), {}, opts);
      assert.deepEqual([five.ok, five.status, five.retryable, five.error], [false, 500, true, 'answered 500']);
      const four = await postJson(r.url('/a'), {}, opts);
      assert.deepEqual([four.ok, four.status, four.retryable], [false, 404, false]);
    } finally {
      await r.close();
    }
  });

  test('a receiver that never answers costs the deadline and no more', async () => {
    const r = await startWebhookReceiver(() => 'hang');
    try {
      const t0 = Date.now();
      const o = await postJson(r.url('/slow'), {}, opts);
      const took = Date.now() - t0;
      assert.deepEqual([o.ok, o.status, o.retryable, o.error], [false, null, true, 'no answer within 1 s']);
      assert.ok(took >= 950 && took < 2500, `took ${took} ms`);
    } finally {
      await r.close();
    }
  });

  test('private addresses are refused where the connection is made, names included', async () => {
    const r = await startWebhookReceiver();
    try {
      const strict = { ...opts, allowPrivate: false };
      const literal = await postJson(r.url('/x'), {}, strict);
      assert.deepEqual([literal.ok, literal.retryable], [false, false]);
      assert.match(literal.error ?? '', /private network/);
      const port = new URL(r.url('/')).port;
      const named = await postJson(`http://localhost:${port}/x`, {}, strict);
      assert.deepEqual([named.ok, named.retryable], [false, false]);
      assert.match(named.error ?? '', /private network/);
      assert.equal(r.received.length, 0, 'nothing reached the receiver');
      // Allowed, the same name resolves and connects.
      assert.equal((await postJson(`http://localhost:${port}/x`, {}, opts)).ok, true);
      assert.equal(r.received.length, 1);
      const refused = await postJson('http://127.0.0.1:1/x', {}, opts);
      assert.deepEqual([refused.ok, refused.error, refused.retryable], [false, 'connection refused', true]);
    } finally {
      await r.close();
    }
  });
});

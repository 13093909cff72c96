// /api/me/webhooks on a real server (PostgreSQL) with the default settings: only the signed-in owner reaches their
// webhooks (401 without a sign-in, 404 for anyone else's), bad input is answered 400 with the reason and never with
// the URL, private addresses are refused, URLs come back masked, and a channel holds at most 10.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiWebhook } from '../api/types.js';
import { api, newStreamer, startTestServer, type TestServer } from '../test-support/server.js';

const TOKEN = 'AbCdEfGhSecretWebhookToken0123456789';
const DISCORD = `https://discord.com/api/webhooks/1234567890/${TOKEN}`;

describe('webhooks API', () => {
  let s: TestServer;
  let owner: string;
  let other: string;
  before(async () => {
    s = await startTestServer({}, { db: 'postgres' });
    owner = (await newStreamer(s.base, 'wendy')).token;
    other = (await newStreamer(s.base, 'oscar')).token;
  });
  after(() => s?.stop());

  const call = (method: string, url: string, body?: unknown, token?: string) => api(s.base, method, url, body, token);

  test('without a sign-in every route answers 401', async () => {
    for (const [method, url] of [
      ['GET', '/api/me/webhooks'],
      ['POST', '/api/me/webhooks'],
      ['PATCH', '/api/me/webhooks/1'],
      ['DELETE', '/api/me/webhooks/1'],
      ['POST', '/api/me/webhooks/1/test'],
    ]) {
      const r = await call(method, url, method === 'GET' || method === 'DELETE' ? undefined : { url: DISCORD, format: 'discord', events: ['live'] });
      assert.equal(r.status, 401, `${method} ${url}`);
      assert.equal(r.body.error.code, 'unauthorized');
    }
  });

  test('bad input is refused with the reason, never quoting the URL', async () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /Send a JSON object/],
      [[1, 2], /Send a JSON object/],
      [{ format: 'discord', events: ['live'] }, /url must be an http/],
      [{ url: `not a url ${TOKEN}`, format: 'json', events: ['live'] }, /not a valid web address/],
      [{ url: `ftp://example.com/${TOKEN}`, format: 'json', events: ['live'] }, /Only http:\/\/ and https:\/\//],
      [{ url: `https://example.com/${'x'.repeat(2000)}`, format: 'json', events: ['live'] }, /at most 2000 characters/],
      [{ url: `http://127.0.0.1:8080/${TOKEN}`, format: 'json', events: ['live'] }, /private network/],
      [{ url: `http://192.168.1.10/${TOKEN}`, format: 'json', events: ['live'] }, /private network/],
      [{ url: `http://localhost/${TOKEN}`, format: 'json', events: ['live'] }, /private network/],
      [{ url: DISCORD, format: 'slack', events: ['live'] }, /format must be one of "json", "discord"/],
      [{ url: DISCORD, events: ['live'] }, /format must be/],
      [{ url: DISCORD, format: 'json', events: [] }, /events must be a list/],
      [{ url: DISCORD, format: 'json', events: ['started'] }, /events must be a list/],
      [{ url: DISCORD, format: 'json', events: 'live' }, /events must be a list/],
    ];
    for (const [body, message] of cases) {
      const r = await call('POST', '/api/me/webhooks', body, owner);
      assert.equal(r.status, 400, JSON.stringify(body)?.slice(0, 80));
      assert.equal(r.body.error.code, 'bad_request');
      assert.match(r.body.error.message, message);
      assert.ok(!r.body.error.message.includes(TOKEN), 'the message quotes the URL');
    }
    assert.deepEqual((await call('GET', '/api/me/webhooks', undefined, owner)).body, []);
  });

  test("the owner adds, lists, changes and deletes; URLs come back masked; anyone else's webhook is not found", async () => {
    const created = await call('POST', '/api/me/webhooks', { url: DISCORD, format: 'discord', events: ['ended', 'live'] }, owner);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const w = created.body as ApiWebhook;
    assert.deepEqual(
      { ...w, id: 0, createdAt: '' },
      { id: 0, url: 'https://discord.com/…6789', format: 'discord', events: ['live', 'ended'], createdAt: '', lastDelivery: null },
    );
    const list = await call('GET', '/api/me/webhooks', undefined, owner);
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('cache-control'), 'no-store');
    assert.deepEqual(list.body, [w]);
    assert.ok(!JSON.stringify(list.body).includes(TOKEN));

    // Someone else: the webhook does not exist for them, and their own list is empty.
    assert.deepEqual((await call('GET', '/api/me/webhooks', undefined, other)).body, []);
    for (const [method, url, body] of [
      ['PATCH', `/api/me/webhooks/${w.id}`, { events: ['live'] }],
      ['DELETE', `/api/me/webhooks/${w.id}`, undefined],
      ['POST', `/api/me/webhooks/${w.id}/test`, undefined],
    ] as const) {
      const r = await call(method, url, body, other);
      assert.equal(r.status, 404, `${method} ${url}`);
      assert.equal(r.body.error.code, 'not_found');
    }
    for (const id of ['999999', 'abc', '1.5', '-1'])
      assert.equal((await call('PATCH', `/api/me/webhooks/${id}`, { events: ['live'] }, owner)).status, 404, id);

    const changed = await call('PATCH', `/api/me/webhooks/${w.id}`, { events: ['live'], format: 'json' }, owner);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual([changed.body.events, changed.body.format, changed.body.url], [['live'], 'json', w.url]);
    const bad = await call('PATCH', `/api/me/webhooks/${w.id}`, { format: 'xml' }, owner);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /format must be/);
    const moved = await call('PATCH', `/api/me/webhooks/${w.id}`, { url: 'https://example.com/hooks/onair-1234' }, owner);
    assert.equal(moved.body.url, 'https://example.com/…1234');

    assert.equal((await call('DELETE', `/api/me/webhooks/${w.id}`, undefined, owner)).status, 204);
    assert.equal((await call('DELETE', `/api/me/webhooks/${w.id}`, undefined, owner)).status, 404);
    assert.deepEqual((await call('GET', '/api/me/webhooks', undefined, owner)).body, []);
    assert.ok(!s.logs().includes(TOKEN), 'the token is not in the log');
  });

  test('a channel holds at most 10 webhooks', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await call('POST', '/api/me/webhooks', { url: `https://example.com/hook/${i}`, format: 'json', events: ['live'] }, owner);
      assert.equal(r.status, 201);
    }
    const r = await call('POST', '/api/me/webhooks', { url: 'https://example.com/hook/10', format: 'json', events: ['live'] }, owner);
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /at most 10 webhooks; delete one first/);
    assert.equal((await call('GET', '/api/me/webhooks', undefined, owner)).body.length, 10);
  });
});

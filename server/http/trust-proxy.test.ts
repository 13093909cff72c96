// End to end over real HTTP: who a request comes from, with and without a trusted reverse proxy in front.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../test-support/server.js';

async function login(base: string, username: string, forwardedFor?: string): Promise<number> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ username, password: 'not the password' }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function stat(base: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${base}/stat`, { headers });
  await res.arrayBuffer();
  return res.status;
}

/** Five failed logins for one name from `a`; then the status of a sixth from `a` and of one from `b`. */
async function lockOut(base: string, name: string, a: string, b: string): Promise<{ fromA: number; fromB: number }> {
  for (let i = 0; i < 5; i++) assert.equal(await login(base, name, a), 401);
  return { fromA: await login(base, name, a), fromB: await login(base, name, b) };
}

describe('no proxy trusted (the default)', () => {
  let s: TestServer;
  before(async () => (s = await startTestServer()));
  after(async () => s.stop());

  test('X-Forwarded-For is ignored: the socket peer is the client', async () => {
    assert.deepEqual(await lockOut(s.base, 'nobody1', '203.0.113.1', '203.0.113.2'), { fromA: 429, fromB: 429 });
  });

  test('the operator pages open to this machine, but not to requests a local proxy forwarded', async () => {
    assert.equal(await stat(s.base), 200);
    assert.equal(await stat(s.base, { 'x-forwarded-for': '203.0.113.9' }), 403);
    assert.equal(await stat(s.base, { forwarded: 'for=203.0.113.9' }), 403);
  });
});

describe('ONAIR_TRUST_PROXY=loopback (a reverse proxy on the same machine)', () => {
  let s: TestServer;
  before(async () => (s = await startTestServer({ ONAIR_TRUST_PROXY: 'loopback' })));
  after(async () => s.stop());

  test('login limits count the forwarded client, so one client locked out leaves the others alone', async () => {
    assert.deepEqual(await lockOut(s.base, 'nobody2', '203.0.113.1', '203.0.113.2'), { fromA: 429, fromB: 401 });
  });

  test('a forwarded remote client is not the operator; a spoofed loopback hop does not make it one', async () => {
    assert.equal(await stat(s.base), 200);
    assert.equal(await stat(s.base, { 'x-forwarded-for': '203.0.113.9' }), 403);
    // The proxy appends the peer it saw: the client's own "127.0.0.1" is left of it and not believed.
    assert.equal(await stat(s.base, { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' }), 403);
  });
});

describe('ONAIR_ADMIN_TOKEN (the operator pages from another host)', () => {
  const token = 'operator-dashboard-token-0123456789';
  let s: TestServer;
  before(async () => (s = await startTestServer({ ONAIR_TRUST_PROXY: 'loopback', ONAIR_ADMIN_TOKEN: token })));
  after(async () => s.stop());

  test('a remote client is the operator with the token, and only with it', async () => {
    const remote = { 'x-forwarded-for': '203.0.113.9' };
    assert.equal(await stat(s.base, remote), 403);
    assert.equal(await stat(s.base, { ...remote, authorization: 'Bearer not-the-token' }), 403);
    assert.equal(await stat(s.base, { ...remote, authorization: `Bearer ${token}` }), 200);
    assert.ok(!s.logs().includes(token), 'the admin token is never logged');
  });
});

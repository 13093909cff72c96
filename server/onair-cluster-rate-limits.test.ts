// Rate limits across a cluster: two Onair servers (in this process) sharing PostgreSQL and the test Redis count failed
// logins and wrong invite links together, so spreading attempts over nodes gains nothing. Then a server whose Redis
// connection is cut (through a relay): logins still answer at once, throttled by that server's own counts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS } from './config.js';
import { freshPgDatabase } from './test-support/db.js';
import { waitFor } from './test-support/process.js';
import { api, newStreamer, startTestServer, type TestServer } from './test-support/server.js';
import { stallingRelay } from './test-support/stalling-relay.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const login = (base: string, username: string, password: string) => api(base, 'POST', '/api/auth/login', { username, password });

describe('rate limits across cluster nodes', () => {
  let a: TestServer;
  let b: TestServer;
  let dropDb: () => Promise<void>;

  before(async () => {
    const db = await freshPgDatabase();
    dropDb = db.drop;
    a = await startTestServer({ DATABASE_URL: db.url, REDIS_URL });
    b = await startTestServer({ DATABASE_URL: db.url, REDIS_URL });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await dropDb?.();
  });

  test('failed logins split over two nodes lock the account on both', async () => {
    await newStreamer(a.base, 'mallory');
    const password = 'pw-mallory-123456';
    for (const base of [a.base, b.base, a.base, b.base, a.base]) assert.equal((await login(base, 'mallory', 'wrong-password')).status, 401);
    for (const base of [a.base, b.base]) {
      const r = await login(base, 'MALLORY', password);
      assert.equal(r.status, 429, `${base}: the right password waits too`);
      assert.equal(r.body.error.code, 'rate_limited');
      const retry = Number(r.headers.get('retry-after'));
      assert.ok(retry > 0 && retry <= LIMITS.loginWindowSeconds, `Retry-After ${retry}`);
      assert.equal(r.body.error.retryAfterSeconds, retry);
    }
  });

  test('wrong invite links count on every node', async () => {
    const miss = (base: string, i: number) => api(base, 'GET', `/api/invites/${'Z'.repeat(40)}${String(i).padStart(3, '0')}`);
    for (let i = 0; i < LIMITS.inviteMisses; i++) assert.equal((await miss(i % 2 ? b.base : a.base, i)).status, 404);
    for (const base of [a.base, b.base]) {
      const r = await miss(base, 999);
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    }
  });
});

describe('rate limits when Redis goes away', () => {
  let relay: Awaited<ReturnType<typeof stallingRelay>>;
  let s: TestServer;

  before(async () => {
    relay = await stallingRelay(Number(new URL(REDIS_URL).port || 6379));
    s = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${relay.port}` });
  });
  after(async () => {
    // Back before the stop: a server stopping while its Redis is away is not what this file tests.
    relay?.mend();
    await waitFor(
      'Redis back',
      async () => (await login(s.base, 'nobody', 'x')) && s.logs().includes('rate limits: Redis answers again'),
      10_000,
      200,
    ).catch(() => {});
    await s?.stop();
    relay?.close();
  });

  test('logins answer at once and are throttled by this server alone; one log line says so', async () => {
    await newStreamer(s.base, 'oscar');
    relay.cut();
    for (let i = 0; i < LIMITS.loginFailures; i++) {
      const t0 = performance.now();
      assert.equal((await login(s.base, 'oscar', 'wrong-password')).status, 401);
      const ms = performance.now() - t0;
      assert.ok(ms < 1500, `answered in ${Math.round(ms)} ms`);
    }
    assert.equal((await login(s.base, 'oscar', 'pw-oscar-123456')).status, 429);
    assert.equal(
      s
        .logs()
        .split('\n')
        .filter((l) => l.includes('rate limits: Redis unreachable')).length,
      1,
    );
  });
});

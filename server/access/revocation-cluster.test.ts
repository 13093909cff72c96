// Taking access back across server processes: process A (in this test) and process B (a real `server/main.ts`
// child) share one database. A revocation, a visibility change, a ban, a key reset or a sign-out made on A is acted
// on by B within 2 s: through Redis and PostgreSQL, and through the SQLite file alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ChatClient, connectChat, nextEvent, request } from '../test-support/chat-client.js';
import { freshPgDatabase } from '../test-support/db.js';
import { api, newStreamer, publish, type ServerProcess, startServerProcess, startTestServer, type TestServer } from '../test-support/server.js';
import { waitFor } from '../test-support/process.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** A change made on one process must be acted on by every other within this. */
const PROPAGATION_MS = 2000;

async function status(base: string, url: string, headers: Record<string, string> = {}): Promise<number> {
  const r = await fetch(base + url, { headers });
  await r.arrayBuffer();
  return r.status;
}

/** Polls until `check` holds; returns how long it took, failing past PROPAGATION_MS. */
async function within2s(what: string, check: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  await waitFor(what, check, PROPAGATION_MS, 25);
  return Date.now() - t0;
}

function clusterSuite(kind: 'postgres+redis' | 'sqlite') {
  describe(`access taken back on process A is acted on by process B within 2 s (${kind})`, () => {
    let a: TestServer;
    let b: ServerProcess;
    let dropDb: (() => Promise<void>) | undefined;
    let dataDirB: string | undefined;
    const clients: ChatClient[] = [];
    let owner: Awaited<ReturnType<typeof newStreamer>>;

    before(async () => {
      if (kind === 'postgres+redis') {
        const db = await freshPgDatabase();
        dropDb = db.drop;
        a = await startTestServer({ DATABASE_URL: db.url, REDIS_URL });
        dataDirB = mkdtempSync(path.join(tmpdir(), 'onair-b-'));
        b = await startServerProcess({ DATABASE_URL: db.url, REDIS_URL, ONAIR_DATA_DIR: dataDirB });
      } else {
        // One SQLite file, no Redis: the processes hear each other through the database alone.
        a = await startTestServer();
        b = await startServerProcess({ ONAIR_DATA_DIR: a.dataDir });
      }
      owner = await newStreamer(a.base, 'anna');
    });
    after(async () => {
      for (const c of clients) c.close();
      await b?.stop();
      await a?.stop();
      await dropDb?.();
      if (dataDirB) rmSync(dataDirB, { recursive: true, force: true });
    });

    test('an invite revoked on A: B refuses its media token and removes its chat connection', async () => {
      assert.equal((await api(a.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, owner.token)).status, 200);
      const friend = await newStreamer(a.base, `fred${kind === 'sqlite' ? 's' : 'p'}`);
      const invite = (await api(a.base, 'POST', '/api/me/invites', {}, owner.token)).body;
      const redeemed = await api(a.base, 'POST', `/api/invites/${invite.token}/redeem`, {}, friend.token);
      const t = encodeURIComponent(redeemed.body.mediaToken);
      assert.notEqual(await status(b.base, `/hls/anna/index.m3u8?t=${t}`), 403, 'B lets the token in');
      const onB = await connectChat(b.base, { token: friend.token });
      clients.push(onB);
      assert.equal((await request(onB, 'join', { channel: 'anna' })).ok, true);
      const removed = nextEvent(onB, 'removed', (e: any) => e.channel === 'anna', PROPAGATION_MS + 1000);

      assert.equal((await api(a.base, 'DELETE', `/api/me/invites/${invite.id}`, undefined, owner.token)).status, 204);
      const took = await within2s('B refuses the revoked token', async () => (await status(b.base, `/hls/anna/index.m3u8?t=${t}`)) === 403);
      assert.deepEqual(await removed, { channel: 'anna', reason: 'access' });
      console.log(`# ${kind}: invite revocation reached process B in ${took} ms`);
    });

    test('a visibility change on A: B stops serving an anonymous viewer at once, not after its cache expires', async () => {
      assert.equal((await api(a.base, 'PATCH', '/api/me/channel', { visibility: 'public' }, owner.token)).status, 200);
      await within2s('B sees the channel public', async () => (await status(b.base, '/hls/anna/index.m3u8')) !== 403);
      assert.equal((await api(a.base, 'PATCH', '/api/me/channel', { visibility: 'followers' }, owner.token)).status, 200);
      await within2s('B refuses the anonymous viewer', async () => (await status(b.base, '/hls/anna/index.m3u8')) === 403);
    });

    test('a ban on A closes the private media on B', async () => {
      const fan = await newStreamer(a.base, `fan${kind === 'sqlite' ? 's' : 'p'}`);
      assert.equal((await api(a.base, 'POST', '/api/channels/anna/follow', undefined, fan.token)).status, 200);
      const auth = { authorization: `Bearer ${fan.token}` };
      assert.notEqual(await status(b.base, '/hls/anna/index.m3u8', auth), 403);
      const mod = await connectChat(a.base, { token: owner.token });
      clients.push(mod);
      assert.equal((await request(mod, 'join', { channel: 'anna' })).ok, true);
      const fanId = (await api(a.base, 'GET', '/api/me', undefined, fan.token)).body.user.id;
      assert.equal((await request(mod, 'ban', { channel: 'anna', target: { userId: fanId } })).ok, true);
      await within2s('B refuses the banned follower', async () => (await status(b.base, '/hls/anna/index.m3u8', auth)) === 403);
    });

    test('signing out everywhere on A closes the chat connection on B', async () => {
      const sam = await newStreamer(a.base, `sam${kind === 'sqlite' ? 's' : 'p'}`);
      const onB = await connectChat(b.base, { token: sam.token });
      clients.push(onB);
      const gone = nextEvent(onB, 'disconnect', () => true, PROPAGATION_MS + 1000);
      assert.equal((await api(a.base, 'POST', '/api/auth/logout-all', undefined, sam.token)).status, 204);
      await gone;
    });

    test('a stream key reset on A drops the publisher on B', async () => {
      const pub = publish(`${b.rtmpBase}/${owner.channel.streamKey}`, { seconds: 30 });
      try {
        await waitFor(
          'anna live on B',
          async () => (await status(b.base, '/hls/anna/index.m3u8', { authorization: `Bearer ${owner.token}` })) === 200,
          20_000,
        );
        const t0 = Date.now();
        assert.equal((await api(a.base, 'POST', '/api/me/channel/stream-key', undefined, owner.token)).status, 200);
        await Promise.race([
          pub.exit,
          new Promise((_, reject) => setTimeout(() => reject(new Error('publisher on B still connected')), PROPAGATION_MS + 1000)),
        ]);
        assert.ok(Date.now() - t0 <= PROPAGATION_MS + 1000, `dropped after ${Date.now() - t0} ms`);
      } finally {
        pub.proc.kill('SIGKILL');
      }
    });
  });
}

clusterSuite('postgres+redis');
clusterSuite('sqlite');

// An invite's link copied again by its owner (GET /api/me/invites/:id/link) through the real server (startOnair):
// the same link as at creation, for the owner only, never in the log, gone once the invite stops working.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { sleep } from '../test-support/process.js';
import { api, newStreamer, startTestServer, type TestServer } from '../test-support/server.js';

/** A GET sent to the server on 127.0.0.1 with another Host header (fetch keeps its own). */
function getWithHost(port: number, path: string, host: string, token: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, authorization: `Bearer ${token}` }, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

describe('invite links kept for their owner', () => {
  let s: TestServer;
  let alice: Awaited<ReturnType<typeof newStreamer>>;
  let bob: Awaited<ReturnType<typeof newStreamer>>;

  before(async () => {
    s = await startTestServer();
    alice = await newStreamer(s.base, 'alice');
    bob = await newStreamer(s.base, 'bob');
  });
  after(async () => {
    await s?.stop();
  });

  test('the owner gets the same link again; nobody else does; the token is stored sealed and never logged', async () => {
    const made = await api(s.base, 'POST', '/api/me/invites', { maxUses: 3 }, alice.token);
    assert.equal(made.status, 201);
    const { id, token, url } = made.body as { id: number; token: string; url: string };
    assert.equal(url, `${s.base}/i/${token}`);

    const listed = await api(s.base, 'GET', '/api/me/invites', undefined, alice.token);
    assert.equal(listed.body[0].id, id);
    assert.equal(listed.body[0].linkAvailable, true);
    assert.ok(!JSON.stringify(listed.body).includes(token), 'the list never shows a token');

    const again = await api(s.base, 'GET', `/api/me/invites/${id}/link`, undefined, alice.token);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { id, url });
    assert.equal(again.headers.get('cache-control'), 'no-store');
    // The link follows the address the owner uses, as at creation.
    const viaLan = await getWithHost(s.httpPort, `/api/me/invites/${id}/link`, '192.168.7.9:8080', alice.token);
    assert.equal(viaLan.url, `http://192.168.7.9:8080/i/${token}`);

    assert.equal((await api(s.base, 'GET', `/api/me/invites/${id}/link`)).status, 401);
    const byBob = await api(s.base, 'GET', `/api/me/invites/${id}/link`, undefined, bob.token);
    assert.equal(byBob.status, 404, "another streamer cannot read alice's invite");
    assert.ok(!JSON.stringify(byBob.body).includes(token));
    for (const bad of ['0', '99999', 'abc', '1e3', '-1']) {
      assert.equal((await api(s.base, 'GET', `/api/me/invites/${bad}/link`, undefined, alice.token)).status, 404, bad);
    }

    const row = await s.db.kysely.selectFrom('invites').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(row.token_sealed, 'kept sealed');
    assert.ok(!JSON.stringify(row).includes(token), 'never stored as is');
    assert.ok(!s.logs().includes(token), 'never in the log');
    // The link still works for guests.
    assert.equal((await api(s.base, 'GET', `/api/invites/${token}`)).body.valid, true);
  });

  test('a revoked or expired invite has no link to copy, with the reason', async () => {
    const made = (await api(s.base, 'POST', '/api/me/invites', {}, alice.token)).body;
    assert.equal((await api(s.base, 'DELETE', `/api/me/invites/${made.id}`, undefined, alice.token)).status, 204);
    const revoked = await api(s.base, 'GET', `/api/me/invites/${made.id}/link`, undefined, alice.token);
    assert.equal(revoked.status, 410);
    assert.equal(revoked.body.error.code, 'invite_revoked');
    assert.match(revoked.body.error.message, /You revoked this invite\. Its link no longer works\./);
    const listed = (await api(s.base, 'GET', '/api/me/invites', undefined, alice.token)).body.find((i: { id: number }) => i.id === made.id);
    assert.equal(listed.linkAvailable, false);
    const row = await s.db.kysely.selectFrom('invites').select('token_sealed').where('id', '=', made.id).executeTakeFirstOrThrow();
    assert.equal(row.token_sealed, null, 'a revoked invite keeps no token');

    const short = (await api(s.base, 'POST', '/api/me/invites', { expiresInSeconds: 1 }, alice.token)).body;
    await sleep(1200);
    const expired = await api(s.base, 'GET', `/api/me/invites/${short.id}/link`, undefined, alice.token);
    assert.equal(expired.status, 410);
    assert.equal(expired.body.error.code, 'invite_expired');
    assert.ok(!s.logs().includes(made.token) && !s.logs().includes(short.token));
  });

  test('an invite made before links were kept says so', async () => {
    const made = (await api(s.base, 'POST', '/api/me/invites', {}, alice.token)).body;
    // As a database from before 0007_invite_links holds it.
    await s.db.kysely.updateTable('invites').set({ token_sealed: null }).where('id', '=', made.id).execute();
    assert.equal(
      (await api(s.base, 'GET', '/api/me/invites', undefined, alice.token)).body.find((i: { id: number }) => i.id === made.id).linkAvailable,
      false,
    );
    const r = await api(s.base, 'GET', `/api/me/invites/${made.id}/link`, undefined, alice.token);
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, /shown only when it was made; make a new invite/);
  });
});

// ONAIR_SIGNUPS end to end, on a SQLite file and on PostgreSQL: open (anyone; an invite given is used), invite
// (only with a valid channel invite, used in the account's own transaction), closed (only the operator CLI).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { api, newStreamer, runCli, startTestServer, type TestServer } from '../test-support/server.js';

const register = (s: TestServer, username: string, invite?: string) =>
  api(s.base, 'POST', '/api/auth/register', { username, password: `pw-${username}-123456`, ...(invite !== undefined ? { invite } : {}) });

/** An invite of `owner`'s channel, made invite-only; returns the token (the part after /i/). */
async function inviteOf(s: TestServer, owner: { token: string }, opts: { maxUses?: number } = {}): Promise<{ id: number; token: string }> {
  await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, owner.token);
  const r = await api(s.base, 'POST', '/api/me/invites', opts, owner.token);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id, token: String(r.body.url).split('/i/')[1] };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`ONAIR_SIGNUPS (${kind})`, { timeout: 120_000 }, () => {
    const servers: TestServer[] = [];
    const server = async (mode: string) => {
      const s = await startTestServer({ ONAIR_SIGNUPS: mode }, { db: kind });
      servers.push(s);
      return s;
    };
    after(async () => {
      for (const s of servers) await s.stop();
    });

    test('open (the default): anyone signs up; an invite given with the sign-up is used and opens its channel', async () => {
      const s = await server('open');
      assert.deepEqual((await api(s.base, 'GET', '/api/auth/signups')).body, { mode: 'open' });
      const owner = await newStreamer(s.base, 'olive');
      const invite = await inviteOf(s, owner);
      const plain = await register(s, 'plain');
      assert.equal(plain.status, 201);
      assert.equal((await api(s.base, 'GET', '/api/channels/olive', undefined, plain.body.token)).body.canWatch, false);
      const invited = await register(s, 'invited', invite.token);
      assert.equal(invited.status, 201, JSON.stringify(invited.body));
      assert.equal((await api(s.base, 'GET', '/api/channels/olive', undefined, invited.body.token)).body.canWatch, true);
      const uses = (await api(s.base, 'GET', '/api/me/invites', undefined, owner.token)).body.find((i: any) => i.id === invite.id).uses;
      assert.equal(uses, 1);
      const wrong = await register(s, 'wrongly', 'not-a-real-invite-token-000000');
      assert.deepEqual([wrong.status, wrong.body.error.code], [404, 'not_found']);
      const badType = await api(s.base, 'POST', '/api/auth/register', { username: 'typed', password: 'password-123', invite: 7 });
      assert.deepEqual([badType.status, badType.body.error.code], [400, 'bad_request']);
    });

    test('invite: a sign-up needs a valid invite; one that cannot be used makes no account', async () => {
      const s = await server('invite');
      assert.deepEqual((await api(s.base, 'GET', '/api/auth/signups')).body, { mode: 'invite' });
      const none = await register(s, 'nobody');
      assert.deepEqual([none.status, none.body.error.code], [403, 'invite_required']);
      assert.match(none.body.error.message, /need an invite link/);
      // The operator makes the first streamer; they invite a friend with a single-use link.
      const add = await runCli(['user', 'add', 'iris', '--password', 'iris-password-1', '--json'], s.sameDatabaseEnv);
      assert.equal(add.code, 0, add.stderr);
      const iris = { token: (await api(s.base, 'POST', '/api/auth/login', { username: 'iris', password: 'iris-password-1' })).body.token };
      const once = await inviteOf(s, iris, { maxUses: 1 });
      const friend = await register(s, 'friend', once.token);
      assert.equal(friend.status, 201, JSON.stringify(friend.body));
      assert.equal((await api(s.base, 'GET', '/api/channels/iris', undefined, friend.body.token)).body.canWatch, true);
      // Used up: refused, and the name stays free (the account was not made).
      const late = await register(s, 'latecomer', once.token);
      assert.deepEqual([late.status, late.body.error.code], [410, 'invite_used_up']);
      assert.equal((await api(s.base, 'POST', '/api/auth/login', { username: 'latecomer', password: 'pw-latecomer-123456' })).status, 401);
      // Revoked and unknown invites.
      const revoked = await inviteOf(s, iris);
      await api(s.base, 'DELETE', `/api/me/invites/${revoked.id}`, undefined, iris.token);
      assert.deepEqual((await register(s, 'latecomer', revoked.token)).body.error.code, 'invite_revoked');
      assert.deepEqual((await register(s, 'latecomer', 'x'.repeat(43))).status, 404);
      // A taken name with a valid invite: refused without using the invite.
      const fresh = await inviteOf(s, iris, { maxUses: 1 });
      assert.equal((await register(s, 'friend', fresh.token)).body.error.code, 'username_taken');
      assert.equal((await register(s, 'latecomer', fresh.token)).status, 201, 'the invite was not used by the refused sign-up');
    });

    test('closed: nobody signs up through the API; the operator CLI still creates accounts', async () => {
      const s = await server('closed');
      assert.deepEqual((await api(s.base, 'GET', '/api/auth/signups')).body, { mode: 'closed' });
      const r = await register(s, 'hopeful');
      assert.deepEqual([r.status, r.body.error.code], [403, 'signups_closed']);
      assert.match(r.body.error.message, /operator creates accounts/);
      const add = await runCli(['user', 'create', 'chosen', '--password', 'chosen-password-1'], s.sameDatabaseEnv);
      assert.equal(add.code, 0, add.stderr);
      assert.equal((await api(s.base, 'POST', '/api/auth/login', { username: 'chosen', password: 'chosen-password-1' })).status, 200);
    });
  });
}

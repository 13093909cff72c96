// End to end over real HTTP: how sign-ins are carried (bearer or cookie), logout here and everywhere, password
// changes, no-store on API answers, and the operator CLI's set-password and sign-out against a running server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessChange } from '../access/changes.js';
import { runCli, startTestServer, type TestServer } from '../test-support/server.js';

interface Answer {
  status: number;
  json: any;
  cookies: string[];
  headers: Headers;
}

async function call(base: string, method: string, url: string, opts: { body?: unknown; token?: string; cookie?: string } = {}): Promise<Answer> {
  const res = await fetch(base + url, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json, cookies: res.headers.getSetCookie(), headers: res.headers };
}

/** `onair_session=<token>` from a sign-in answer, ready for a Cookie header. */
function sessionCookie(a: Answer): string {
  const set = a.cookies.find((c) => c.startsWith('onair_session='));
  assert.ok(set, `a session cookie is set (got ${JSON.stringify(a.cookies)})`);
  return set.split(';')[0];
}

/** The Set-Cookie that clears `name`, or undefined. */
function clearing(a: Answer, name: string): string | undefined {
  return a.cookies.find((c) => c.startsWith(`${name}=;`) && /Max-Age=0/i.test(c) && /Expires=Thu, 01 Jan 1970/i.test(c));
}

const pw = (name: string) => `pw-${name}-123456`;

describe('accounts: sessions, logout and passwords', () => {
  let s: TestServer;
  const changes: AccessChange[] = [];
  const signIn = (username: string, session?: 'bearer' | 'cookie', password = pw(username)) =>
    call(s.base, 'POST', '/api/auth/login', { body: { username, password, ...(session ? { session } : {}) } });
  const register = async (username: string) => {
    const r = await call(s.base, 'POST', '/api/auth/register', { body: { username, password: pw(username) } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return { id: r.json.user.id as number, token: r.json.token as string };
  };
  const me = async (creds: { token?: string; cookie?: string }) => (await call(s.base, 'GET', '/api/me', creds)).status;
  const tokenRows = async (userId: number) =>
    Number(
      (
        await s.db.kysely
          .selectFrom('auth_tokens')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const revokedFor = (userId: number) => changes.filter((c) => c.kind === 'tokens-revoked' && c.userId === userId).length;

  before(async () => {
    s = await startTestServer();
    s.accessChanges.subscribe((c) => changes.push(c));
  });
  after(async () => s.stop());

  test('a sign-in mints one credential, of the kind asked for', async () => {
    const reg = await call(s.base, 'POST', '/api/auth/register', { body: { username: 'cora', password: pw('cora'), session: 'cookie' } });
    assert.equal(reg.status, 201);
    assert.equal(reg.json.token, null, 'cookie mode returns no token');
    assert.match(reg.cookies.join('\n'), /onair_session=.*HttpOnly.*SameSite=Lax/i);
    const userId = reg.json.user.id as number;
    assert.equal(await tokenRows(userId), 1, 'register in cookie mode stores one token');
    assert.equal(await me({ cookie: sessionCookie(reg) }), 200);

    const cookieLogin = await signIn('cora', 'cookie');
    assert.equal(cookieLogin.status, 200);
    assert.equal(cookieLogin.json.token, null);
    assert.equal(await tokenRows(userId), 2, 'login in cookie mode adds exactly one token');
    assert.equal(await me({ cookie: sessionCookie(cookieLogin) }), 200);

    const bearerLogin = await signIn('cora');
    assert.equal(bearerLogin.status, 200);
    assert.match(bearerLogin.json.token, /^[A-Za-z0-9_-]{43}$/, 'the default is a bearer token');
    assert.equal(bearerLogin.cookies.filter((c) => c.startsWith('onair_session=')).length, 0, 'and no cookie');
    assert.equal(await tokenRows(userId), 3, 'login in bearer mode adds exactly one token');
    assert.equal(await me({ token: bearerLogin.json.token }), 200);

    const bad = await signIn('cora', 'both' as 'cookie');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'bad_request');
    assert.equal(await tokenRows(userId), 3);
  });

  test('logout revokes both the bearer and the session cookie it was sent with, and clears both cookies', async () => {
    const { id, token: other } = await register('lou');
    const bearer = (await signIn('lou')).json.token as string;
    const cookie = sessionCookie(await signIn('lou', 'cookie'));
    const before = revokedFor(id);
    const out = await call(s.base, 'POST', '/api/auth/logout', { token: bearer, cookie });
    assert.equal(out.status, 204);
    assert.equal(await me({ token: bearer }), 401, 'the bearer is dead');
    assert.equal(await me({ cookie }), 401, 'the session cookie is dead');
    assert.equal(await me({ token: other }), 200, 'a token not presented lives on');
    for (const name of ['onair_session', 'onair_guest']) {
      const c = clearing(out, name);
      assert.ok(c, `${name} cleared (got ${JSON.stringify(out.cookies)})`);
      assert.match(c, /Path=\//);
      assert.match(c, /HttpOnly/i);
      assert.match(c, /SameSite=Lax/i);
    }
    assert.equal(revokedFor(id), before + 1, 'tokens-revoked published once');
    // Logging out with nothing valid still clears the cookies and announces nothing.
    const again = await call(s.base, 'POST', '/api/auth/logout', { token: bearer });
    assert.equal(again.status, 204);
    assert.ok(clearing(again, 'onair_guest'));
    assert.equal(revokedFor(id), before + 1);
  });

  test('sign out everywhere revokes every token of the user, the current one included', async () => {
    const { id, token: a } = await register('eve');
    const b = (await signIn('eve')).json.token as string;
    const cookie = sessionCookie(await signIn('eve', 'cookie'));
    const { token: bystander } = await register('bystander');
    assert.equal((await call(s.base, 'POST', '/api/auth/logout-all')).status, 401, 'needs a sign-in');
    const out = await call(s.base, 'POST', '/api/auth/logout-all', { cookie });
    assert.equal(out.status, 204);
    for (const creds of [{ token: a }, { token: b }, { cookie }]) assert.equal(await me(creds), 401, JSON.stringify(creds));
    assert.equal(await tokenRows(id), 0);
    assert.ok(clearing(out, 'onair_session'));
    assert.ok(clearing(out, 'onair_guest'));
    assert.equal(await me({ token: bystander }), 200, 'other users are untouched');
    assert.equal(revokedFor(id), 1);
    assert.equal((await signIn('eve')).status, 200, 'the password still works');
  });

  test('changing the password needs the current one, and signs out every other session', async () => {
    const { id, token: current } = await register('pat');
    const otherBearer = (await signIn('pat')).json.token as string;
    const otherCookie = sessionCookie(await signIn('pat', 'cookie'));
    const change = (body: unknown, creds: { token?: string; cookie?: string } = { token: current }) =>
      call(s.base, 'POST', '/api/me/password', { body, ...creds });

    assert.equal((await change({ currentPassword: pw('pat'), newPassword: 'new-password-1' }, {})).status, 401);
    const wrong = await change({ currentPassword: 'not-it-at-all', newPassword: 'new-password-1' });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.error.code, 'bad_credentials');
    const weak = await change({ currentPassword: pw('pat'), newPassword: 'short' });
    assert.equal(weak.status, 400);
    assert.equal(weak.json.error.code, 'weak_password');
    assert.equal((await change({ currentPassword: pw('pat') })).status, 400, 'newPassword is required');
    assert.equal((await signIn('pat')).status, 200, 'refused changes change nothing');
    assert.equal(await me({ token: otherBearer }), 200);
    assert.ok(!s.logs().includes('not-it-at-all'), 'passwords are not logged');

    const ok = await change({ currentPassword: pw('pat'), newPassword: 'new-password-1' });
    assert.equal(ok.status, 204, JSON.stringify(ok.json));
    assert.equal(await me({ token: current }), 200, 'the session that changed it stays signed in');
    assert.equal(await me({ token: otherBearer }), 401, 'another bearer is dead');
    assert.equal(await me({ cookie: otherCookie }), 401, 'another session cookie is dead');
    assert.equal((await signIn('pat')).status, 401, 'the old password no longer works');
    assert.equal((await signIn('pat', 'bearer', 'new-password-1')).status, 200, 'the new one does');
    assert.ok(revokedFor(id) >= 1, 'tokens-revoked published');
    assert.ok(!s.logs().includes('new-password-1'), 'passwords are not logged');
  });

  test('a change made with the session cookie keeps that cookie', async () => {
    const { token: bearer } = await register('sam');
    const cookie = sessionCookie(await signIn('sam', 'cookie'));
    const ok = await call(s.base, 'POST', '/api/me/password', { body: { currentPassword: pw('sam'), newPassword: 'sam-new-password' }, cookie });
    assert.equal(ok.status, 204);
    assert.equal(await me({ cookie }), 200);
    assert.equal(await me({ token: bearer }), 401);
  });

  test('wrong current passwords are rate-limited like logins', async () => {
    const { token } = await register('rita');
    let last: Answer | undefined;
    for (let i = 0; i < 6; i++)
      last = await call(s.base, 'POST', '/api/me/password', {
        body: { currentPassword: `guess-${i}-xxxx`, newPassword: 'rita-new-password' },
        token,
      });
    assert.equal(last!.status, 429);
    assert.equal(last!.json.error.code, 'rate_limited');
    const right = await call(s.base, 'POST', '/api/me/password', { body: { currentPassword: pw('rita'), newPassword: 'rita-new-password' }, token });
    assert.equal(right.status, 429, 'even the right password waits out the lock');
  });

  test('API answers that carry tokens, keys or invite links are not stored by caches', async () => {
    const reg = await call(s.base, 'POST', '/api/auth/register', { body: { username: 'nora', password: pw('nora') } });
    const token = reg.json.token as string;
    const login = await signIn('nora');
    await call(s.base, 'PATCH', '/api/me/channel', { body: { visibility: 'invite' }, token });
    const invite = await call(s.base, 'POST', '/api/me/invites', { body: {}, token });
    assert.equal(invite.status, 201);
    const answers: Array<[string, Answer]> = [
      ['register', reg],
      ['login', login],
      ['GET /api/me/channel', await call(s.base, 'GET', '/api/me/channel', { token })],
      ['PATCH /api/me/channel', await call(s.base, 'PATCH', '/api/me/channel', { body: { title: 'x' }, token })],
      ['stream-key', await call(s.base, 'POST', '/api/me/channel/stream-key', { token })],
      ['invite creation', invite],
      ['invite redemption', await call(s.base, 'POST', `/api/invites/${invite.json.token}/redeem`, { body: {} })],
      ['media-token', await call(s.base, 'GET', '/api/channels/nora/media-token', { token })],
      ['an error', await call(s.base, 'GET', '/api/me/channel')],
      ['an unknown API route', await call(s.base, 'GET', '/api/nothing-here')],
    ];
    for (const [what, a] of answers) {
      assert.ok(a.status < 500, `${what}: ${a.status}`);
      assert.equal(a.headers.get('cache-control'), 'no-store', what);
    }
    assert.notEqual((await call(s.base, 'GET', '/healthz')).headers.get('cache-control'), 'no-store', 'only /api/ answers');
  });
});

describe('operator CLI: set-password and sign-out against a running server', () => {
  let s: TestServer;
  before(async () => (s = await startTestServer()));
  after(async () => s.stop());

  /** Runs the CLI as its own process on the server's data folder (SQLite in WAL mode is shared). */
  const cli = (args: string[], stdin?: string) => runCli(args, s.sameDatabaseEnv, stdin);
  const login = (username: string, password: string) => api('POST', '/api/auth/login', { username, password });
  const api = async (method: string, url: string, body?: unknown, token?: string) =>
    (
      await fetch(s.base + url, {
        method,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      })
    ).json() as Promise<any>;
  const status = async (token: string) => (await fetch(`${s.base}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;

  test('set-password validates, replaces the password and revokes every token', async () => {
    const token = (await api('POST', '/api/auth/register', { username: 'opal', password: 'opal-password-1' })).token as string;
    const weak = await cli(['user', 'set-password', 'opal', '--password', '-'], 'short\n');
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /at least 8 characters/);
    assert.equal(await status(token), 200, 'a refused password changes nothing');

    const fromStdin = await cli(['user', 'set-password', 'opal', '--password', '-', '--json'], 'a long pass phrase\n');
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    const out = JSON.parse(fromStdin.stdout);
    assert.equal(out.signedOut, 1);
    assert.equal(out.password, undefined, 'a given password is not printed');
    assert.equal(await status(token), 401, 'the running server refuses the revoked token');
    assert.equal((await login('opal', 'opal-password-1')).error?.code, 'bad_credentials');
    const fresh = (await login('opal', 'a long pass phrase')).token as string;
    assert.equal(await status(fresh), 200);

    const generated = await cli(['user', 'set-password', 'opal', '--json']);
    assert.equal(generated.code, 0, generated.stderr);
    const { password } = JSON.parse(generated.stdout);
    assert.ok(typeof password === 'string' && password.length >= 16, 'a random password is printed');
    assert.equal(await status(fresh), 401);
    assert.ok((await login('opal', password)).token);

    assert.equal((await cli(['user', 'set-password', 'nobody-here'])).code, 1);
  });

  test('sign-out revokes every token of the user and only theirs', async () => {
    const a = (await api('POST', '/api/auth/register', { username: 'quin', password: 'quin-password-1' })).token as string;
    const b = (await login('quin', 'quin-password-1')).token as string;
    const other = (await api('POST', '/api/auth/register', { username: 'rex', password: 'rex-password-1' })).token as string;
    const out = await cli(['user', 'sign-out', 'quin']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Signed quin out everywhere \(2 sessions ended\)/);
    assert.equal(await status(a), 401);
    assert.equal(await status(b), 401);
    assert.equal(await status(other), 200);
    assert.ok((await login('quin', 'quin-password-1')).token, 'the password is unchanged');
  });

  test('help lists the new commands', async () => {
    const help = await cli(['help']);
    assert.match(help.stdout, /user set-password NAME/);
    assert.match(help.stdout, /user sign-out NAME/);
  });
});

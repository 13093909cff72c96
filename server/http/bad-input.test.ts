// Bad input through the real server over real sockets: every refusal is { error: { code, message } } and never
// quotes the input; only JSON bodies are read; text limits count what people see; the Bearer scheme is read in any
// case by the API, the media files and chat.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { io } from 'socket.io-client';
import { CHAT_LIMITS, CHAT_PATH } from '../api/chat.js';
import { type ChatClient, connectChat, request } from '../test-support/chat-client.js';
import { api, newStreamer, startTestServer, type TestServer } from '../test-support/server.js';

const FAMILY = '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function send(
  base: string,
  method: string,
  url: string,
  init: { headers?: Record<string, string>; body?: string | Blob } = {},
): Promise<Answer> {
  const res = await fetch(base + url, { method, headers: init.headers, body: init.body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Asserts the one error shape with this status and code, and that no `secret` appears anywhere in the body. */
function assertError(a: Answer, status: number, code: string, secrets: string[] = []): { code: string; message: string } {
  assert.equal(a.status, status, a.text);
  const body = JSON.parse(a.text);
  assert.deepEqual(Object.keys(body), ['error'], a.text);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message'], a.text);
  assert.equal(body.error.code, code, a.text);
  assert.equal(typeof body.error.message, 'string');
  for (const s of secrets) assert.ok(!a.text.includes(s), `the answer quotes the input: ${a.text}`);
  return body.error;
}

/** Writes raw bytes on a fresh connection and reads until the server closes it (bounded by timeoutMs). */
function rawExchange(port: number, bytes: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got ${JSON.stringify(got.slice(0, 300))}`));
    }, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (got += d));
    socket.on('error', () => {}); // the server may reset after answering; what arrived is checked below
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.write(bytes);
  });
}

/** Parses a raw HTTP/1.1 answer: status, lowercased headers, body. */
function parseRaw(raw: string): { status: number; headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `not an HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]+$/.exec(statusLine);
  assert.ok(m, `bad status line: ${statusLine}`);
  const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = raw.slice(end + 4);
  assert.equal(Buffer.byteLength(body, 'latin1'), Number(headers.get('content-length')), 'Content-Length matches the body');
  return { status: Number(m[1]), headers, body };
}

describe('bad input through the real server', () => {
  let s: TestServer;
  let alice: { token: string; channel: { name: string; streamKey: string } };
  let bob: { token: string };
  before(async () => {
    s = await startTestServer();
    alice = await newStreamer(s.base, 'alice');
    bob = await newStreamer(s.base, 'bob');
  });
  after(async () => s.stop());

  test('idle connections are kept 65 s, on the media fast path and through Fastify alike (a proxy in front keeps its own for 60 s)', async () => {
    for (const path of ['/healthz', '/hls/nobody/index.m3u8', '/api/channels']) {
      const r = await fetch(`${s.base}${path}`);
      await r.arrayBuffer();
      assert.equal(r.headers.get('keep-alive'), 'timeout=65', path);
    }
  });

  describe("Fastify's and Node's refusals get the one error shape, without the input", () => {
    test('414: a URL parameter longer than the limit', async () => {
      const long = 'q'.repeat(101) + 'secretpart';
      assertError(await send(s.base, 'GET', `/api/channels/${long}`), 414, 'uri_too_long', ['secretpart', 'qqqq']);
      assertError(
        await send(s.base, 'POST', `/api/invites/${long}/redeem`, { headers: { 'content-type': 'application/json' }, body: '{}' }),
        414,
        'uri_too_long',
        ['secretpart'],
      );
      assert.equal((await send(s.base, 'GET', `/api/channels/${'q'.repeat(100)}`)).status, 404, 'at the limit the route answers');
    });

    test('400: bad percent-encoding in a URL parameter', async () => {
      for (const url of ['/api/channels/%E0%A4%A', '/api/channels/%zzsecret', '/hls/%E0%A4%A/index.m3u8']) {
        assertError(await send(s.base, 'GET', url), 400, 'bad_request', ['%E0', '%zz', 'secret']);
      }
    });

    test('404: an unknown route does not quote its path', async () => {
      assertError(await send(s.base, 'GET', '/api/nothing-here-secretpath'), 404, 'not_found', ['secretpath']);
    });

    test('431: request headers too large (Node parser), answered as JSON with Connection: close', async () => {
      const raw = await rawExchange(s.httpPort, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'secretvalue'.repeat(3000)}\r\n\r\n`);
      const r = parseRaw(raw);
      assert.equal(r.status, 431, raw.slice(0, 200));
      assert.equal(r.headers.get('connection'), 'close');
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assertError({ status: r.status, headers: new Headers(), text: r.body }, 431, 'headers_too_large', ['secretvalue']);
    });

    test('400: a malformed request line or header, answered as JSON with Connection: close', async () => {
      for (const bytes of [
        'NOT-HTTP secretline\r\n\r\n',
        'GET /x HTTP/1.1\r\nHost: x\r\nBad Header secretheader\r\n\r\n',
        'GET /\x7fsecret HTTP/1.1\r\nHost: x\r\n\r\n',
      ]) {
        const raw = await rawExchange(s.httpPort, bytes);
        const r = parseRaw(raw);
        assert.equal(r.headers.get('connection'), 'close');
        assertError({ status: r.status, headers: new Headers(), text: r.body }, 400, 'bad_request', ['secret']);
      }
    });

    test('the server still answers normally afterwards', async () => {
      assert.equal((await api(s.base, 'GET', '/api/channels/alice')).status, 200);
    });
  });

  describe('only JSON bodies are read', () => {
    const json = { 'content-type': 'application/json' };

    test('a POST without a body but with Content-Type: application/json is accepted where no body is needed', async () => {
      const auth = { ...json, authorization: `Bearer ${alice.token}` };
      const key = await send(s.base, 'POST', '/api/me/channel/stream-key', { headers: auth });
      assert.equal(key.status, 200, key.text);
      alice.channel.streamKey = JSON.parse(key.text).streamKey;
      const follow = await send(s.base, 'POST', '/api/channels/bob/follow', { headers: auth });
      assert.equal(follow.status, 200, follow.text);
      assert.equal(JSON.parse(follow.text).following, true);
      const unfollow = await send(s.base, 'DELETE', '/api/channels/bob/follow', { headers: auth });
      assert.equal(unfollow.status, 200, unfollow.text);
      const patch = await send(s.base, 'PATCH', '/api/me/channel', { headers: auth });
      assert.equal(patch.status, 200, patch.text);
      const throwaway = await api(s.base, 'POST', '/api/auth/login', { username: 'bob', password: 'pw-bob-123456' });
      const logout = await send(s.base, 'POST', '/api/auth/logout', { headers: { ...json, authorization: `Bearer ${throwaway.body.token}` } });
      assert.equal(logout.status, 204, logout.text);
      assert.equal((await api(s.base, 'GET', '/api/me', undefined, throwaway.body.token)).status, 401, 'logged out');
    });

    test('routes that need a body still say so; malformed JSON is invalid_json', async () => {
      const e = assertError(await send(s.base, 'POST', '/api/auth/login', { headers: json }), 400, 'bad_request');
      assert.match(e.message, /username/);
      assertError(
        await send(s.base, 'POST', '/api/auth/register', { headers: { 'content-type': 'application/json; charset=utf-8' } }),
        400,
        'bad_request',
      );
      assertError(await send(s.base, 'POST', '/api/auth/login', { headers: json, body: '{"username": "secretjson' }), 400, 'invalid_json', [
        'secretjson',
      ]);
      assertError(await send(s.base, 'POST', '/api/auth/login', { headers: json, body: ' ' }), 400, 'invalid_json');
      assertError(await send(s.base, 'POST', '/api/auth/login', { headers: json, body: '{"__proto__": {"x": 1}}' }), 400, 'invalid_json');
    });

    test('415: text/plain, form and multipart bodies, bodies without a type, and malformed Content-Types', async () => {
      const creds = JSON.stringify({ username: 'alice', password: 'pw-alice-123456' });
      const auth = { authorization: `Bearer ${alice.token}` };
      const cases: Array<[string, Record<string, string>, string | Blob]> = [
        ['/api/auth/login', { 'content-type': 'text/plain' }, creds],
        ['/api/auth/login', { 'content-type': 'text/plain;charset=UTF-8' }, creds],
        ['/api/auth/login', { 'content-type': 'application/x-www-form-urlencoded' }, 'username=alice&password=pw-alice-123456'],
        [
          '/api/auth/login',
          { 'content-type': 'multipart/form-data; boundary=b' },
          '--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n--b--\r\n',
        ],
        ['/api/auth/login', {}, new Blob([creds])],
        ['/api/me/channel/stream-key', { ...auth, 'content-type': 'text/plain' }, 'x'],
        ['/api/me/channel/stream-key', { ...auth, 'content-type': 'text/plain' }, ''],
        ['/api/auth/logout', { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'],
        ['/api/auth/login', { 'content-type': 'secretctype' }, creds],
        ['/api/auth/login', { 'content-type': '/json' }, creds],
        ['/api/auth/login', { 'content-type': 'application/' }, creds],
      ];
      for (const [url, headers, body] of cases) {
        assertError(await send(s.base, 'POST', url, { headers, body }), 415, 'unsupported_media_type', ['secret']);
      }
      const mine = await api(s.base, 'GET', '/api/me/channel', undefined, alice.token);
      assert.equal(mine.body.streamKey, alice.channel.streamKey, 'a refused request changed nothing');
      assert.equal((await api(s.base, 'GET', '/api/me', undefined, alice.token)).status, 200, 'still signed in');
    });

    test('413: a body over the limit', async () => {
      assertError(
        await send(s.base, 'POST', '/api/auth/login', { headers: json, body: JSON.stringify({ username: 'x'.repeat(70_000) }) }),
        413,
        'payload_too_large',
      );
    });
  });

  describe('text limits count what people see', () => {
    test('titles: 140 grapheme clusters, no bidi controls, not invisible', async () => {
      let r = await api(s.base, 'PATCH', '/api/me/channel', { title: FAMILY.repeat(140) }, alice.token);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.title, FAMILY.repeat(140));
      r = await api(s.base, 'PATCH', '/api/me/channel', { title: FAMILY.repeat(141) }, alice.token);
      assert.deepEqual([r.status, r.body.error.code], [400, 'bad_request']);
      assert.match(r.body.error.message, /140/);
      r = await api(s.base, 'PATCH', '/api/me/channel', { title: 'free \u202egpj.exe' }, alice.token);
      assert.deepEqual([r.status, r.body.error.code], [400, 'bad_request']);
      assert.match(r.body.error.message, /bidirectional/);
      r = await api(s.base, 'PATCH', '/api/me/channel', { title: '\u3164\u200b' }, alice.token);
      assert.deepEqual([r.status, r.body.error.code], [400, 'bad_request']);
      r = await api(s.base, 'PATCH', '/api/me/channel', { title: '\u0628\u062b \u0645\u0628\u0627\u0634\u0631 e\u0301' }, alice.token);
      assert.equal(r.status, 200, 'Arabic and combining marks are fine');
      assert.equal((await api(s.base, 'GET', '/api/channels/alice')).body.title, '\u0628\u062b \u0645\u0628\u0627\u0634\u0631 e\u0301');
    });

    test('passwords: at least 8 characters as people see them, not all blank', async () => {
      for (const password of [' '.repeat(8), '\u3000'.repeat(10), FAMILY.repeat(2), 'a' + '\u0301'.repeat(9)]) {
        const r = await api(s.base, 'POST', '/api/auth/register', { username: 'weakling', password });
        assert.deepEqual([r.status, r.body.error.code], [400, 'weak_password'], JSON.stringify(password));
      }
      const r = await api(s.base, 'POST', '/api/auth/register', { username: 'emojiuser', password: FAMILY.repeat(8) });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    });

    test('guest display names: 32 grapheme clusters, not invisible', async () => {
      assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, bob.token)).status, 200);
      const inv = await api(s.base, 'POST', '/api/me/invites', {}, bob.token);
      for (const displayName of ['\u3164', '\u200b\u2800', FAMILY.repeat(33), 'a\u202eb']) {
        const r = await api(s.base, 'POST', `/api/invites/${inv.body.token}/redeem`, { displayName });
        assert.deepEqual([r.status, r.body.error.code], [400, 'bad_request'], JSON.stringify(displayName));
      }
      const ok = await api(s.base, 'POST', `/api/invites/${inv.body.token}/redeem`, { displayName: FAMILY.repeat(32) });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'public' }, bob.token)).status, 200);
    });
  });

  describe('the Bearer scheme in any case', () => {
    test('an API route', async () => {
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
        const r = await send(s.base, 'GET', '/api/me', { headers: { authorization: `${scheme} ${alice.token}` } });
        assert.equal(r.status, 200, `${scheme}: ${r.text}`);
        assert.equal(JSON.parse(r.text).user.username, 'alice');
      }
      assert.equal((await send(s.base, 'GET', '/api/me', { headers: { authorization: `Basic ${alice.token}` } })).status, 401);
    });

    test('a private media URL', async () => {
      assert.equal((await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, alice.token)).status, 200);
      try {
        // Access is checked before liveness: 403 without credentials, 404 (not live) for an allowed viewer.
        assertError(await send(s.base, 'GET', '/hls/alice/index.m3u8'), 403, 'forbidden');
        for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
          const r = await send(s.base, 'GET', '/hls/alice/index.m3u8', { headers: { authorization: `${scheme} ${alice.token}` } });
          assertError(r, 404, 'not_found');
        }
      } finally {
        await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'public' }, alice.token);
      }
    });

    test('the chat handshake (Authorization header, polling and WebSocket)', async () => {
      for (const [scheme, transport] of [
        ['bearer', 'polling'],
        ['BEARER', 'polling'],
        ['bearer', 'websocket'],
        ['BEARER', 'websocket'],
      ] as const) {
        const socket: ChatClient = io(s.base, {
          path: CHAT_PATH,
          transports: [transport],
          extraHeaders: { authorization: `${scheme} ${alice.token}` },
          forceNew: true,
          reconnection: false,
          timeout: 5000,
        });
        try {
          await new Promise<void>((resolve, reject) => {
            socket.once('connect', resolve);
            socket.once('connect_error', reject);
          });
          const j = await request(socket, 'join', { channel: 'alice' });
          assert.equal(j.ok, true, JSON.stringify(j));
          assert.deepEqual([j.you.name, j.you.role, j.you.signedIn], ['alice', 'owner', true], `${scheme} over ${transport}`);
        } finally {
          socket.close();
        }
      }
    });
  });

  describe('chat refusals', () => {
    test('joining a channel that does not exist is not_found', async () => {
      const anon = await connectChat(s.base);
      const user = await connectChat(s.base, { token: bob.token });
      try {
        for (const c of [anon, user]) {
          const r = await request(c, 'join', { channel: 'nobody' });
          assert.deepEqual([r.ok, r.error.code], [false, 'not_found'], JSON.stringify(r));
        }
      } finally {
        anon.close();
        user.close();
      }
    });

    test('messages: bidi controls are refused, invisible-only is empty, length in grapheme clusters', async () => {
      const c = await connectChat(s.base, { token: bob.token });
      try {
        assert.equal((await request(c, 'join', { channel: 'alice' })).ok, true);
        for (const text of ['look \u202ehere', '\u2066x\u2069']) {
          const r = await request(c, 'send', { channel: 'alice', text });
          assert.deepEqual([r.ok, r.error.code], [false, 'bad_request'], JSON.stringify(text));
          assert.match(r.error.message, /bidirectional/);
        }
        for (const text of ['\u200b\u200d', '\u3164', '\u2800\u2800', '\u0301', '\u{e0041}\u{e007f}', ' \ufeff ']) {
          const r = await request(c, 'send', { channel: 'alice', text });
          assert.deepEqual([r.ok, r.error.code], [false, 'empty'], JSON.stringify(text));
        }
        const long = await request(c, 'send', { channel: 'alice', text: FAMILY.repeat(CHAT_LIMITS.maxMessageChars + 1) });
        assert.deepEqual([long.ok, long.error.code], [false, 'too_long']);
        const fits = await request(c, 'send', { channel: 'alice', text: FAMILY.repeat(CHAT_LIMITS.maxMessageChars) });
        assert.equal(fits.ok, true, JSON.stringify(fits).slice(0, 200));
        const rtl = await request(c, 'send', { channel: 'alice', text: '\u05e9\u05dc\u05d5\u05dd \u200f\u0645\u0631\u062d\u0628\u0627' });
        assert.equal(rtl.ok, true, JSON.stringify(rtl));
      } finally {
        c.close();
      }
    });
  });
});

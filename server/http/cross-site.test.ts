// Cross-site requests: a page on another origin (here another port of the same host, which SameSite=Lax cookies
// do not stop) must not change anything with a visitor's cookies nor open a chat connection as them. Checked with
// raw requests and with a real Chromium that holds the victim's session and opens the attacker's page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { chromium, type Browser } from 'playwright-core';
import { CHAT_PATH } from '../api/chat.js';
import { api, newStreamer, startTestServer, type TestServer } from '../test-support/server.js';
import { waitFor } from '../test-support/process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EMBEDDER = 'http://embed.example.test';

async function post(base: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; code?: string }> {
  const r = await fetch(base + url, { method: 'POST', headers, body });
  const text = await r.text();
  let code: string | undefined;
  try {
    code = JSON.parse(text).error?.code;
  } catch {}
  return { status: r.status, code };
}

/** Whether a socket.io handshake with these headers is accepted (polling, so the headers are sent as given). */
function chatHandshake(base: string, headers: Record<string, string>): Promise<boolean> {
  const socket = io(base, { path: CHAT_PATH, transports: ['polling'], forceNew: true, reconnection: false, extraHeaders: headers, timeout: 5000 });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.close();
      resolve(true);
    });
    socket.once('connect_error', () => {
      socket.close();
      resolve(false);
    });
  });
}

describe('cross-site requests are refused', () => {
  let s: TestServer;
  let victim: Awaited<ReturnType<typeof newStreamer>>;
  let cookie: string;
  let attacker: http.Server;
  let attackerBase: string;
  let browser: Browser | undefined;
  let profileDir: string;

  before(async () => {
    s = await startTestServer({ ONAIR_ALLOWED_ORIGINS: EMBEDDER });
    victim = await newStreamer(s.base, 'vera');
    const login = await fetch(`${s.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'vera', password: 'pw-vera-123456', session: 'cookie' }),
    });
    assert.equal(login.status, 200);
    cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('onair_session='))!
      .split(';')[0];
    // The attacker's site: another port of the same host.
    attacker = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(attackPage(s.base));
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerBase = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    attacker?.closeAllConnections();
    await new Promise((r) => attacker?.close(r));
    await s?.stop();
  });

  const currentKey = async () => (await api(s.base, 'GET', '/api/me/channel', undefined, victim.token)).body.streamKey as string;

  test('over HTTP: a cookie-authenticated change from another origin is refused; our own, an allowed embedder and bearer tokens pass', async () => {
    const key = await currentKey();
    const json = { 'content-type': 'application/json', cookie };
    const own = s.base;
    assert.deepEqual(await post(s.base, '/api/me/channel/stream-key', { ...json, origin: attackerBase }), { status: 403, code: 'cross_site' });
    assert.deepEqual(await post(s.base, '/api/me/channel/stream-key', { ...json, origin: 'null' }), { status: 403, code: 'cross_site' });
    assert.deepEqual(await post(s.base, '/api/me/channel/stream-key', { ...json, 'sec-fetch-site': 'same-site' }), {
      status: 403,
      code: 'cross_site',
    });
    assert.deepEqual(
      await post(
        s.base,
        '/api/auth/login',
        { 'content-type': 'application/json', origin: attackerBase },
        JSON.stringify({ username: 'vera', password: 'pw-vera-123456' }),
      ),
      { status: 403, code: 'cross_site' },
      'no login CSRF',
    );
    assert.equal(await currentKey(), key, 'nothing changed');
    // A form's text/plain body is not JSON: refused whatever its origin.
    assert.equal((await post(s.base, '/api/me/channel/stream-key', { 'content-type': 'text/plain', cookie, origin: own }, '{"x":1}')).status, 415);
    assert.equal(await currentKey(), key);

    assert.equal((await post(s.base, '/api/me/channel/stream-key', { ...json, origin: own })).status, 200, 'our own page');
    assert.equal((await post(s.base, '/api/me/channel/stream-key', { ...json, origin: EMBEDDER })).status, 200, 'an allowed embedder');
    assert.equal(
      (await post(s.base, '/api/me/channel/stream-key', { authorization: `Bearer ${victim.token}`, origin: attackerBase })).status,
      200,
      'a bearer token is not ambient',
    );
    assert.equal((await post(s.base, '/api/me/channel/stream-key', { cookie })).status, 200, 'a client that sends no Origin (not a browser)');
  });

  test('chat: a handshake from another origin is refused; our own origin, an allowed embedder and no Origin connect', async () => {
    assert.equal(await chatHandshake(s.base, { cookie, origin: attackerBase }), false);
    assert.equal(await chatHandshake(s.base, { cookie, origin: s.base }), true);
    assert.equal(await chatHandshake(s.base, { cookie, origin: EMBEDDER }), true);
    assert.equal(await chatHandshake(s.base, { cookie }), true);
  });

  test('in Chromium: the victim opens a page on another port; its form post, fetch and WebSocket change nothing and say nothing', async () => {
    profileDir = mkdtempSync(path.join(tmpdir(), 'onair-chromium-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
      env: { ...process.env, HOME: profileDir },
    });
    const ctx = await browser.newContext();
    const [name, value] = cookie.split('=');
    await ctx.addCookies([{ name, value, url: s.base, httpOnly: true, sameSite: 'Lax' }]);
    const page = await ctx.newPage();
    const key = await currentKey();

    // Control: from Onair's own page the same cookie does change the key, so the refusal below is the origin's.
    await page.goto(`${s.base}/api/channels/vera`);
    const ownStatus = await page.evaluate(async () => (await fetch('/api/me/channel/stream-key', { method: 'POST' })).status);
    assert.equal(ownStatus, 200, 'same-origin request with the cookie works');
    const keyAfterOwn = await currentKey();
    assert.notEqual(keyAfterOwn, key);

    await page.goto(attackerBase);
    const report = await page.evaluate(() => (window as any).attack as Promise<{ fetchStatus: string; ws: string }>);
    // The form posted in a frame; wait for its answer to load.
    const frame = page.frames().find((f) => f.name() === 'sink')!;
    await waitFor('the form post answered', async () => (await frame.content()).includes('cross_site'), 10_000);
    assert.equal(await currentKey(), keyAfterOwn, 'the stream key was not reset');
    assert.match(report.ws, /^(error|closed)/, `the WebSocket was refused: ${report.ws}`);
    const history = await new Promise<any>((resolve) => {
      const c = io(s.base, { path: CHAT_PATH, transports: ['websocket'], forceNew: true, reconnection: false });
      c.once('connect', () =>
        c.emit('join' as any, { channel: 'vera' }, (r: any) => {
          c.close();
          resolve(r);
        }),
      );
    });
    assert.equal(history.ok, true);
    assert.ok(!history.history.some((m: any) => m.text === 'pwned'), 'no message was said in the victim’s name');
  });
});

/** The attacker's page: a form post into a frame, a credentialed fetch, and a raw socket.io WebSocket. */
function attackPage(target: string): string {
  return `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="g" method="POST" action="${target}/api/me/channel/stream-key" target="sink"></form>
<script>
window.attack = (async () => {
  document.getElementById('g').submit();
  let fetchStatus = 'none';
  try {
    await fetch('${target}/api/me/channel/stream-key', { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' });
    fetchStatus = 'sent';
  } catch (e) { fetchStatus = 'error'; }
  const ws = await new Promise((resolve) => {
    const w = new WebSocket('${target.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket');
    w.onmessage = (m) => {
      if (String(m.data).startsWith('0')) w.send('40');
      if (String(m.data).startsWith('40')) { w.send('42["join",{"channel":"vera"}]'); setTimeout(() => w.send('42["send",{"channel":"vera","text":"pwned"}]'), 300); setTimeout(() => resolve('open'), 1500); }
    };
    w.onerror = () => resolve('error');
    w.onclose = (e) => resolve('closed ' + e.code);
    setTimeout(() => resolve('timeout'), 5000);
  });
  return { fetchStatus, ws };
})();
</script></body></html>`;
}

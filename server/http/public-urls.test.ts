// End to end over real HTTP: the links in answers (invite, OBS server URL, HLS) follow the address the visitor used,
// a trusted proxy's forwarded host and scheme, or ONAIR_PUBLIC_URL when set; a forged Host falls back to the default.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { newStreamer, startTestServer, type TestServer } from '../test-support/server.js';
import { parseHost } from './urls.js';

/** A request with headers fetch() would not send as given (Host). */
function raw(base: string, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

/** The OBS server URL, the HLS link and a fresh invite link as a visitor with these headers gets them. */
async function links(s: TestServer, token: string, headers: Record<string, string>) {
  const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers };
  const me = await raw(s.base, 'GET', '/api/me/channel', h);
  assert.equal(me.status, 200);
  const invite = await raw(s.base, 'POST', '/api/me/invites', h);
  assert.equal(invite.status, 201);
  return { rtmp: me.body.rtmpUrl as string, hls: me.body.hlsUrl as string, invite: invite.body.url as string };
}

test('parseHost takes hostnames and IPs with an optional port, nothing else', () => {
  assert.deepEqual(parseHost('192.168.1.5:8080'), { hostname: '192.168.1.5', port: '8080' });
  assert.deepEqual(parseHost('Live.Example.com'), { hostname: 'live.example.com', port: '' });
  assert.deepEqual(parseHost('[::1]:80'), { hostname: '[::1]', port: '80' });
  for (const bad of ['', 'a b', 'x.com/path', 'user@x.com', 'x.com:99999', 'x.com:', '"><script>', '[nope]', 'x..com', '-x.com', 'x.com:80:80']) {
    assert.equal(parseHost(bad), null, bad);
  }
});

describe('ONAIR_PUBLIC_URL unset: links follow the visitor', () => {
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServer();
    ({ token } = await newStreamer(s.base, 'linker'));
  });
  after(async () => s.stop());

  test('each Host gets links with that host, the OBS URL on the RTMP port', async () => {
    const lan = await links(s, token, { host: '192.168.7.9:8080' });
    assert.equal(lan.hls, 'http://192.168.7.9:8080/hls/linker/index.m3u8');
    assert.equal(lan.rtmp, `rtmp://192.168.7.9:${s.rtmpPort}/live`);
    assert.match(lan.invite, /^http:\/\/192\.168\.7\.9:8080\/i\/[A-Za-z0-9_-]+$/);
    const named = await links(s, token, { host: 'stream.home.arpa' });
    assert.equal(named.hls, 'http://stream.home.arpa/hls/linker/index.m3u8');
    assert.equal(named.rtmp, `rtmp://stream.home.arpa:${s.rtmpPort}/live`);
    assert.match(named.invite, /^http:\/\/stream\.home\.arpa\/i\//);
  });

  test('a forged Host falls back to the configured default', async () => {
    for (const host of ['evil.example"><img src=x>', 'a.example/../x', 'u@evil.example']) {
      const l = await links(s, token, { host });
      assert.equal(l.hls, `${s.config.publicUrl}/hls/linker/index.m3u8`, host);
      assert.equal(l.rtmp, s.config.rtmpPublicUrl, host);
      assert.ok(l.invite.startsWith(`${s.config.publicUrl}/i/`), host);
    }
    assert.match(s.config.publicUrl, /^http:\/\/localhost:\d+$/);
  });

  test('forwarded headers from a proxy nobody trusts are ignored', async () => {
    const l = await links(s, token, { host: '10.0.0.2:8080', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    assert.equal(l.hls, 'http://10.0.0.2:8080/hls/linker/index.m3u8');
  });
});

describe('behind a trusted proxy', () => {
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServer({ ONAIR_TRUST_PROXY: 'loopback' });
    ({ token } = await newStreamer(s.base, 'proxied'));
  });
  after(async () => s.stop());

  test("links use the proxy's X-Forwarded-Host and -Proto", async () => {
    const l = await links(s, token, { host: '127.0.0.1:3000', 'x-forwarded-host': 'live.example.org', 'x-forwarded-proto': 'https' });
    assert.equal(l.hls, 'https://live.example.org/hls/proxied/index.m3u8');
    assert.equal(l.rtmp, `rtmp://live.example.org:${s.rtmpPort}/live`);
    assert.match(l.invite, /^https:\/\/live\.example\.org\/i\//);
    const forged = await links(s, token, { host: '127.0.0.1:3000', 'x-forwarded-host': 'x"y' });
    assert.equal(forged.hls, `${s.config.publicUrl}/hls/proxied/index.m3u8`);
  });
});

describe('ONAIR_PUBLIC_URL set', () => {
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServer({ ONAIR_PUBLIC_URL: 'https://fixed.example.com' });
    ({ token } = await newStreamer(s.base, 'fixed'));
  });
  after(async () => s.stop());

  test('every link uses it, whatever the Host', async () => {
    const l = await links(s, token, { host: '192.168.7.9:8080' });
    assert.equal(l.hls, 'https://fixed.example.com/hls/fixed/index.m3u8');
    assert.equal(l.rtmp, `rtmp://fixed.example.com:${s.rtmpPort}/live`);
    assert.match(l.invite, /^https:\/\/fixed\.example\.com\/i\//);
  });
});

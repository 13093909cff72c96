import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adoptBoundPorts, ConfigError, loadConfig } from './config.js';

const empty = mkdtempSync(path.join(tmpdir(), 'onair-cfg-'));

test('defaults need no file and no service', () => {
  const c = loadConfig({}, empty);
  assert.equal(c.httpPort, 8080);
  assert.equal(c.rtmpPort, 1935);
  assert.equal(c.dataDir, path.join(empty, 'data'));
  assert.equal(c.databaseUrl, '');
  assert.equal(c.redisUrl, '');
  assert.equal(c.publicUrl, 'http://localhost:8080');
  assert.equal(c.rtmpPublicUrl, 'rtmp://localhost/live');
  assert.equal(c.publicUrlSet, false, 'links follow each visitor (http/urls.ts); localhost is only the fallback');
  assert.equal(c.rtmpPublicUrlSet, false);
  assert.equal(c.media.segmentSeconds, 1);
  assert.equal(c.media.gracePeriodSeconds, 10);
  assert.equal(c.media.abr, false);
});

test('environment overrides the config file, which overrides defaults', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-cfg-'));
  writeFileSync(path.join(dir, 'onair.config.json'), JSON.stringify({ httpPort: 9000, rtmpPort: 1940, media: { abr: true, segmentSeconds: 2 } }));
  const c = loadConfig(
    { ONAIR_HTTP_PORT: '9100', ONAIR_PUBLIC_URL: 'https://live.example.com/', DATABASE_URL: 'postgres://u@h/db', REDIS_URL: 'redis://h:6379' },
    dir,
  );
  assert.equal(c.httpPort, 9100);
  assert.equal(c.rtmpPort, 1940);
  assert.equal(c.media.abr, true);
  assert.equal(c.media.segmentSeconds, 2);
  assert.equal(c.publicUrl, 'https://live.example.com');
  assert.equal(c.publicUrlSet, true);
  assert.equal(c.rtmpPublicUrl, 'rtmp://live.example.com:1940/live');
  assert.equal(c.rtmpPublicUrlSet, false);
  assert.equal(c.auth.secureCookies, true);
  assert.equal(c.databaseUrl, 'postgres://u@h/db');
  assert.equal(c.redisUrl, 'redis://h:6379');
});

test('bad values are refused with the setting named', () => {
  assert.throws(
    () => loadConfig({ ONAIR_HTTP_PORT: 'eighty' }, empty),
    (e: unknown) => e instanceof ConfigError && /ONAIR_HTTP_PORT/.test(e.message),
  );
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }, empty), /DATABASE_URL/);
  assert.throws(() => loadConfig({ ONAIR_ABR: 'maybe' }, empty), /ONAIR_ABR/);
  assert.throws(() => loadConfig({ ONAIR_CONFIG: '/nonexistent.json' }, empty), /cannot read config file/);
});

test('ONAIR_TRUST_PROXY lists the proxies to believe; anything else is refused with the reason', () => {
  assert.deepEqual(loadConfig({}, empty).trustProxy, []);
  assert.deepEqual(loadConfig({ ONAIR_TRUST_PROXY: 'loopback, 10.0.0.0/8,192.168.1.5' }, empty).trustProxy, [
    'loopback',
    '10.0.0.0/8',
    '192.168.1.5',
  ]);
  assert.throws(
    () => loadConfig({ ONAIR_TRUST_PROXY: 'my-proxy.example' }, empty),
    (e: Error) => e instanceof ConfigError && /ONAIR_TRUST_PROXY/.test(e.message),
  );
});

test('ONAIR_RTMP_MAX_PER_ADDRESS caps RTMP connections per address: 32 by default, 1 or more', () => {
  assert.equal(loadConfig({}, empty).rtmpMaxPerAddress, 32);
  assert.equal(loadConfig({ ONAIR_RTMP_MAX_PER_ADDRESS: '200' }, empty).rtmpMaxPerAddress, 200);
  assert.throws(
    () => loadConfig({ ONAIR_RTMP_MAX_PER_ADDRESS: '0' }, empty),
    (e: Error) => e instanceof ConfigError && /ONAIR_RTMP_MAX_PER_ADDRESS/.test(e.message),
  );
});

test('ONAIR_WEBHOOKS_ALLOW_PRIVATE lets webhooks reach private addresses: off by default, from the file or the environment', () => {
  assert.equal(loadConfig({}, empty).webhooks.allowPrivateAddresses, false);
  assert.equal(loadConfig({ ONAIR_WEBHOOKS_ALLOW_PRIVATE: '1' }, empty).webhooks.allowPrivateAddresses, true);
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-cfg-'));
  writeFileSync(path.join(dir, 'onair.config.json'), JSON.stringify({ webhooks: { allowPrivateAddresses: true } }));
  assert.equal(loadConfig({}, dir).webhooks.allowPrivateAddresses, true);
  assert.equal(loadConfig({ ONAIR_WEBHOOKS_ALLOW_PRIVATE: 'false' }, dir).webhooks.allowPrivateAddresses, false);
  assert.throws(() => loadConfig({ ONAIR_WEBHOOKS_ALLOW_PRIVATE: 'sometimes' }, empty), /ONAIR_WEBHOOKS_ALLOW_PRIVATE/);
});

test('FFMPEG_PATH names the ffmpeg binary and wins over the config file; nothing else in the environment does', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-cfg-'));
  writeFileSync(path.join(dir, 'onair.config.json'), JSON.stringify({ media: { ffmpegPath: '/from/file/ffmpeg' } }));
  assert.equal(loadConfig({}, empty).media.ffmpegPath, '');
  assert.equal(loadConfig({}, dir).media.ffmpegPath, '/from/file/ffmpeg');
  assert.equal(loadConfig({ FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg' }, dir).media.ffmpegPath, '/opt/ffmpeg/bin/ffmpeg');
  assert.equal(loadConfig({ ONAIR_FFMPEG: '/not/a/setting' }, empty).media.ffmpegPath, '');
});

test('ONAIR_ADMIN_TOKEN, ONAIR_LOG_LEVEL and the sign-in lifetimes are read with the rest', () => {
  const c = loadConfig({}, empty);
  assert.equal(c.adminToken, '');
  assert.equal(c.logLevel, 'info');
  assert.equal(c.auth.sessionDays, 30);
  assert.equal(c.auth.bearerDays, 365);
  const d = loadConfig(
    { ONAIR_ADMIN_TOKEN: 'ops-token-for-the-dashboard', ONAIR_LOG_LEVEL: 'warn', ONAIR_SESSION_DAYS: '7', ONAIR_BEARER_DAYS: '90' },
    empty,
  );
  assert.equal(d.adminToken, 'ops-token-for-the-dashboard');
  assert.equal(d.logLevel, 'warn');
  assert.equal(d.auth.sessionDays, 7);
  assert.equal(d.auth.bearerDays, 90);
  assert.throws(
    () => loadConfig({ ONAIR_LOG_LEVEL: 'loud' }, empty),
    (e: Error) => e instanceof ConfigError && /ONAIR_LOG_LEVEL/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ ONAIR_SESSION_DAYS: '0' }, empty),
    (e: Error) => e instanceof ConfigError && /ONAIR_SESSION_DAYS/.test(e.message),
  );
  // Low-Latency HLS: on with 0.2 s parts by default; a part as long as a segment is refused.
  assert.deepEqual([loadConfig({}, empty).media.lowLatency, loadConfig({}, empty).media.partSeconds], [true, 0.2]);
  assert.equal(loadConfig({ ONAIR_LOW_LATENCY: 'false' }, empty).media.lowLatency, false);
  assert.throws(
    () => loadConfig({ ONAIR_PART_SECONDS: '0' }, empty),
    (e: Error) => e instanceof ConfigError && /ONAIR_PART_SECONDS/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ ONAIR_PART_SECONDS: '1', ONAIR_SEGMENT_SECONDS: '1' }, empty),
    /ONAIR_PART_SECONDS \(1\) must be less than ONAIR_SEGMENT_SECONDS/,
  );
});

test('ONAIR_SIGNUPS: open by default, invite or closed, anything else refused; the config file read is named', () => {
  assert.equal(loadConfig({}, empty).signups, 'open');
  assert.equal(loadConfig({ ONAIR_SIGNUPS: 'Invite' }, empty).signups, 'invite');
  assert.equal(loadConfig({ ONAIR_SIGNUPS: 'closed' }, empty).signups, 'closed');
  assert.throws(
    () => loadConfig({ ONAIR_SIGNUPS: 'friends' }, empty),
    (e: Error) => e instanceof ConfigError && /ONAIR_SIGNUPS must be one of open, invite, closed, got "friends"/.test(e.message),
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'onair-cfg-signups-'));
  writeFileSync(path.join(dir, 'onair.config.json'), JSON.stringify({ signups: 'closed' }));
  const fromFile = loadConfig({}, dir);
  assert.deepEqual([fromFile.signups, fromFile.configFile], ['closed', path.join(dir, 'onair.config.json')]);
  assert.equal(loadConfig({}, empty).configFile, '');
});

test("README's settings table lists exactly the environment variables the config reads", () => {
  const read = new Set<string>();
  const recording = new Proxy({} as Record<string, string | undefined>, {
    get(_t, name) {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
  });
  loadConfig(recording, empty);

  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Settings'), readme.indexOf('\n## ', readme.indexOf('### Settings')));
  const documented = new Set<string>();
  for (const line of section.split('\n')) {
    const firstCell = /^\|([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const m of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) documented.add(m[1]);
  }
  assert.ok(documented.size > 10, 'the settings table was not found in README.md');
  assert.deepEqual([...read].filter((n) => !documented.has(n)).sort(), [], 'read by loadConfig but missing from the README table');
  assert.deepEqual([...documented].filter((n) => !read.has(n)).sort(), [], 'in the README table but never read by loadConfig');
});

test('ports given as 0 are bound by the system: the URLs shown name the ports bound; ports given stay as they are', () => {
  const ephemeral = loadConfig({ ONAIR_HTTP_PORT: '0', ONAIR_RTMP_PORT: '0', ONAIR_SRT_PORT: 'auto' }, empty);
  adoptBoundPorts(ephemeral, { http: 40001, rtmp: 40002, srt: 40004 });
  assert.deepEqual(
    [ephemeral.publicUrl, ephemeral.rtmpPublicUrl, ephemeral.srtPublicUrl, ephemeral.srt?.port],
    ['http://localhost:40001', 'rtmp://localhost:40002/live', 'srt://localhost:40004', 40004],
  );
  const fixed = loadConfig({ ONAIR_HTTP_PORT: '8080', ONAIR_RTMP_PORT: '1935' }, empty);
  adoptBoundPorts(fixed, { http: 40001, rtmp: 40002 });
  assert.deepEqual([fixed.publicUrl, fixed.rtmpPublicUrl], ['http://localhost:8080', 'rtmp://localhost/live']);
});

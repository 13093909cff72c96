// End to end: a real server (SQLite file, RTMP, HTTP), real ffmpeg publishers and players, real ffprobe.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { api, newStreamer, publish, startTestServer, type TestServer } from './test-support/server.js';
import { ffmpegPath, ffprobe, run, sleep, waitFor } from './test-support/process.js';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true } as any) as any[]) out.push(`${e.parentPath ?? e.path}/${e.name}`);
  return out;
}

describe('Onair end to end', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ ONAIR_GRACE_SECONDS: '3' });
  });
  after(async () => {
    await s.stop();
  });

  test('a published test pattern plays as HLS and DASH, then becomes a replay with ENDLIST', async () => {
    const { token, channel } = await newStreamer(s.base, 'alice');
    assert.equal(channel.name, 'alice');
    assert.match(channel.rtmpUrl, /^rtmp:\/\/.*\/live$/);
    assert.ok(!channel.hlsUrl.includes(channel.streamKey));
    const pub = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 5 });
    const master = await waitFor('live master playlist', async () => {
      const r = await fetch(`${s.base}/hls/alice/index.m3u8`);
      const text = await r.text();
      return r.status === 200 && text.includes('#EXT-X-STREAM-INF') ? { text, headers: r.headers } : null;
    });
    for (const headers of [master.headers]) {
      assert.equal(headers.get('content-type'), 'application/vnd.apple.mpegurl');
      assert.match(headers.get('cache-control') ?? '', /no-cache/);
      assert.equal(headers.get('access-control-allow-origin'), '*');
    }
    // The channel's master points into the stream's folder: a video variant with the audio as its group.
    const videoUri = master.text.split('\n').find((l) => l.endsWith('.m3u8'))!;
    assert.match(videoUri, /^\/vod\/[A-Za-z0-9_-]+\/video\.m3u8$/, 'media playlists are addressed by stream id');
    assert.match(master.text, /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio".*URI="\/vod\/[A-Za-z0-9_-]+\/audio\.m3u8"/);
    assert.match(master.text, /RESOLUTION=320x240,FRAME-RATE=30\.000,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",AUDIO="audio"/);
    const live = await waitFor('live video playlist', async () => {
      const r = await fetch(s.base + videoUri);
      const text = await r.text();
      return r.status === 200 && /v-seg-\d+\.m4s/.test(text) ? { text, headers: r.headers } : null;
    });
    assert.equal(live.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.match(live.headers.get('cache-control') ?? '', /no-cache/);
    assert.equal(live.headers.get('access-control-allow-origin'), '*');
    assert.ok(!live.text.includes('#EXT-X-ENDLIST'));
    const segUri = videoUri.replace(
      'video.m3u8',
      live.text.split('\n').find((l) => l.endsWith('.m4s'))!,
    );
    assert.match(segUri, /^\/vod\/[A-Za-z0-9_-]+\/v-seg-\d+\.m4s$/);
    const seg = await fetch(s.base + segUri);
    assert.equal(seg.status, 200);
    assert.equal(seg.headers.get('content-type'), 'video/iso.segment');
    assert.match(seg.headers.get('cache-control') ?? '', /max-age=31536000/);
    const bytes = Buffer.from(await seg.arrayBuffer());
    // The second fetch of a hot segment takes the fast path: same bytes, same headers.
    const again = await fetch(s.base + segUri);
    assert.deepEqual(Buffer.from(await again.arrayBuffer()), bytes);
    for (const h of ['content-type', 'cache-control', 'access-control-allow-origin', 'content-length'])
      assert.equal(again.headers.get(h), seg.headers.get(h), h);
    const ranged = await fetch(s.base + segUri, { headers: { range: 'bytes=0-99' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 0-99/${bytes.length}`);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), bytes.subarray(0, 100));

    const me = await api(s.base, 'GET', '/api/me/channel', undefined, token);
    assert.equal(me.body.live, true);
    const mpd = await fetch(`${s.base}/dash/alice/index.mpd`);
    assert.equal(mpd.status, 200);
    assert.equal(mpd.headers.get('content-type'), 'application/dash+xml');
    assert.match(await mpd.text(), /<BaseURL>\/vod\/[A-Za-z0-9_-]+\/<\/BaseURL>/);

    const stats = await api(s.base, 'GET', '/api/stats');
    const st = stats.body.streams.find((x: any) => x.channel === 'alice');
    assert.ok(st, 'stream in /api/stats');
    assert.equal(st.video.width, 320);
    assert.equal(st.video.height, 240);
    assert.match(st.video.codec, /^avc1\./);
    assert.match(st.audio.codec, /^mp4a\.40/);
    assert.ok(st.bitrateKbps > 20 && st.bitrateKbps < 20_000, `input bitrate ${st.bitrateKbps} kbit/s`);
    const statXml = await (await fetch(`${s.base}/stat`)).text();
    assert.match(statXml, /<name>alice<\/name>/);
    assert.ok(!statXml.includes(channel.streamKey), 'no key on the stat page');
    assert.match(await (await fetch(`${s.base}/metrics`)).text(), /onair_live_streams 1/);

    assert.equal(await pub.exit, 0, pub.stderr());
    await waitFor('replay', async () => (await api(s.base, 'GET', '/api/channels/alice/replays')).body.length === 1);
    const [replay] = (await api(s.base, 'GET', '/api/channels/alice/replays')).body;
    assert.equal(replay.hlsUrl, `${s.base}/vod/${replay.id}/index.m3u8`);
    assert.ok(Math.abs(replay.durationSeconds - 5) < 0.7, `duration ${replay.durationSeconds}`);
    for (const track of ['video', 'audio']) {
      assert.match(await (await fetch(`${s.base}/vod/${replay.id}/${track}.m3u8`)).text(), /#EXT-X-ENDLIST/);
    }
    // The replay plays end to end as HLS and as DASH (one AdaptationSet per track), audio and video.
    for (const manifest of ['index.m3u8', 'index.mpd']) {
      const probe = await ffprobe(`${s.base}/vod/${replay.id}/${manifest}`);
      const codecs = [...new Set(probe.streams.map((x) => x.codec_name))].sort();
      assert.deepEqual(codecs, ['aac', 'h264'], manifest);
      assert.ok(Math.abs(Number(probe.format.duration) - 5) < 0.7, `${manifest} probed duration ${probe.format.duration}`);
      const decode = await run(
        ffmpegPath,
        ['-v', 'error', '-i', `${s.base}/vod/${replay.id}/${manifest}`, '-map', '0:v:0', '-map', '0:a:0', '-f', 'null', '-'],
        60_000,
      );
      assert.equal(decode.code, 0, decode.stderr);
      assert.equal(decode.stderr, '', manifest);
    }
    // For a minute after the end the live URLs answer the stream's last playlists (players behind the edge play it
    // out); the channel itself is offline.
    assert.equal((await api(s.base, 'GET', '/api/channels/alice')).body.live, false);
    const lastMaster = await fetch(`${s.base}/hls/alice/index.m3u8`);
    assert.equal(lastMaster.status, 200);
    const lastVideo = (await lastMaster.text()).split('\n').find((l) => l.endsWith('video.m3u8'))!;
    assert.match(await (await fetch(s.base + lastVideo)).text(), /#EXT-X-ENDLIST\n$/);
  });

  test('a wrong key is refused with BadName and nothing is written', async () => {
    const pub = publish(`${s.rtmpBase}/live_not-a-real-key-000000`, { seconds: 3 });
    const code = await pub.exit;
    assert.notEqual(code, 0);
    assert.equal(s.streams.list().length, 0);
  });

  test('a second publisher on a live key is refused; the first keeps streaming', async () => {
    const { channel } = await newStreamer(s.base, 'bob');
    const first = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 6 });
    await waitFor('bob live', () => s.streams.isPublishing('bob'));
    const second = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 2 });
    assert.notEqual(await second.exit, 0);
    assert.ok(s.streams.isPublishing('bob'));
    assert.equal(await first.exit, 0, first.stderr());
  });

  test('a publisher that drops and returns within the grace period continues the same playlist', async () => {
    const { channel } = await newStreamer(s.base, 'carol');
    const a = publish(`${s.rtmpBase}/${channel.streamKey}`);
    await waitFor('carol segments', () => (s.streams.get('carol')?.segments ?? 0) >= 2);
    const streamId = s.streams.get('carol')!.streamId;
    a.proc.kill('SIGKILL');
    await a.exit;
    await waitFor('carol waiting', () => s.streams.get('carol')?.state === 'waiting');
    const b = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 3 });
    await waitFor('carol live again', () => s.streams.get('carol')?.state === 'live');
    assert.equal(s.streams.get('carol')!.streamId, streamId, 'same stream continues');
    assert.equal(await b.exit, 0, b.stderr());
    await s.replayRecorded(streamId);
    for (const track of ['video', 'audio']) {
      const vod = await (await fetch(`${s.base}/vod/${streamId}/${track}.m3u8`)).text();
      assert.equal(vod.match(/#EXT-X-DISCONTINUITY\n/g)?.length, 1, vod);
      assert.match(vod, /#EXT-X-ENDLIST/);
    }
    const decode = await run(ffmpegPath, ['-v', 'error', '-i', `${s.base}/vod/${streamId}/index.m3u8`, '-f', 'null', '-'], 60_000);
    assert.equal(decode.code, 0, decode.stderr);
  });

  test('after the grace period the stream ends with ENDLIST', async () => {
    const { channel } = await newStreamer(s.base, 'dave');
    const a = publish(`${s.rtmpBase}/${channel.streamKey}`);
    await waitFor('dave segments', () => (s.streams.get('dave')?.segments ?? 0) >= 2);
    const streamId = s.streams.get('dave')!.streamId;
    a.proc.kill('SIGKILL');
    await s.replayRecorded(streamId);
    const vod = await (await fetch(`${s.base}/vod/${streamId}/video.m3u8`)).text();
    assert.match(vod, /#EXT-X-ENDLIST/);
    assert.ok(!vod.includes('#EXT-X-DISCONTINUITY\n'));
  });

  test('two streams at once stay independent when one publisher dies', async () => {
    const e = await newStreamer(s.base, 'erin');
    const f = await newStreamer(s.base, 'frank');
    const pe = publish(`${s.rtmpBase}/${e.channel.streamKey}`, { seconds: 6, size: '320x240' });
    const pf = publish(`${s.rtmpBase}/${f.channel.streamKey}`, { size: '640x360' });
    await waitFor('both segments', () => (s.streams.get('erin')?.segments ?? 0) >= 1 && (s.streams.get('frank')?.segments ?? 0) >= 1);
    const stats = (await api(s.base, 'GET', '/api/stats')).body.streams;
    assert.equal(stats.find((x: any) => x.channel === 'erin').video.width, 320);
    assert.equal(stats.find((x: any) => x.channel === 'frank').video.width, 640);
    pf.proc.kill('SIGKILL');
    const erin = s.streams.get('erin')!;
    assert.equal(await pe.exit, 0, pe.stderr());
    await s.replayRecorded(erin.streamId);
    const probe = await ffprobe(`${s.base}/vod/${erin.streamId}/index.m3u8`);
    assert.ok(Math.abs(Number(probe.format.duration) - 6) < 0.7, `erin duration ${probe.format.duration}`);
  });

  test('regenerating the key drops the live publisher and the old key stops working', async () => {
    const { token, channel } = await newStreamer(s.base, 'gina');
    const p = publish(`${s.rtmpBase}/${channel.streamKey}`);
    await waitFor('gina live', () => s.streams.isPublishing('gina'));
    const fresh = await api(s.base, 'POST', '/api/me/channel/stream-key', undefined, token);
    assert.equal(fresh.status, 200);
    assert.notEqual(fresh.body.streamKey, channel.streamKey);
    const code = await Promise.race([p.exit, sleep(10_000).then(() => 'still running')]);
    assert.notEqual(code, 'still running', 'publisher was dropped');
    p.proc.kill('SIGKILL');
    const again = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 2 });
    assert.notEqual(await again.exit, 0, 'old key refused');
  });

  test('ffmpeg can play a live channel over RTMP', async () => {
    const { channel } = await newStreamer(s.base, 'hank');
    const p = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 8 });
    await waitFor('hank live', () => s.streams.isPublishing('hank'));
    const play = await run(ffmpegPath, ['-v', 'error', '-i', `${s.rtmpBase}/hank`, '-t', '2', '-f', 'null', '-'], 30_000);
    assert.equal(play.code, 0, play.stderr);
    const missing = await run(ffmpegPath, ['-v', 'error', '-i', `${s.rtmpBase}/nobody`, '-t', '1', '-f', 'null', '-'], 30_000);
    assert.notEqual(missing.code, 0);
    p.proc.kill('SIGKILL');
  });

  test('bad requests get clear errors; media paths cannot escape', async () => {
    const bad = await fetch(`${s.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username": ' });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, 'invalid_json');
    const big = await api(s.base, 'POST', '/api/auth/register', { username: 'x'.repeat(10), password: 'p'.repeat(200_000) });
    assert.equal(big.status, 413);
    assert.equal(
      (await api(s.base, 'POST', '/api/auth/register', { username: 'alice', password: 'another-password' })).body.error.code,
      'username_taken',
    );
    assert.equal((await api(s.base, 'GET', '/api/me/channel')).status, 401);
    for (const p of ['/vod/..%2F..%2Fonair.db/x.m3u8', '/vod/abc/..%2Fonair.db', '/hls/alice/..%2F..%2Fonair.db', '/vod/aaaaaaaa/../../onair.db']) {
      const r = await fetch(s.base + p);
      assert.ok(r.status === 404 || r.status === 400, `${p} -> ${r.status}`);
    }
    const login = await api(s.base, 'POST', '/api/auth/login', { username: 'alice', password: 'pw-alice-123456', session: 'cookie' });
    assert.equal(login.status, 200);
    assert.match(login.headers.get('set-cookie') ?? '', /onair_session=.*HttpOnly.*SameSite=Lax/i);
  });

  test('login is rate-limited after repeated failures', async () => {
    let last = 0;
    for (let i = 0; i < 7; i++) last = (await api(s.base, 'POST', '/api/auth/login', { username: 'frank', password: 'wrong-password' })).status;
    assert.equal(last, 429);
  });

  test('no stream key appears in logs, file names or stat pages', async () => {
    const keys = (await s.db.kysely.selectFrom('channels').select('stream_key').execute()).map((r: any) => r.stream_key as string);
    assert.ok(keys.length >= 5);
    const logs = s.logs();
    const files = listFiles(s.dataDir).join('\n');
    const stat = (await (await fetch(`${s.base}/stat`)).text()) + JSON.stringify((await api(s.base, 'GET', '/api/stats')).body);
    for (const k of keys) {
      assert.ok(!logs.includes(k), 'key in logs');
      assert.ok(!files.includes(k), 'key in file names');
      assert.ok(!stat.includes(k), 'key on stat pages');
    }
    assert.ok(!logs.includes('pw-alice-123456'), 'password in logs');
  });
});

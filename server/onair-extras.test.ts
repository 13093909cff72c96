// End to end: the ABR ladder and thumbnails (ffmpeg children), and the operator CLI against a live server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { api, newStreamer, publish, runCli, startTestServer, type TestServer } from './test-support/server.js';
import { ffprobe, sleep, waitFor } from './test-support/process.js';

describe('ABR ladder and thumbnails', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ ONAIR_ABR: 'true', ONAIR_THUMBNAIL_SECONDS: '1', ONAIR_GRACE_SECONDS: '0' });
  });
  after(async () => s.stop());

  test('a 720p source gets a master playlist with a 480p rendition and a JPEG thumbnail', async () => {
    const { channel } = await newStreamer(s.base, 'abby');
    const pub = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 6, size: '1280x720', fps: 15 });
    const master = await waitFor('master playlist', async () => {
      const r = await fetch(`${s.base}/hls/abby/index.m3u8`);
      const t = await r.text();
      // The renditions join the master once each has its first segment.
      return r.status === 200 && t.includes('480p/video.m3u8') ? t : null;
    });
    // The source first, then the renditions; all play with the source's audio (one group, never re-encoded).
    assert.match(
      master,
      /RESOLUTION=1280x720,FRAME-RATE=\d+\.\d{3},CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",AUDIO="audio"\n\/vod\/[^/]+\/video\.m3u8\n/,
    );
    assert.match(
      master,
      /RESOLUTION=854x480,FRAME-RATE=\d+\.\d{3},CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",AUDIO="audio"\n\/vod\/[^/]+\/480p\/video\.m3u8/,
    );
    assert.equal(master.match(/#EXT-X-MEDIA:TYPE=AUDIO/g)?.length, 1);
    // A public stream's rendition playlist and its files come from memory (the fast path), with parts.
    const r480Url = `${s.base}${/\n(\/vod\/[^/]+\/480p\/video\.m3u8)\n?/.exec(master)![1]}`;
    const live480 = await fetch(r480Url);
    const live480Text = await live480.text();
    assert.equal(live480.status, 200, live480Text);
    assert.match(live480Text, /#EXT-X-PART:DURATION=[\d.]+,URI="v-part-\d+\.\d+\.m4s"/);
    assert.match(live480Text, /#EXT-X-RENDITION-REPORT:URI="\.\.\/video\.m3u8"/);
    const seg = /\n(v-seg-\d+\.m4s)\n/.exec(live480Text)![1];
    const segRes = await fetch(new URL(seg, r480Url));
    assert.equal(segRes.status, 200);
    assert.match(segRes.headers.get('cache-control') ?? '', /public.*immutable/);
    const thumb = await waitFor('thumbnail', async () => {
      const r = await fetch(`${s.base}/hls/abby/thumb.jpg`);
      return r.status === 200 ? Buffer.from(await r.arrayBuffer()) : null;
    });
    assert.equal(thumb[0], 0xff);
    assert.equal(thumb[1], 0xd8, 'JPEG magic');
    assert.equal(await pub.exit, 0, pub.stderr());
    const streamId = /\/vod\/([^/]+)\//.exec(master)![1];
    await s.replayRecorded(streamId);
    const r480 = readFileSync(path.join(s.dataDir, 'media', streamId, '480p', 'video.m3u8'), 'utf8');
    assert.match(r480, /#EXT-X-ENDLIST/);
    const probe = await ffprobe(`${s.base}/vod/${streamId}/480p/video.m3u8`);
    const v = probe.streams.find((x) => x.codec_type === 'video');
    assert.equal(v.height, 480);
    assert.ok(Number(probe.format.duration) > 4.5, `480p duration ${probe.format.duration}`);
    assert.ok(existsSync(path.join(s.dataDir, 'media', streamId, 'thumb.jpg')));
  });
});

describe('operator CLI', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s.stop());

  const cli = (...args: string[]) => runCli(args, s.sameDatabaseEnv);

  test('user add, list and reset-key; a reset key drops the live publisher', async () => {
    const add = await cli('user', 'add', 'Zed', '--password', 'zed-password-1', '--json');
    assert.equal(add.code, 0, add.stderr);
    const created = JSON.parse(add.stdout);
    assert.equal(created.channel, 'zed');
    assert.match(created.streamKey, /^live_/);
    const list = await cli('user', 'list', '--json');
    assert.ok(!list.stdout.includes(created.streamKey), 'list never prints keys');
    assert.deepEqual(
      JSON.parse(list.stdout).map((u: any) => u.username),
      ['Zed'],
    );
    const dup = await cli('user', 'add', 'zed');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /taken/i);

    const pub = publish(`${s.rtmpBase}/${created.streamKey}`);
    await waitFor('zed live', () => s.streams.isPublishing('zed'));
    const reset = await cli('user', 'reset-key', 'zed', '--json');
    assert.equal(reset.code, 0, reset.stderr);
    assert.notEqual(JSON.parse(reset.stdout).streamKey, created.streamKey);
    const code = await Promise.race([pub.exit, sleep(12_000).then(() => 'still running')]);
    pub.proc.kill('SIGKILL');
    assert.notEqual(code, 'still running', 'publisher with the old key was dropped');
    const login = await api(s.base, 'POST', '/api/auth/login', { username: 'zed', password: 'zed-password-1' });
    assert.equal(login.status, 200);
  });

  test('help and unknown commands', async () => {
    assert.match((await cli('help')).stdout, /user add NAME/);
    assert.equal((await cli('frobnicate')).code, 2);
  });
});

// The Studio's pipeline with extra destinations, real parts only: one ffmpeg encode goes to a real Onair server and,
// through the fan-out, to nginx-rtmp (Debian's libnginx-mod-rtmp) and to a second Onair server, each producing HLS
// that ffprobe reads. nginx killed and restarted mid-stream: its destination retries and goes live again while the
// Onair side never notices (one ffmpeg, one publish). A destination with a wrong key fails with the server's answer
// and touches nothing else. No key in any log line or status.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nginxRtmpAvailable, startNginxRtmp, type NginxRtmp } from '../../server/test-support/nginx-rtmp.js';
import { ffmpegPath as FFMPEG, ffprobe, waitFor } from '../../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../../server/test-support/server.js';
import { Broadcast } from './broadcast.js';
import type { BroadcastState, DestinationStatus } from './types.js';

describe('multistream from one encode', { skip: !nginxRtmpAvailable() && 'nginx-rtmp not installed', timeout: 180_000 }, () => {
  let home: TestServer;
  let other: TestServer;
  let nginx: NginxRtmp;
  before(async () => {
    [home, other, nginx] = await Promise.all([startTestServer(), startTestServer(), startNginxRtmp()]);
  });
  after(async () => {
    await Promise.all([home?.stop(), other?.stop(), nginx?.stop()]);
  });

  test('Onair, nginx-rtmp and another Onair from one ffmpeg; a destination down and back, a wrong key, nothing else touched', async () => {
    const me = await newStreamer(home.base, 'multi');
    const friend = await newStreamer(other.base, 'elsewhere');
    const NGINX_KEY = 'nginx-secret-key-4d2a';
    const WRONG_KEY = 'wrong-secret-key-9c1b';
    const b = new Broadcast(
      {
        server: home.rtmpBase,
        streamKey: me.channel.streamKey,
        source: { kind: 'test' },
        video: { width: 320, height: 240, fps: 30, bitrateKbps: 600, keyframeSeconds: 1, encoder: 'libx264' },
        audio: { bitrateKbps: 64 },
        preview: true,
        destinations: [
          { id: 'n', name: 'nginx', url: nginx.rtmpBase, key: NGINX_KEY },
          { id: 'o', name: 'Other Onair', url: other.rtmpBase, key: friend.channel.streamKey },
          { id: 'w', name: 'Wrong key', url: other.rtmpBase, key: WRONG_KEY },
        ],
      },
      { ffmpegPath: FFMPEG, backoff: { initialMs: 300, maxMs: 2000, maxAttempts: 5 } },
    );
    const states: BroadcastState[] = [];
    const logs: string[] = [];
    let latest: DestinationStatus[] = [];
    const seen: string[] = [];
    b.on('state', (s) => states.push(s));
    b.on('log', (l) => logs.push(l));
    b.on('destinations', (d) => {
      latest = d;
      seen.push(JSON.stringify(d));
    });
    let previews = 0;
    b.on('preview', () => previews++);
    b.start();
    try {
      const byId = (id: string) => latest.find((d) => d.id === id);
      await waitFor('home live with segments', () => (home.streams.get('multi')?.segments ?? 0) >= 2, 20_000, 100);
      await waitFor('the other Onair live', () => (other.streams.get('elsewhere')?.segments ?? 0) >= 2, 20_000, 100);
      await waitFor('nginx writes HLS', async () => (await fetch(nginx.hlsUrl(NGINX_KEY))).status === 200, 20_000, 200);
      await waitFor('both destinations live with a bitrate', () => byId('n')?.state === 'live' && (byId('o')?.bitrateKbps ?? 0) > 0, 10_000, 100);
      await waitFor('the wrong key failed', () => byId('w')?.state === 'failed', 10_000, 100);
      assert.match(byId('w')!.reason ?? '', /key|refused|not accepted|bad/i, 'the server answer, in words');
      for (const url of [`${home.base}/hls/multi/index.m3u8`, `${other.base}/hls/elsewhere/index.m3u8`, nginx.hlsUrl(NGINX_KEY)]) {
        const probe = await ffprobe(url);
        assert.ok(
          probe.streams.some((s) => s.codec_type === 'video' && s.codec_name === 'h264' && s.width === 320),
          `${url}: video`,
        );
        assert.ok(
          probe.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac'),
          `${url}: audio`,
        );
      }

      // nginx goes away and comes back: its destination retries, then is live again; nothing else notices.
      const homeStream = home.streams.get('multi')!.streamId;
      const otherSegments = other.streams.get('elsewhere')!.segments;
      await nginx.kill();
      await waitFor('nginx destination retrying', () => byId('n')?.state === 'retrying', 10_000, 50);
      assert.ok(byId('n')!.reason, 'why it retries');
      await nginx.restart();
      await waitFor('nginx destination live again', () => byId('n')?.state === 'live', 30_000, 100);
      await waitFor('nginx writes HLS again', async () => (await fetch(nginx.hlsUrl(NGINX_KEY))).status === 200, 20_000, 200);
      await waitFor('the other Onair kept going', () => (other.streams.get('elsewhere')?.segments ?? 0) >= otherSegments + 3, 20_000, 100);
      assert.equal(home.streams.get('multi')!.streamId, homeStream, 'the home stream never restarted');
      assert.equal(b.spawnCount, 1, 'one ffmpeg, one encode, throughout');
      assert.deepEqual(
        states.map((s) => s.kind),
        ['connecting', 'live'],
      );
      assert.ok(previews > 0, 'the preview pipe still works beside the fan-out');
    } finally {
      await b.stop();
    }
    assert.ok(
      latest.every((d) => d.state === 'idle'),
      'every destination stops with the broadcast',
    );
    for (const key of [me.channel.streamKey, friend.channel.streamKey, NGINX_KEY, WRONG_KEY]) {
      assert.ok(!logs.some((l) => l.includes(key)), 'no key in any log line');
      assert.ok(!seen.some((s) => s.includes(key)), 'no key in any status');
    }
  });
});

// End to end: one address cannot take every RTMP slot. A real server, a raw-socket attacker from 127.0.0.2 and a
// real ffmpeg publisher from 127.0.0.1 (all of 127.0.0.0/8 is loopback on Linux).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newStreamer, publish, type Publisher, startTestServer } from './test-support/server.js';
import { waitFor } from './test-support/process.js';
import { RawRtmpClient } from './test-support/rtmp.js';

describe('RTMP slots: one address cannot lock publishers out', () => {
  test('with one address at its cap, one more from it is refused and a real publisher from another gets in and makes HLS', async () => {
    const s = await startTestServer({ ONAIR_RTMP_MAX_PER_ADDRESS: '4' });
    const holders: RawRtmpClient[] = [];
    let pub: Publisher | undefined;
    try {
      const { channel } = await newStreamer(s.base, 'erin');
      // The attacker holds every slot 127.0.0.2 may have; ffmpeg, the streamer, comes from 127.0.0.1.
      for (let i = 0; i < 4; i++) {
        const c = await RawRtmpClient.open(s.rtmpPort, { localAddress: '127.0.0.2' });
        holders.push(c);
        assert.equal(await c.handshake(), true);
        c.connect('live');
      }
      const extra = await RawRtmpClient.open(s.rtmpPort, { localAddress: '127.0.0.2' });
      holders.push(extra);
      assert.equal(await extra.handshake(2000), false, 'a fifth connection from 127.0.0.2 is refused');
      assert.equal(s.rtmp.stats().nrefused, 1);
      assert.match(await (await fetch(`${s.base}/metrics`)).text(), /^onair_rtmp_refused_total 1$/m);

      pub = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 20 });
      await waitFor('erin live', () => s.rtmp.liveChannels().includes('erin'), 10_000);
      assert.ok(
        holders.slice(0, 4).every((h) => !h.isClosed),
        'while 127.0.0.2 still holds its four',
      );
      await waitFor(
        'live HLS',
        async () => {
          const r = await fetch(`${s.base}/hls/erin/index.m3u8`);
          return r.status === 200 && (await r.text()).includes('#EXT-X-STREAM-INF');
        },
        20_000,
      );
      assert.match(s.logs(), /too many connections from this address/);
      // The holders never asked for a stream: the deadline (10 s after connect) closes them.
      await waitFor('slot holders closed', () => holders.every((h) => h.isClosed), 15_000);
    } finally {
      pub?.proc.kill('SIGKILL');
      for (const h of holders) h.close();
      await s.stop();
    }
  });
});

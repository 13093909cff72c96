// End to end: a real ffmpeg publishing with OBS Simple mode's keyframe interval (x264's 250 frames, 8.3 s at
// 30 fps) is told so in /api/stats, on its owner's /api/me/channel and in one log line; one with 1 s keyframes is not.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MyChannel, ServerStats, StreamStats } from './api/types.js';
import { waitFor } from './test-support/process.js';
import { api, newStreamer, publish, startTestServer, type TestServer } from './test-support/server.js';

describe('keyframe interval warning', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ ONAIR_GRACE_SECONDS: '0' });
  });
  after(async () => s.stop());

  test('250-frame GOPs warn with the OBS fix; 1 s GOPs do not', async () => {
    const rare = await newStreamer(s.base, 'rare');
    const good = await newStreamer(s.base, 'good');
    // publish() sets a 1 s GOP; the later -g wins for x264, as OBS's Simple mode leaves x264's default.
    const rarePub = publish(`${s.rtmpBase}/${rare.channel.streamKey}`, { seconds: 30, extra: ['-g', '250', '-keyint_min', '250'] });
    const goodPub = publish(`${s.rtmpBase}/${good.channel.streamKey}`, { seconds: 30 });
    try {
      const statsOf = async (channel: string) =>
        (await api<ServerStats>(s.base, 'GET', '/api/stats')).body.streams.find((x) => x.channel === channel);
      // Two 8.3 s intervals take three keyframes: about 17 s of real time.
      const rareStats = await waitFor(
        'the warning in /api/stats',
        async () => {
          const st = await statsOf('rare');
          return st?.keyframes.warning ? st : null;
        },
        30_000,
        500,
      );
      const w = rareStats.keyframes.warning!;
      assert.ok(Math.abs(w.intervalSeconds - 8.33) < 0.1, `interval ${w.intervalSeconds}`);
      assert.equal(w.segmentTargetSeconds, 1);
      assert.equal(w.thresholdSeconds, 2.2);
      assert.ok(rareStats.keyframes.intervals >= 2);
      assert.match(w.message, /every 8\.3 s/);
      assert.match(w.fix, /Output Mode "Advanced" → Streaming tab → Keyframe Interval: 1 s/);
      assert.match(w.fix, /250 frames/);

      const mine = await api<MyChannel>(s.base, 'GET', '/api/me/channel', undefined, rare.token);
      assert.equal(mine.body.live, true);
      assert.deepEqual(mine.body.keyframes?.warning, w, 'the owner sees the same warning');

      const goodStats = (await statsOf('good')) as StreamStats;
      assert.ok(goodStats.keyframes.intervals >= 10, `1 s GOPs measured: ${goodStats.keyframes.intervals}`);
      assert.ok(Math.abs(goodStats.keyframes.maxIntervalSeconds! - 1) < 0.05, `max ${goodStats.keyframes.maxIntervalSeconds}`);
      assert.equal(goodStats.keyframes.warning, null);
      const goodMine = await api<MyChannel>(s.base, 'GET', '/api/me/channel', undefined, good.token);
      assert.equal(goodMine.body.keyframes?.warning, null);

      const lines = s
        .logs()
        .split('\n')
        .filter((l) => l.includes('keyframe interval far above'));
      assert.equal(lines.length, 1, 'one warn line, for the rare stream only');
      assert.match(lines[0], /"channel":"rare"/);
      assert.ok(!lines[0].includes(rare.channel.streamKey), 'no stream key in the log');
    } finally {
      rarePub.proc.kill('SIGKILL');
      goodPub.proc.kill('SIGKILL');
      await Promise.all([rarePub.exit, goodPub.exit]);
    }
    const off = await waitFor(
      'rare off air',
      async () => {
        const r = await api<MyChannel>(s.base, 'GET', '/api/me/channel', undefined, rare.token);
        return r.body.live ? null : r.body;
      },
      10_000,
    );
    assert.equal(off.keyframes, null, 'no cadence once off air');
  });
});

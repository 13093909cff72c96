// End to end: replay retention, and a packager whose writes keep failing ends its stream cleanly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { api, newStreamer, publish, startTestServer, waitFor, type TestServer } from './test-helpers.js';

describe('replay retention and packager failures', () => {
  let s: TestServer;
  before(async () => {
    // Retention by bytes: any replay over 1 byte in total is removed by the sweep.
    s = await startTestServer({ ONAIR_GRACE_SECONDS: '0', ONAIR_REPLAY_BYTES: '1' });
  });
  after(async () => s.stop());

  test('the retention sweep deletes replays over the byte budget, files and all', async () => {
    const { channel } = await newStreamer(s.base, 'rita');
    const pub = publish(`${s.rtmpBase}/${channel.streamKey}`, { seconds: 3 });
    await waitFor('rita live', () => s.streams.get('rita'));
    const streamId = s.streams.get('rita')!.streamId;
    assert.equal(await pub.exit, 0, pub.stderr());
    await s.replayRecorded(streamId);
    assert.equal((await api(s.base, 'GET', '/api/channels/rita/replays')).body.length, 1);
    assert.equal((await fetch(`${s.base}/vod/${streamId}/index.m3u8`)).status, 200);
    await s.sweepReplays();
    assert.equal((await api(s.base, 'GET', '/api/channels/rita/replays')).body.length, 0);
    assert.equal((await fetch(`${s.base}/vod/${streamId}/index.m3u8`)).status, 404);
    assert.ok(!existsSync(path.join(s.dataDir, 'media', streamId)));
  });

  test('when the stream folder vanishes mid-stream the stream ends and the publisher is dropped, others unharmed', async () => {
    const victim = await newStreamer(s.base, 'vic');
    const other = await newStreamer(s.base, 'otto');
    const pv = publish(`${s.rtmpBase}/${victim.channel.streamKey}`);
    const po = publish(`${s.rtmpBase}/${other.channel.streamKey}`, { seconds: 12 });
    await waitFor('both live', () => (s.streams.get('vic')?.segments ?? 0) >= 1 && (s.streams.get('otto')?.segments ?? 0) >= 1);
    rmSync(s.streams.get('vic')!.dir, { recursive: true, force: true });
    const code = await Promise.race([pv.exit, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
    pv.proc.kill('SIGKILL');
    assert.notEqual(code, 'still running', `publisher of the failed stream was dropped; log: ${s.logs().split('\n').filter((l) => l.includes('vic') || l.includes('packag')).slice(-8).join('\n')}`);
    await waitFor('vic ended', () => !s.streams.get('vic'));
    assert.ok(s.streams.isPublishing('otto'), 'the other stream is unaffected');
    // The encoder can come straight back to a fresh stream.
    const again = publish(`${s.rtmpBase}/${victim.channel.streamKey}`, { seconds: 3 });
    await waitFor('vic live again', () => (s.streams.get('vic')?.segments ?? 0) >= 1);
    assert.equal(await again.exit, 0, again.stderr());
    assert.equal(await po.exit, 0, po.stderr());
  });
});

// End to end: replay retention, and a packager whose writes keep failing ends its stream cleanly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, newStreamer, publish, startServerProcess, startTestServer, type TestServer } from './test-support/server.js';
import { ffprobe, sleep, waitFor } from './test-support/process.js';
import { JOURNAL_FILE } from './media/segment-store.js';

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
    const deleted: string[] = [];
    s.retention.on('replay-deleted', (id) => deleted.push(id));
    await s.sweepReplays();
    assert.deepEqual(deleted, [streamId], 'retention tells whoever caches replays');
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
    const code = await Promise.race([pv.exit, sleep(15_000).then(() => 'still running')]);
    pv.proc.kill('SIGKILL');
    assert.notEqual(
      code,
      'still running',
      `publisher of the failed stream was dropped; log: ${s
        .logs()
        .split('\n')
        .filter((l) => l.includes('vic') || l.includes('packag'))
        .slice(-8)
        .join('\n')}`,
    );
    await waitFor('vic ended', () => !s.streams.get('vic'));
    assert.ok(s.streams.isPublishing('otto'), 'the other stream is unaffected');
    assert.doesNotMatch(s.logs(), /Maximum call stack/, 'ending a failed packager does not recurse');
    // Its files are gone, so no replay points at them.
    assert.equal((await api(s.base, 'GET', '/api/channels/vic/replays')).body.length, 0);
    // The encoder can come straight back to a fresh stream.
    const again = publish(`${s.rtmpBase}/${victim.channel.streamKey}`, { seconds: 3 });
    await waitFor('vic live again', () => (s.streams.get('vic')?.segments ?? 0) >= 1);
    assert.equal(await again.exit, 0, again.stderr());
    assert.equal(await po.exit, 0, po.stderr());
  });
});

test('a server killed mid-stream leaves a replay: the next start writes its playlists and records it', async () => {
  // A real server process, killed with SIGKILL while a real encoder is live: no shutdown code runs.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'onair-crash-'));
  const server = await startServerProcess({ ONAIR_DATA_DIR: dataDir });
  const child = server.child;
  try {
    const base = server.base;
    const { channel } = await newStreamer(base, 'cora');
    const pub = publish(`${server.rtmpBase}/${channel.streamKey}`);
    try {
      // Five segments listed in the live playlist and journaled, then the kill. A segment is listed (and served from
      // memory) the moment it is complete and written to disk just after; the journal names it once it is there, and
      // is what recovery reads: a segment still on its way to the disk at the kill is not in the replay.
      const journaled = () => {
        const [id] = readdirSync(path.join(dataDir, 'media'));
        const journal = id ? path.join(dataDir, 'media', id, JOURNAL_FILE) : '';
        return existsSync(journal) ? (readFileSync(journal, 'utf8').match(/"t":"seg"/g)?.length ?? 0) : 0;
      };
      await waitFor(
        'five live segments on disk',
        async () => {
          const r = await fetch(`${base}/hls/cora/index.m3u8`);
          if (r.status !== 200) return false;
          const video = /^(\/vod\/[^\n]+\/video\.m3u8)$/m.exec(await r.text());
          return video && ((await (await fetch(base + video[1])).text()).match(/#EXTINF/g)?.length ?? 0) >= 5 && journaled() >= 5;
        },
        30_000,
        200,
      );
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    } finally {
      pub.proc.kill('SIGKILL');
    }
  } finally {
    child.kill('SIGKILL');
  }
  const [streamId] = readdirSync(path.join(dataDir, 'media'));
  const folder = path.join(dataDir, 'media', streamId);
  assert.ok(!existsSync(path.join(folder, 'video.m3u8')), 'no playlist on disk: the process died before the end');

  // The next start, on the same folder. A folder touched moments ago may belong to a live process sharing it, so it
  // waits for the quiet period; told that nothing else shares it (quiet 0), it recovers the stream at once.
  const s = await startTestServer({}, { dataDir });
  try {
    assert.deepEqual(await s.recoverInterrupted(), [], 'a folder written moments ago is left alone');
    assert.deepEqual(await s.recoverInterrupted(0), [streamId]);
    const [replay] = (await api(s.base, 'GET', '/api/channels/cora/replays')).body;
    assert.equal(replay?.id, streamId);
    assert.ok(replay.durationSeconds >= 5, `duration ${replay.durationSeconds}`);
    for (const track of ['video', 'audio']) {
      assert.match(readFileSync(path.join(folder, `${track}.m3u8`), 'utf8'), /#EXT-X-ENDLIST/);
    }
    for (const manifest of ['index.m3u8', 'index.mpd']) {
      const probe = await ffprobe(`${s.base}/vod/${streamId}/${manifest}`);
      assert.deepEqual([...new Set(probe.streams.map((x) => x.codec_name))].sort(), ['aac', 'h264'], manifest);
      assert.ok(Math.abs(Number(probe.format.duration) - replay.durationSeconds) < 1, `${manifest} probed ${probe.format.duration}`);
    }
    assert.deepEqual(await s.recoverInterrupted(0), [], 'recovered once');
  } finally {
    await s.stop();
  }
});

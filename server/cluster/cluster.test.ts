// Two Onair nodes sharing PostgreSQL and Redis: node A (in this process) and node B (a real `server/main.ts` child,
// so that it can be killed). A channel live on one node plays through the other (playlists, Low-Latency HLS blocking
// requests and parts, segments, a real ffmpeg reader), private channels stay private on both, one publisher per
// channel cluster-wide, concurrent viewers of a segment cost the origin one request, and a publisher whose origin
// died is taken over by the other node; a node that only serves dying leaves the stream and the other nodes alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshPgDatabase } from '../test-support/db.js';
import { ffmpegPath, run, waitFor } from '../test-support/process.js';
import {
  api,
  newStreamer,
  publish,
  republishUntil,
  startServerProcess,
  startTestServer,
  type Publisher,
  type ServerProcess,
  type TestServer,
} from '../test-support/server.js';
import { PEER_HEADER } from './peer-auth.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; bytes: Buffer; headers: Headers }> {
  const r = await fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
  const bytes = Buffer.from(await r.arrayBuffer());
  return { status: r.status, text: bytes.toString('utf8'), bytes, headers: r.headers };
}

/** The URIs of a playlist's media lines and tags' URI attributes. */
function uris(m3u8: string): string[] {
  const out: string[] = [];
  for (const line of m3u8.split('\n')) {
    if (line && !line.startsWith('#')) out.push(line.trim());
    for (const m of line.matchAll(/URI="([^"]+)"/g)) out.push(m[1]);
  }
  return out;
}

/** A media playlist's sequence numbers and segment URIs. */
function mediaPlaylist(text: string) {
  const num = (tag: string) => Number(new RegExp(`^#${tag}:(\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  const segments = text.split('\n').filter((l) => l && !l.startsWith('#'));
  return { text, mediaSequence: num('EXT-X-MEDIA-SEQUENCE'), discontinuitySequence: num('EXT-X-DISCONTINUITY-SEQUENCE'), uris: segments };
}

describe('cluster: two nodes sharing PostgreSQL and Redis', () => {
  let a: TestServer;
  let b: ServerProcess;
  let dataDirB: string;
  let dropDb: () => Promise<void>;
  const publishers: Publisher[] = [];

  before(async () => {
    const db = await freshPgDatabase();
    dropDb = db.drop;
    // A dropped publisher's stream ends after 1 s (the replay test), not the default 10 s.
    a = await startTestServer({ DATABASE_URL: db.url, REDIS_URL, ONAIR_GRACE_SECONDS: '1' });
    dataDirB = mkdtempSync(path.join(tmpdir(), 'onair-node-b-'));
    b = await startServerProcess({ DATABASE_URL: db.url, REDIS_URL, ONAIR_DATA_DIR: dataDirB, ONAIR_GRACE_SECONDS: '1' });
  });
  after(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    await b?.stop();
    await a?.stop();
    await dropDb?.();
    rmSync(dataDirB, { recursive: true, force: true });
  });

  test('a channel live on A plays through B: playlists, blocking requests, parts and segments, and ffmpeg reads it', async () => {
    const anna = await newStreamer(a.base, 'anna');
    const health = await get(`${b.base}/healthz`);
    assert.equal(JSON.parse(health.text).cluster.redis, 'ok');
    publishers.push(publish(`${a.rtmpBase}/${anna.channel.streamKey}`));
    await waitFor('the stream plays on A', async () => (await get(`${a.base}/hls/anna/video.m3u8`)).text.includes('#EXTINF'), 20_000, 200);

    const master = await get(`${b.base}/hls/anna/index.m3u8`);
    assert.equal(master.status, 200, master.text);
    assert.match(master.text, /#EXT-X-STREAM-INF/);
    const videoUri = uris(master.text).find((u) => u.includes('video.m3u8'))!;
    assert.match(videoUri, /^\/vod\/[A-Za-z0-9_-]+\/video\.m3u8$/, 'the master points into the stream folder');

    const playlist = await get(b.base + videoUri);
    assert.equal(playlist.status, 200);
    assert.match(playlist.text, /#EXT-X-PART:/);
    const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist.text)![1]) + playlist.text.split('#EXTINF').length - 1;
    // A blocking request for the next segment's first part: answered through B when A has it.
    const blocking = await get(`${b.base}${videoUri}?_HLS_msn=${msn}&_HLS_part=0`);
    assert.equal(blocking.status, 200);
    assert.match(blocking.text, new RegExp(`v-part-${msn}\\.0\\.m4s`));
    assert.equal(blocking.headers.get('cache-control'), 'no-cache, no-store');

    // The preload-hinted part, asked before it exists, streams through B; its bytes are A's.
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(blocking.text)![1];
    const base = videoUri.replace(/video\.m3u8$/, '');
    const viaB = await get(b.base + base + hint);
    assert.equal(viaB.status, 200);
    const onA = await get(a.base + base + hint);
    assert.ok(viaB.bytes.length > 0 && viaB.bytes.equals(onA.bytes), 'the part through B is the part on A');

    const segment = uris(playlist.text).find((u) => /v-seg-\d+\.m4s$/.test(u))!;
    const seg = await get(b.base + base + segment);
    assert.equal(seg.status, 200);
    assert.match(seg.headers.get('cache-control') ?? '', /immutable/);
    assert.ok(seg.bytes.equals((await get(a.base + base + segment)).bytes));

    // The operator's figures on B count the stream live on A, tagged with A's node.
    const nodeA = JSON.parse((await get(`${a.base}/healthz`)).text).cluster.node;
    await waitFor(
      'B lists the stream on A in /api/stats',
      async () => JSON.parse((await get(`${b.base}/api/stats`)).text).streams.some((st: any) => st.channel === 'anna' && st.node === nodeA),
      10_000,
      250,
    );

    // A real reader, through B alone.
    const read = await run(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'error', '-i', `${b.base}/hls/anna/index.m3u8`, '-t', '2', '-f', 'null', '-'],
      60_000,
    );
    assert.equal(read.code, 0, read.stderr);
  });

  test('one publisher per channel across the nodes: a second encoder on B is refused while A is the origin', async () => {
    const key = (
      await api(
        a.base,
        'GET',
        '/api/me/channel',
        undefined,
        (await api(a.base, 'POST', '/api/auth/login', { username: 'anna', password: 'pw-anna-123456' })).body.token,
      )
    ).body.streamKey;
    const second = publish(`${b.rtmpBase}/${key}`, { seconds: 5 });
    publishers.push(second);
    const code = await second.exit;
    assert.notEqual(code, 0, 'ffmpeg is refused');
    assert.equal((await get(`${a.base}/hls/anna/index.m3u8`)).status, 200, 'the stream on A goes on');
  });

  test('viewers of one segment on B cost the origin one request', async () => {
    const master = await get(`${b.base}/hls/anna/index.m3u8`);
    const videoUri = uris(master.text).find((u) => u.includes('video.m3u8'))!;
    const newestOf = async () =>
      uris((await get(b.base + videoUri)).text)
        .filter((u) => /v-seg-\d+\.m4s$/.test(u))
        .pop()!;
    // A segment listed after this test began: no reader has fetched it through B yet.
    const seen = await newestOf();
    let newest = seen;
    await waitFor('a new segment', async () => (newest = await newestOf()) !== seen, 10_000, 50);
    const url = b.base + videoUri.replace(/video\.m3u8$/, '') + newest;
    const metrics = async () => Number(/onair_cluster_upstream_requests_total (\d+)/.exec((await get(`${b.base}/metrics`)).text)?.[1] ?? NaN);
    const before = await metrics();
    const answers = await Promise.all(Array.from({ length: 40 }, () => get(url)));
    assert.ok(answers.every((r) => r.status === 200 && r.bytes.equals(answers[0].bytes)));
    assert.equal((await metrics()) - before, 1, 'one upstream request for 40 viewers');
  });

  test('a private channel stays private on the other node: refused without access, its token carried through', async () => {
    const bo = await newStreamer(a.base, 'bodil');
    assert.equal((await api(a.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, bo.token)).status, 200);
    publishers.push(publish(`${a.rtmpBase}/${bo.channel.streamKey}`));
    await waitFor(
      'bodil is live on A',
      async () => (await api(a.base, 'GET', '/api/me/channel', undefined, bo.token)).body.live === true,
      20_000,
      200,
    );
    assert.equal((await get(`${b.base}/hls/bodil/index.m3u8`)).status, 403);
    // A forged peer header is no way in.
    assert.equal((await get(`${a.base}/hls/bodil/index.m3u8`, { [PEER_HEADER]: `${Date.now()}.forged` })).status, 403);
    const friend = await newStreamer(a.base, 'friend');
    const invite = (await api(a.base, 'POST', '/api/me/invites', {}, bo.token)).body;
    const t = (await api(a.base, 'POST', `/api/invites/${invite.token}/redeem`, {}, friend.token)).body.mediaToken as string;
    const q = `t=${encodeURIComponent(t)}`;
    let master = await get(`${b.base}/hls/bodil/index.m3u8?${q}`);
    await waitFor('the master through B', async () => (master = await get(`${b.base}/hls/bodil/index.m3u8?${q}`)).status === 200, 15_000, 200);
    const videoUri = uris(master.text).find((u) => u.includes('video.m3u8'))!;
    assert.ok(videoUri.includes(q), 'the token reaches the track playlist URI');
    const playlist = await get(b.base + videoUri);
    assert.equal(playlist.status, 200);
    for (const u of uris(playlist.text)) assert.ok(u.includes(q), `token on ${u}`);
    assert.equal((await get(b.base + videoUri.split('?')[0])).status, 403, 'the stream folder on B refuses a viewer without the token');
  });

  test('the origin killed: the publisher reconnects to B, which takes the channel over, and viewers on B follow', async () => {
    // Node C (a child, so it can die) becomes the origin of carla's channel; B serves it; C is killed -9.
    const carla = await newStreamer(a.base, 'carla');
    const dataDirC = mkdtempSync(path.join(tmpdir(), 'onair-node-c-'));
    const c = await startServerProcess({ DATABASE_URL: (a.config.databaseUrl as string) || '', REDIS_URL, ONAIR_DATA_DIR: dataDirC });
    try {
      const first = publish(`${c.rtmpBase}/${carla.channel.streamKey}`);
      publishers.push(first);
      await waitFor('carla plays through B', async () => (await get(`${b.base}/hls/carla/index.m3u8`)).status === 200, 20_000, 200);
      // C's stream, with a few segments on C's disk by the time it dies.
      const onC = /\/vod\/([A-Za-z0-9_-]+)\//.exec((await get(`${c.base}/hls/carla/index.m3u8`)).text)![1];
      await waitFor('segments on C', async () => (await get(`${c.base}/vod/${onC}/video.m3u8`)).text.split('#EXTINF').length > 3, 20_000, 250);
      // What a player reloading C's track playlist through B saw last.
      const before = mediaPlaylist((await get(`${b.base}/vod/${onC}/video.m3u8`)).text);
      c.child.kill('SIGKILL');
      await first.exit;
      const killedAt = Date.now();
      // The encoder comes back through the balancer to another node: B, once C's lease is gone.
      const { startedAt: reconnectedAt } = await republishUntil(
        `${b.rtmpBase}/${carla.channel.streamKey}`,
        async () => (await get(`${b.base}/hls/carla/index.m3u8`)).text.includes('#EXT-X-STREAM-INF'),
        publishers,
      );
      const took = Date.now() - killedAt;
      console.log(`# origin killed: B took the channel over and served it ${took} ms later`);
      assert.ok(took < 10_000, `takeover took ${took} ms`);
      assert.equal((await get(`${a.base}/hls/carla/index.m3u8`)).status, 200, 'A finds the new origin too');

      // A player that keeps reloading the dead stream's track playlist, on B or on A, gets the new stream's: the
      // media sequence goes on past what it saw (the dead stream's unfinished segment listed as a gap), then one
      // EXT-X-DISCONTINUITY and the new stream's segments, with URIs into its folder.
      const onB = /\/vod\/([A-Za-z0-9_-]+)\//.exec((await get(`${b.base}/hls/carla/index.m3u8`)).text)![1];
      assert.notEqual(onB, onC);
      let after = mediaPlaylist('');
      await waitFor(
        "the dead stream's playlist address answers on B",
        async () => (after = mediaPlaylist((await get(`${b.base}/vod/${onC}/video.m3u8`)).text)).uris.length > 1,
        10_000,
        100,
      );
      const resumed = Date.now() - reconnectedAt;
      console.log(`# the dead stream's playlist address went on ${resumed} ms after the publisher reconnected`);
      assert.ok(resumed < 5_000, `resumed ${resumed} ms after the reconnect`);
      assert.ok(
        after.mediaSequence > before.mediaSequence + before.uris.length - 1,
        `sequence ${after.mediaSequence} after ${JSON.stringify(before)}`,
      );
      assert.equal(after.discontinuitySequence, before.discontinuitySequence, 'the discontinuity tag opens the first new segment');
      assert.ok(after.uris[0].endsWith(`/gap-${after.mediaSequence}.m4s`) && after.text.includes('#EXT-X-GAP\n'), after.text);
      const disc = after.text.indexOf('#EXT-X-DISCONTINUITY\n');
      assert.ok(disc > after.text.indexOf('#EXT-X-GAP') && disc < after.text.indexOf(after.uris[1]), after.text);
      for (const u of after.uris) assert.ok(u.startsWith(`/vod/${onB}/`), `${u} is the new stream's`);
      assert.equal((await get(b.base + after.uris[1])).status, 200, 'its first segment');
      const viaA = mediaPlaylist((await get(`${a.base}/vod/${onC}/video.m3u8`)).text);
      assert.ok(viaA.mediaSequence >= after.mediaSequence && viaA.uris.every((u) => u.startsWith(`/vod/${onB}/`)), `through A: ${viaA.text}`);

      // C comes back on its data folder: the stream it was the origin of becomes a replay, played through the others.
      await c.stop();
      const back = await startTestServer({ DATABASE_URL: (a.config.databaseUrl as string) || '', REDIS_URL }, { dataDir: dataDirC });
      try {
        assert.deepEqual(await back.recoverInterrupted(0), [onC], "C's interrupted stream is recovered");
        const replays = (await api(a.base, 'GET', '/api/channels/carla/replays')).body as Array<{ id: string }>;
        assert.ok(
          replays.some((r) => r.id === onC),
          `A lists it among carla's replays: ${JSON.stringify(replays.map((r) => r.id))}`,
        );
        const playlist = await get(`${a.base}/vod/${onC}/video.m3u8`);
        assert.equal(playlist.status, 200, playlist.text);
        assert.match(playlist.text, /#EXT-X-ENDLIST/);
        assert.ok(playlist.text.split('#EXTINF').length > 3, 'with the segments C had');
        const read = await run(
          ffmpegPath,
          ['-hide_banner', '-loglevel', 'error', '-i', `${b.base}/vod/${onC}/index.m3u8`, '-f', 'null', '-'],
          60_000,
        );
        assert.equal(read.code, 0, read.stderr);
      } finally {
        await back.stop(); // removes dataDirC
      }
    } finally {
      await c.stop();
      rmSync(dataDirC, { recursive: true, force: true });
    }
  });

  test('a node that only serves dies: the stream goes on at its origin and through B, and its viewers stop counting', async () => {
    // Node D (a child) serves anna, live on A, to a player of its own; D is killed -9.
    const dataDirD = mkdtempSync(path.join(tmpdir(), 'onair-node-d-'));
    const d = await startServerProcess({ DATABASE_URL: (a.config.databaseUrl as string) || '', REDIS_URL, ONAIR_DATA_DIR: dataDirD });
    const viewers = async () => (await api(a.base, 'GET', '/api/channels/anna')).body.viewers as number;
    const stream = a.streams.get('anna')!;
    try {
      const player = { 'user-agent': 'PlayerOnNodeD/1.0' };
      await waitFor(
        "D's player counted on A",
        async () => (await get(`${d.base}/hls/anna/index.m3u8`, player)).status === 200 && (await viewers()) >= 1,
        20_000,
        500,
      );
      const segments = stream.segments;
      d.child.kill('SIGKILL');
      await d.stop();
      await waitFor('A goes on cutting segments', () => stream.segments >= segments + 3, 10_000, 100);
      assert.equal(a.streams.get('anna'), stream, 'the same stream: the publisher never noticed');
      assert.equal((await get(`${b.base}/hls/anna/index.m3u8`)).status, 200, 'B still serves it');
      await waitFor("D's viewer no longer counted", async () => (await viewers()) === 0, 30_000, 500);
    } finally {
      await d.stop();
      rmSync(dataDirD, { recursive: true, force: true });
    }
  });

  test("a replay recorded on A plays through B, fetched from A's disk", async () => {
    const master = await get(`${a.base}/hls/anna/index.m3u8`);
    const streamId = /\/vod\/([A-Za-z0-9_-]+)\//.exec(master.text)![1];
    publishers[0].proc.kill('SIGKILL');
    await waitFor('the replay is recorded', async () => (await api(a.base, 'GET', `/api/replays/${streamId}`)).status === 200, 20_000, 250);
    const playlist = await get(`${b.base}/vod/${streamId}/video.m3u8`);
    assert.equal(playlist.status, 200, playlist.text);
    assert.match(playlist.text, /#EXT-X-ENDLIST/);
    const seg = uris(playlist.text).find((u) => /v-seg-\d+\.m4s$/.test(u))!;
    const viaB = await get(`${b.base}/vod/${streamId}/${seg}`);
    assert.equal(viaB.status, 200);
    assert.ok(viaB.bytes.equals((await get(`${a.base}/vod/${streamId}/${seg}`)).bytes), 'the same bytes as on A');
    const read = await run(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'error', '-i', `${b.base}/vod/${streamId}/index.m3u8`, '-f', 'null', '-'],
      60_000,
    );
    assert.equal(read.code, 0, read.stderr);
  });
});

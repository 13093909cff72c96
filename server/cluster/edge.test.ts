// The shipped nginx edge (docs/deploy/nginx-edge.conf) in front of two nodes sharing PostgreSQL and Redis: an
// encoder publishes through the edge's RTMP balancer, hls.js in Chromium plays through the edge, public segments are
// fetched from the nodes once however many viewers ask, private media is never stored at the edge, and chat
// connects through it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, startHlsJsSite } from '../test-support/browser.js';
import { connectChat, request } from '../test-support/chat-client.js';
import { freshPgDatabase } from '../test-support/db.js';
import { edgeAvailable, startEdge, type Edge } from '../test-support/edge.js';
import { waitFor } from '../test-support/process.js';
import { api, newStreamer, publish, startTestServer, type Publisher, type TestServer } from '../test-support/server.js';

const REDIS_URL = process.env.ONAIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function get(url: string): Promise<{ status: number; text: string; cache: string | null }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  return { status: r.status, text: await r.text(), cache: r.headers.get('x-cache-status') };
}

const mediaLines = (m3u8: string) => m3u8.split('\n').filter((l) => l && !l.startsWith('#'));

describe('the nginx edge in front of two nodes', { skip: !edgeAvailable() && 'nginx with its stream module is not installed' }, () => {
  let a: TestServer;
  let b: TestServer;
  let edge: Edge;
  let dropDb: () => Promise<void>;
  let browser: Browser | undefined;
  const publishers: Publisher[] = [];

  before(async () => {
    const db = await freshPgDatabase();
    dropDb = db.drop;
    const env = { DATABASE_URL: db.url, REDIS_URL, ONAIR_TRUST_PROXY: 'loopback' };
    a = await startTestServer(env);
    b = await startTestServer(env);
    edge = await startEdge([a, b].map((n) => ({ http: n.httpPort, rtmp: n.rtmpPort })));
  });
  after(async () => {
    await browser?.close();
    for (const p of publishers) p.proc.kill('SIGKILL');
    await edge?.stop();
    await b?.stop();
    await a?.stop();
    await dropDb?.();
  });

  test('an encoder publishes through the edge and hls.js in Chromium plays through it', async () => {
    const dora = await newStreamer(edge.base, 'dora');
    publishers.push(publish(`${edge.rtmpBase}/${dora.channel.streamKey}`));
    await waitFor('dora is live', async () => (await get(`${edge.base}/hls/dora/video.m3u8`)).text.includes('#EXTINF'), 20_000, 200);
    const site = await startHlsJsSite();
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'] });
      const page = await browser.newPage();
      await page.goto(site.base);
      await page.evaluate((src) => {
        const w = window as unknown as { Hls: any; fatal: string[] };
        const video = document.createElement('video');
        video.muted = true;
        document.body.appendChild(video);
        w.fatal = [];
        const hls = new w.Hls({ lowLatencyMode: true });
        hls.on(w.Hls.Events.ERROR, (_: unknown, d: any) => d.fatal && w.fatal.push(`${d.type}: ${d.details}`));
        hls.loadSource(src);
        hls.attachMedia(video);
        hls.on(w.Hls.Events.MANIFEST_PARSED, () => void video.play());
      }, `${edge.base}/hls/dora/index.m3u8`);
      await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 3, undefined, { timeout: 30_000 });
      assert.deepEqual(await page.evaluate(() => (window as unknown as { fatal: string[] }).fatal), []);
    } finally {
      site.close();
    }
  });

  test('a public segment asked by 30 viewers at once is fetched from the nodes once', async () => {
    const master = await get(`${edge.base}/hls/dora/index.m3u8`);
    const video = mediaLines(master.text).find((u) => u.includes('video.m3u8'))!;
    const playlist = await get(edge.base + video);
    // The newest listed segment: nobody has asked for it yet.
    const seg = mediaLines(playlist.text).pop()!;
    const url = edge.base + video.replace(/video\.m3u8$/, '') + seg;
    const answers = await Promise.all(Array.from({ length: 30 }, () => get(url)));
    assert.ok(answers.every((r) => r.status === 200));
    const misses = answers.filter((r) => r.cache === 'MISS').length;
    assert.equal(misses, 1, `cache statuses: ${answers.map((r) => r.cache).join(' ')}`);
    assert.equal((await get(url)).cache, 'HIT');
  });

  test("anonymous viewers' playlists are kept a second at the edge, blocking requests included", async () => {
    const master = await get(`${edge.base}/hls/dora/index.m3u8`);
    const video = edge.base + mediaLines(master.text).find((u) => u.includes('video.m3u8'))!;
    const playlist = await get(video);
    const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist.text)![1]) + playlist.text.split('#EXTINF').length - 1;
    // 20 players ask for the next part at once: one request reaches the nodes.
    const blocking = await Promise.all(Array.from({ length: 20 }, () => get(`${video}?_HLS_msn=${msn}&_HLS_part=1`)));
    assert.ok(blocking.every((r) => r.status === 200 && r.text === blocking[0].text));
    assert.equal(blocking.filter((r) => r.cache === 'MISS').length, 1, blocking.map((r) => r.cache).join(' '));
  });

  test('private media passes through the edge but is never stored there', async () => {
    const eli = await newStreamer(edge.base, 'eliza');
    assert.equal((await api(edge.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, eli.token)).status, 200);
    publishers.push(publish(`${edge.rtmpBase}/${eli.channel.streamKey}`));
    const invite = (await api(edge.base, 'POST', '/api/me/invites', {}, eli.token)).body;
    const guest = await api(edge.base, 'POST', `/api/invites/${invite.token}/redeem`, {});
    const q = `t=${encodeURIComponent(guest.body.mediaToken)}`;
    assert.equal((await get(`${edge.base}/hls/eliza/index.m3u8`)).status, 403);
    // Live on its origin first (the encoder came through the edge's RTMP balancer): what follows is the HTTP side's.
    await waitFor('eliza live on a node', () => a.streams.get('eliza')?.state === 'live' || b.streams.get('eliza')?.state === 'live', 30_000, 100);
    // Every answer until it plays, so a failure says what the edge and the nodes answered instead.
    const answers: string[] = [];
    const ask = async () => {
      const t0 = Date.now();
      const r = await get(`${edge.base}/hls/eliza/index.m3u8?${q}`);
      answers.push(`${r.status} in ${Date.now() - t0} ms: ${r.text.slice(0, 120).replace(/\s+/g, ' ')}`);
      return r;
    };
    let master = await ask();
    await waitFor('eliza plays with the token', async () => (master = await ask()).status === 200, 20_000, 200).catch((err: Error) => {
      throw new Error(
        `${err.message}; answers: ${[...new Set(answers)].join(' | ')}; live on A: ${a.streams.get('eliza')?.state}, on B: ${b.streams.get('eliza')?.state}`,
      );
    });
    const video = mediaLines(master.text).find((u) => u.includes('video.m3u8'))!;
    let playlist = await get(edge.base + video);
    await waitFor('a segment', async () => (playlist = await get(edge.base + video)).text.includes('#EXTINF'), 20_000, 200);
    const seg = new URL(
      mediaLines(playlist.text).find((u) => u.includes('v-seg-'))!,
      edge.base + video,
    ).toString();
    const first = await get(seg);
    const second = await get(seg);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.notEqual(second.cache, 'HIT', 'private media is not served from the edge cache');
    const withToken = edge.base + video;
    await get(withToken);
    assert.notEqual((await get(withToken)).cache, 'HIT', 'a playlist asked with a media token is never kept');
    assert.equal((await get(seg.split('?')[0])).status, 403, 'nor to anyone without the token');
  });

  test('chat connects through the edge', async () => {
    const viewer = await connectChat(edge.base);
    try {
      const joined = await request<{ ok: boolean }>(viewer, 'join', { channel: 'dora' });
      assert.equal(joined.ok, true);
    } finally {
      viewer.close();
    }
  });
});

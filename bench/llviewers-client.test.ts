import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { comparePart } from './llhls.js';
import { followTrack, HttpPool, LL_CLIENTS, partKey, partKeyString, resolvePath, wallNow } from './llviewers-client.js';

test('request paths of listed URIs: plain names appended to the folder, the rest as URL resolves them', () => {
  const base = new URL('http://127.0.0.1:8080/vod/abc123/video/index.m3u8');
  const dir = '/vod/abc123/video/';
  const as = (uri: string) => resolvePath(base, dir, uri);
  assert.equal(as('v-part-9.2.m4s'), '/vod/abc123/video/v-part-9.2.m4s');
  assert.equal(as('v-init-0.mp4'), '/vod/abc123/video/v-init-0.mp4');
  // Whatever is not a plain file name goes through URL, as before.
  for (const uri of ['../audio/a-part-1.0.m4s', '/vod/abc123/x.m4s', 'x.m4s?t=1', './y.m4s', 'a b.m4s', 'http://127.0.0.1:8080/z.m4s']) {
    const u = new URL(uri, base);
    assert.equal(as(uri), u.pathname + u.search, uri);
  }
  assert.throws(() => as('http://elsewhere.example/p.m4s'), /another origin/);
});

test('part keys order as comparePart and read back as "msn.index"', () => {
  const parts: Array<[number, number]> = [
    [7, 0],
    [7, 4],
    [8, 0],
    [8, 1],
    [123456, 9],
  ];
  for (const [m1, i1] of parts) {
    assert.equal(partKeyString(partKey(m1, i1)), `${m1}.${i1}`);
    for (const [m2, i2] of parts) assert.equal(Math.sign(partKey(m1, i1) - partKey(m2, i2)), Math.sign(comparePart(m1, i1, m2, i2)));
  }
});

/**
 * A fake LL-HLS origin: a part every 40 ms, 4 a segment; blocking reloads and hinted parts held until their part
 * exists. Records every request path.
 */
async function fakeLlOrigin(): Promise<{ url: string; paths: string[]; close: () => Promise<void> }> {
  const t0 = Date.now();
  const partsNow = () => Math.floor((Date.now() - t0) / 40) + 1;
  const playlist = (n: number, skip: boolean) => {
    const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-TARGETDURATION:1'];
    lines.push('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6.0,PART-HOLD-BACK=0.120', '#EXT-X-PART-INF:PART-TARGET=0.040');
    lines.push('#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-MAP:URI="init.mp4"');
    if (skip) lines.push('#EXT-X-SKIP:SKIPPED-SEGMENTS=0');
    for (let k = 0; k < n; k++) {
      lines.push(`#EXT-X-PART:DURATION=0.040,URI="p-${Math.floor(k / 4)}.${k % 4}.m4s"${k % 4 === 0 ? ',INDEPENDENT=YES' : ''}`);
      if (k % 4 === 3) lines.push('#EXTINF:0.160,', `s-${Math.floor(k / 4)}.m4s`);
    }
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p-${Math.floor(n / 4)}.${n % 4}.m4s"`);
    return `${lines.join('\n')}\n`;
  };
  const paths: string[] = [];
  const waitFor = async (k: number) => {
    for (let i = 0; i < 100 && partsNow() <= k; i++) await new Promise((r) => setTimeout(r, 5));
  };
  const server = http.createServer((req, res) => {
    paths.push(req.url!);
    const u = new URL(req.url!, 'http://x');
    void (async () => {
      if (u.pathname.endsWith('.m3u8')) {
        const msn = u.searchParams.get('_HLS_msn');
        if (msn !== null) await waitFor(Number(msn) * 4 + Number(u.searchParams.get('_HLS_part') ?? 0));
        res.end(playlist(partsNow(), u.searchParams.get('_HLS_skip') === 'YES'));
      } else {
        const m = /p-(\d+)\.(\d+)\.m4s$/.exec(u.pathname);
        if (m) await waitFor(Number(m[1]) * 4 + Number(m[2]));
        res.end(Buffer.alloc(100));
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/live/index.m3u8`,
    paths,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

for (const client of LL_CLIENTS) {
  test(`the ${client} follower: blocking reloads${client === 'hlsjs' ? ' as delta updates, parts once listed' : ', the hinted part'}`, async () => {
    const origin = await fakeLlOrigin();
    const pool = HttpPool.forUrl(new URL(origin.url), 6);
    const kinds: Record<string, number> = {};
    const held = new Set<string>();
    try {
      await followTrack(
        pool,
        origin.url,
        wallNow() + 600,
        { answer: (k) => void (kinds[k] = (kinds[k] ?? 0) + 1), part: (msn, index) => void held.add(`${msn}.${index}`) },
        true,
        client,
      );
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      pool.destroy();
      await origin.close();
    }
    const reloads = origin.paths.filter((p) => p.includes('_HLS_msn='));
    assert.ok(reloads.length >= 5, `blocking reloads: ${reloads.length}`);
    assert.ok(held.size >= 5, `parts held: ${held.size}`);
    if (client === 'hlsjs') {
      assert.ok(
        reloads.every((p) => p.endsWith('&_HLS_skip=YES')),
        reloads.join(' '),
      );
      assert.equal(kinds.hint, undefined, 'hls.js does not request the hinted part');
    } else {
      assert.ok(
        reloads.every((p) => !p.includes('_HLS_skip')),
        reloads.join(' '),
      );
      assert.ok((kinds.hint ?? 0) >= 5, `hinted parts requested: ${kinds.hint}`);
    }
  });
}

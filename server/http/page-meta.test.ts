// Link previews: the page a chat app's crawler fetches (a plain GET, no cookies, no JavaScript) carries the title,
// description, thumbnail and link of a public channel or replay, escaped; private ones and unknown names carry the
// site's generic tags only. Through the real server, with a real ffmpeg publisher and thumbnails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { builtApp } from '../test-support/browser.js';
import { waitFor } from '../test-support/process.js';
import { api, newStreamer, publish, startTestServer, type Publisher, type TestServer } from '../test-support/server.js';
import { escapeHtml, GENERIC_META, injectMeta } from './page-meta.js';

const CRAWLER = 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)';

/** What a link crawler gets for a page: status, the raw HTML, the <title> and the meta tags (unescaped). */
async function preview(base: string, page: string, headers: Record<string, string> = {}) {
  const res = await fetch(base + page, { headers: { 'user-agent': CRAWLER, accept: '*/*', ...headers } });
  const html = await res.text();
  const unescape = (t: string) =>
    t
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const tags: Record<string, string> = {};
  for (const m of html.matchAll(/<meta (?:name|property)="([^"]+)" content="([^"]*)" \/>/g)) tags[m[1]] = unescape(m[2]);
  const titles = [...html.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => unescape(m[1]));
  return { status: res.status, html, title: titles[0], titles, tags, etag: res.headers.get('etag') };
}

describe('injectMeta', () => {
  test('escapes text and attributes; "$&" and "</title>" stay text', () => {
    const html = '<html><head><title>Onair</title></head><body></body></html>';
    const nasty = `Tom & "Jerry" <script>alert('x')</script> $& $1 $\``;
    const out = injectMeta(html, { ...GENERIC_META, title: nasty, heading: nasty, description: nasty, url: 'https://x.example/c/a?b="c"' });
    assert.ok(!out.includes('<script>'), out);
    assert.equal(out.match(/<title>/g)?.length, 1);
    assert.ok(out.includes(`<title>${escapeHtml(nasty)}</title>`));
    assert.ok(out.includes(`content="${escapeHtml(nasty)}"`));
    assert.ok(out.includes('content="https://x.example/c/a?b=&quot;c&quot;"'));
    assert.ok(!out.includes('<title>Onair</title>'), 'the build title is replaced, "$&" not expanded');
    assert.equal(escapeHtml(`<>&"'`), '&lt;&gt;&amp;&quot;&#39;');
    // A build without a <title> gets the tags at the end of <head>.
    assert.match(injectMeta('<head></head>', GENERIC_META), /<title>Onair<\/title>[\s\S]*<\/head>/);
  });
});

describe('link previews of channel and replay pages', { timeout: 120_000 }, () => {
  let s: TestServer;
  let alice: Awaited<ReturnType<typeof newStreamer>>;
  let streamId = '';
  const pubs: Publisher[] = [];
  const TITLE = `Tom & Jerry's "best" <script>alert(1)</script> $& run`;

  before(async () => {
    builtApp('viewer');
    s = await startTestServer({ ONAIR_GRACE_SECONDS: '0', ONAIR_THUMBNAIL_SECONDS: '1' });
    alice = await newStreamer(s.base, 'alice');
    const t = await api(s.base, 'PATCH', '/api/me/channel', { title: TITLE, tags: ['speedrun'] }, alice.token);
    assert.equal(t.status, 200, JSON.stringify(t.body));
  });
  after(async () => {
    for (const p of pubs) p.proc.kill('SIGKILL');
    await s?.stop();
  });

  test('a live public channel: its title (escaped), description, live thumbnail and link', async () => {
    const pub = publish(`${s.rtmpBase}/${alice.channel.streamKey}`, { seconds: 5 });
    pubs.push(pub);
    streamId = await waitFor('alice live', () => s.streams.get('alice')?.streamId, 20_000, 50);
    await waitFor('a live thumbnail', async () => (await fetch(`${s.base}/hls/alice/thumb.jpg`)).status === 200, 20_000, 200);
    const p = await preview(s.base, '/c/alice');
    assert.equal(p.status, 200);
    assert.equal(p.titles.length, 1);
    assert.equal(p.title, `${TITLE} · Onair`);
    assert.equal(p.tags['og:title'], TITLE);
    assert.equal(p.tags['twitter:title'], TITLE);
    assert.equal(p.tags['og:site_name'], 'Onair');
    assert.equal(p.tags['og:type'], 'video.other');
    assert.equal(p.tags['og:description'], 'alice is live on Onair now.');
    assert.equal(p.tags['og:url'], `${s.base}/c/alice`);
    assert.equal(p.tags['og:image'], `${s.base}/hls/alice/thumb.jpg`);
    assert.equal(p.tags['twitter:card'], 'summary_large_image');
    assert.ok(!p.html.includes('<script>alert(1)'), 'the title is escaped');
    assert.ok(p.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    // The crawler then fetches the picture.
    const img = await fetch(p.tags['og:image'], { headers: { 'user-agent': CRAWLER } });
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/jpeg');
    assert.match(p.html, /<script type="module"[^>]*src="\/assets\//, 'still the app');
  });

  test('a public replay: its title, date and length, its thumbnail and page; the channel offline shows the newest replay', async () => {
    assert.equal(await pubs[0].exit, 0, pubs[0].stderr());
    await s.replayRecorded(streamId);
    const p = await preview(s.base, `/replay/${streamId}`);
    assert.equal(p.status, 200);
    assert.equal(p.title, `${TITLE} · Onair`);
    assert.equal(p.tags['og:title'], TITLE);
    assert.equal(p.tags['og:type'], 'video.other');
    assert.match(p.tags['og:description'], /^Replay of alice's stream of \d{4}-\d\d-\d\d \(0:0\d\) on Onair\.$/);
    assert.equal(p.tags['og:url'], `${s.base}/replay/${streamId}`);
    assert.equal(p.tags['og:image'], `${s.base}/vod/${streamId}/thumb.jpg`);
    const img = await fetch(p.tags['og:image']);
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/jpeg');

    const offline = await preview(s.base, '/c/alice');
    assert.equal(offline.tags['og:description'], 'alice on Onair: live streams and replays.');
    assert.equal(offline.tags['og:type'], 'website');
    assert.equal(offline.tags['og:image'], `${s.base}/vod/${streamId}/thumb.jpg`);
    const list = await preview(s.base, '/c/alice/replays');
    assert.equal(list.title, 'alice replays · Onair');
    assert.equal(list.tags['og:url'], `${s.base}/c/alice/replays`);

    // A renamed replay previews with its new title; the page's validator changes with it.
    const before = await preview(s.base, `/replay/${streamId}`);
    await api(s.base, 'PATCH', `/api/replays/${streamId}`, { title: 'Renamed run' }, alice.token);
    const renamed = await preview(s.base, `/replay/${streamId}`);
    assert.equal(renamed.tags['og:title'], 'Renamed run');
    assert.notEqual(renamed.etag, before.etag);
    const cached = await fetch(`${s.base}/replay/${streamId}`, { headers: { 'if-none-match': renamed.etag! } });
    assert.equal(cached.status, 304);
  });

  test('followers-only and invite-only: the generic tags, the same as for a name that does not exist, whoever asks', async () => {
    const unknown = await preview(s.base, '/c/nobody');
    assert.equal(unknown.title, 'Onair');
    assert.equal(unknown.tags['og:title'], 'Onair');
    assert.equal(unknown.tags['og:image'], undefined);
    assert.equal(unknown.tags['og:url'], undefined);
    assert.equal(unknown.tags['twitter:card'], 'summary');
    const unknownReplay = await preview(s.base, '/replay/nope123');
    assert.equal(unknownReplay.html, unknown.html);
    for (const visibility of ['followers', 'invite']) {
      await api(s.base, 'PATCH', '/api/me/channel', { visibility }, alice.token);
      for (const page of ['/c/alice', '/c/alice/replays', `/replay/${streamId}`]) {
        const p = await preview(s.base, page);
        assert.equal(p.status, 200, page);
        assert.equal(p.html, unknown.html, `${visibility} ${page}: nothing tells it from an unknown name`);
        assert.ok(!/Tom &amp; Jerry|Renamed run|thumb\.jpg|\/vod\//.test(p.html), `${visibility} ${page}`);
        // The owner's own browser gets the same: the tags never depend on who asks.
        const own = await preview(s.base, page, { authorization: `Bearer ${alice.token}` });
        assert.equal(own.html, p.html, `${visibility} ${page} for the owner`);
      }
    }
    await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'public' }, alice.token);
    assert.equal((await preview(s.base, '/c/alice')).tags['og:title'], TITLE);
  });

  test('other pages: generic tags, and an invite page never puts its token in a tag', async () => {
    const invite = (await api(s.base, 'POST', '/api/me/invites', {}, alice.token)).body;
    const home = await preview(s.base, '/');
    for (const page of [`/i/${invite.token}`, '/settings', '/embed/alice']) {
      const p = await preview(s.base, page);
      assert.equal(p.status, 200, page);
      assert.equal(p.title, 'Onair', page);
      assert.deepEqual(p.tags, home.tags, page);
      assert.ok(!p.html.includes(invite.token), page);
    }
    const missing = await preview(s.base, '/no/such/page', { accept: 'text/html' });
    assert.equal(missing.status, 404);
    assert.equal(missing.title, 'Onair');
  });
});

describe('link previews with ONAIR_PUBLIC_URL', { timeout: 60_000 }, () => {
  let s: TestServer;
  before(async () => {
    builtApp('viewer');
    s = await startTestServer({ ONAIR_PUBLIC_URL: 'https://live.example.com' });
  });
  after(async () => {
    await s?.stop();
  });

  test('og:url is on the public URL, whatever address the crawler used', async () => {
    await newStreamer(s.base, 'carol');
    const p = await preview(s.base, '/c/carol');
    assert.equal(p.tags['og:url'], 'https://live.example.com/c/carol');
    assert.equal(p.tags['og:title'], 'carol');
    assert.equal(p.tags['og:image'], undefined, 'no stream, no replay: no picture');
  });
});

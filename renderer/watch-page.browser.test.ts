// The watch page in a real browser (Debian's Chromium through playwright-core) against a real Onair server with a
// real ffmpeg publisher: on a phone (touch, 390 x 844) the player is pinned at the top, the chat input stays in view
// (also with an on-screen keyboard's worth of height gone), a tap shows the controls instead of pausing, and held
// sideways the picture and its controls fit the screen; when the publisher stops, a viewer behind the edge plays the
// stream to its end before the ended card with the replay link, as does one at the edge of a stream whose sound stops
// before its picture.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { builtApp, CHROMIUM, CHROMIUM_ARGS } from '../server/test-support/browser.js';
import { waitFor } from '../server/test-support/process.js';
import { newStreamer, publish, startTestServer, type Publisher, type TestServer } from '../server/test-support/server.js';

const STEP_MS = 20_000;
const PHONE = { width: 390, height: 844 };

let server: TestServer;
let browser: Browser;
let profileDir: string;
const contexts: BrowserContext[] = [];
const publishers: Publisher[] = [];
const pageErrors: string[] = [];

async function newPage(phone: boolean): Promise<Page> {
  const ctx = await browser.newContext(
    phone
      ? { viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 3, baseURL: server.base }
      : { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, baseURL: server.base },
  );
  contexts.push(ctx);
  // Each SourceBuffer the page makes, kept for the media log (recordMediaEvents).
  await ctx.addInitScript(() => {
    if (typeof MediaSource === 'undefined') return;
    const kept: Array<{ type: string; sb: SourceBuffer }> = [];
    (window as unknown as { sourceBuffers: typeof kept }).sourceBuffers = kept;
    const add = MediaSource.prototype.addSourceBuffer;
    MediaSource.prototype.addSourceBuffer = function (this: MediaSource, type: string) {
      const sb = add.call(this, type);
      kept.push({ type: type.split('/')[0], sb });
      return sb;
    };
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  return page;
}

/** Signs up through the page's own fetch, so the session cookie lands in this browser context (and chat is writable). */
async function signUp(page: Page, username: string) {
  await page.goto('/settings');
  const status = await page.evaluate(async (u) => {
    const body = JSON.stringify({ username: u, password: `pw-${u}-123456`, session: 'cookie' });
    return (await fetch('/api/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status;
  }, username);
  assert.equal(status, 201);
}

const videoTime = (page: Page) => page.evaluate(() => document.querySelector('video')?.currentTime ?? -1);
const videoPaused = (page: Page) => page.evaluate(() => document.querySelector('video')?.paused ?? null);

async function box(l: Locator) {
  const b = await l.boundingBox();
  assert.ok(b, 'the element is laid out');
  return b;
}

/** Inside the viewport (the visible page: the layout never scrolls on the watch page). */
async function assertInView(page: Page, l: Locator, what: string) {
  const b = await box(l);
  const vp = page.viewportSize()!;
  assert.ok(b.y >= 0 && b.y + b.height <= vp.height + 0.5, `${what}: y ${b.y}..${b.y + b.height} within 0..${vp.height}`);
  assert.ok(b.x >= 0 && b.x + b.width <= vp.width + 0.5, `${what}: x ${b.x}..${b.x + b.width} within 0..${vp.width}`);
}

async function waitPlaying(page: Page) {
  await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0.5, undefined, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'playing');
}

/** The controls' opacity as drawn, once their fade is over. */
async function controlsOpacity(page: Page): Promise<number> {
  await page.waitForTimeout(300);
  return page.evaluate(() => Number(getComputedStyle(document.querySelector('.player__controls')!).opacity));
}

/**
 * Records, in the page, whether the video's last pause came at its end (`mediaEnded`) and its last media events
 * (`mediaLog`), for the message when it did not reach its end. The player goes away as the media ends (and 'ended'
 * may reach a video already out of the page): what counts is that its last pause came with the media at its end.
 */
async function recordMediaEvents(page: Page) {
  await page.evaluate(() => {
    // No named functions in here: tsx's __name helper does not exist in the page.
    const w = window as unknown as {
      mediaEnded?: boolean;
      mediaLog?: string[];
      sourceBuffers?: Array<{ type: string; sb: SourceBuffer }>;
      rangesOf: (b: TimeRanges) => string;
      tracks: () => string;
    };
    w.mediaLog = [];
    document.addEventListener('pause', (e) => (w.mediaEnded = (e.target as HTMLVideoElement).ended), true);
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as Element;
        if (el.getAttribute('data-testid') === 'player') w.mediaLog!.push(`player ${el.getAttribute('data-state')}`);
        const err = document.querySelector('.player__error');
        if (err) w.mediaLog!.push(`player error ${err.getAttribute('data-error-code')}: ${err.textContent}`);
      }
    }).observe(document.body, { attributes: true, attributeFilter: ['data-state'], subtree: true });
    w.rangesOf = (b) => Array.from({ length: b.length }, (_, i) => `${b.start(i).toFixed(2)}-${b.end(i).toFixed(2)}`).join(',');
    // Each track's own ranges: a hole in one track shows in the video's ranges without saying which.
    w.tracks = () =>
      (w.sourceBuffers ?? [])
        .map((k) => {
          try {
            return ` ${k.type}=${w.rangesOf(k.sb.buffered)}`;
          } catch {
            return ` ${k.type}=removed`;
          }
        })
        .join('');
    for (const type of ['waiting', 'seeking', 'playing', 'pause', 'ended', 'error']) {
      document.addEventListener(
        type,
        (e) => {
          const v = e.target as HTMLVideoElement;
          if (!(v instanceof HTMLVideoElement)) return;
          w.mediaLog!.push(
            `${type} t=${v.currentTime.toFixed(2)} d=${v.duration.toFixed(2)} rs=${v.readyState} buf=${w.rangesOf(v.buffered)}${w.tracks()}`,
          );
          w.mediaLog!.splice(0, w.mediaLog!.length - 16);
        },
        true,
      );
    }
  });
}

const mediaEnd = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { mediaEnded?: boolean; mediaLog: string[] };
    return { mediaEnded: w.mediaEnded, mediaLog: w.mediaLog };
  });

describe('the watch page on a phone, and the end of a stream', { timeout: 240_000 }, () => {
  /** What the viewer at the live edge had seen when its ended card came (the end-of-stream test). */
  let edgeEnd: { mediaEnded?: boolean; mediaLog: string[] } | undefined;
  before(async () => {
    builtApp('viewer');
    server = await startTestServer({ ONAIR_GRACE_SECONDS: '0', ONAIR_LIVE_WINDOW: '4' });
    profileDir = mkdtempSync(path.join(tmpdir(), 'onair-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profileDir } });
    const codecs = await (
      await newPage(false)
    ).evaluate(() => typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"'));
    assert.ok(codecs, 'this Chromium plays H.264/AAC through Media Source Extensions');
  });

  after(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test('phone, portrait: player at the top, chat input in view (also with a keyboard up), a tap shows the controls and does not pause', async () => {
    const streamer = await newStreamer(server.base, 'phonecast');
    publishers.push(publish(`${server.rtmpBase}/${streamer.channel.streamKey}`, { size: '640x360', seconds: 120 }));
    await waitFor('live', () => server.streams.get('phonecast')?.segments, 20_000, 100);
    const page = await newPage(true);
    await signUp(page, 'thumbs');
    await page.goto('/c/phonecast');
    const player = page.getByTestId('player');
    const input = page.getByLabel('Send a message');
    await page.getByTestId('chat').and(page.locator('[data-status="joined"]')).waitFor();
    await waitPlaying(page);

    const header = await box(page.locator('.topbar'));
    const p = await box(player);
    assert.ok(
      p.y >= 0 && p.y <= header.y + header.height + 0.5,
      `the player starts right under the header (y ${p.y}, header bottom ${header.y + header.height})`,
    );
    assert.ok(Math.abs(p.width - PHONE.width) <= 1, `full width (${p.width})`);
    assert.ok(Math.abs(p.height - (p.width * 9) / 16) <= 2, `16:9 (${p.width} x ${p.height})`);
    await assertInView(page, input, 'the chat input, without scrolling');
    const chat = await box(page.getByTestId('chat'));
    assert.ok(chat.y >= p.y + p.height - 1, 'the chat is below the player');
    assert.ok(chat.y + chat.height >= PHONE.height - 2, `the chat fills the height (bottom ${chat.y + chat.height})`);

    // One tap on the picture shows the controls; the video keeps playing.
    await page.touchscreen.tap(p.x + p.width / 2, p.y + p.height / 2);
    await page.waitForTimeout(600);
    assert.equal(await videoPaused(page), false, 'a tap on the picture does not pause');
    assert.equal(await player.getAttribute('data-controls'), 'shown');
    assert.equal(await controlsOpacity(page), 1, 'the controls are shown');
    // The second tap, on the pause control, pauses; play resumes. Tapped before the controls are measured: they hide
    // by themselves a few seconds after a tap while the video plays, and a busy machine measures slowly (seen once under load).
    await player.getByRole('button', { name: 'Pause' }).tap();
    await page.waitForFunction(() => document.querySelector('video')?.paused === true);
    const buttons = player.locator('.player__controls .player__btn');
    assert.ok((await buttons.count()) >= 3);
    for (const b of await buttons.all()) {
      const bb = await box(b);
      assert.ok(bb.width >= 44 && bb.height >= 44, `${await b.getAttribute('aria-label')}: ${bb.width} x ${bb.height} (a 44 px touch target)`);
      await assertInView(page, b, `${await b.getAttribute('aria-label')}`);
    }
    await player.getByRole('button', { name: 'Play' }).tap();
    await page.waitForFunction(() => document.querySelector('video')?.paused === false);
    await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'playing');
    // The controls fade away by themselves while it plays; a tap brings them back.
    await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-controls') === 'hidden', undefined, {
      timeout: 8000,
    });
    assert.equal(await controlsOpacity(page), 0);
    await page.touchscreen.tap(p.x + p.width / 2, p.y + p.height - 10); // where the controls were: reaches the picture
    await page.waitForTimeout(400);
    assert.equal(await videoPaused(page), false, 'a tap where the hidden controls are does not pause either');
    assert.equal(await player.getAttribute('data-controls'), 'shown');

    // An on-screen keyboard: the visible viewport loses ~40% of its height. Input and player stay in view.
    await input.tap();
    await page.setViewportSize({ width: PHONE.width, height: 500 });
    await page.waitForTimeout(300);
    await assertInView(page, input, 'the chat input above the keyboard');
    const p2 = await box(player);
    assert.ok(p2.y >= 0 && p2.y <= header.y + header.height + 0.5, `the player stays at the top (y ${p2.y})`);
    assert.equal(await page.evaluate(() => window.scrollY), 0, 'the page did not scroll');
    await input.fill('typing while watching');
    await input.press('Enter');
    await page.getByTestId('chat').getByText('typing while watching').waitFor();
    assert.ok((await videoTime(page)) > 0 && (await videoPaused(page)) === false, 'still playing');
    await page.screenshot({ path: path.join(tmpdir(), 'onair-watch-phone-keyboard.png') });
  });

  test('phone, landscape: the picture fills the height and its controls and fullscreen button are on screen', async () => {
    const page = await newPage(true);
    await page.setViewportSize({ width: PHONE.height, height: PHONE.width });
    await page.goto('/c/phonecast');
    const player = page.getByTestId('player');
    await waitPlaying(page);
    const p = await box(player);
    assert.ok(p.y >= -0.5 && p.y + p.height <= PHONE.width + 0.5, `the player fits the height (${p.y}..${p.y + p.height})`);
    assert.ok(p.height >= PHONE.width - 1, `and fills it (${p.height})`);
    await page.touchscreen.tap(p.x + p.width / 2, p.y + p.height / 2);
    await page.waitForTimeout(400);
    assert.equal(await videoPaused(page), false);
    assert.equal(await controlsOpacity(page), 1);
    await assertInView(page, page.locator('.player__controls'), 'the controls');
    await assertInView(page, player.getByRole('button', { name: 'Fullscreen' }), 'the fullscreen button');
    await assertInView(page, player.getByRole('button', { name: 'Pause' }), 'the pause button');
    assert.equal(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1), true, 'nothing to scroll');
  });

  test('when the publisher stops, a viewer a few seconds behind plays to the end, then sees the ended card with the replay link', async () => {
    const streamer = await newStreamer(server.base, 'goodbye');
    const pub = publish(`${server.rtmpBase}/${streamer.channel.streamKey}`, { size: '640x360', seconds: 120 });
    publishers.push(pub);
    await waitFor('live', () => server.streams.get('goodbye')?.segments, 20_000, 100);
    const page = await newPage(false);
    await page.goto('/c/goodbye');
    await waitPlaying(page);
    // A second viewer stays at the live edge (it has parts of the last segment when the end comes).
    const edge = await newPage(false);
    await edge.goto('/c/goodbye');
    await waitPlaying(edge);
    for (const p of [page, edge]) await recordMediaEvents(p);
    // The live window (4 segments here) slides well past the first segment: the end must not make players realign
    // the stream from its start.
    await page.waitForTimeout(3000);
    // Fall a few seconds behind the edge: a viewer with a slow start, or one who paused. The stop comes soon after the
    // resume: the player catches up at up to 1.5x, so a few seconds of play would bring it near the edge.
    await page.evaluate(() => document.querySelector('video')!.pause());
    await page.waitForTimeout(4000);
    await page.evaluate(() => document.querySelector('video')!.play());
    await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'playing');
    await page.waitForTimeout(500);

    const atStop = await videoTime(page);
    const bufferedAhead = await page.evaluate(() => {
      const v = document.querySelector('video')!;
      return v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : 0;
    });
    const stoppedAt = Date.now();
    pub.proc.kill('SIGINT');
    await pub.exit;
    await waitFor('the stream ended', () => !server.streams.get('goodbye'), 15_000, 50);

    // The playlists at the live URLs now end.
    const master = await fetch(`${server.base}/hls/goodbye/index.m3u8`);
    assert.equal(master.status, 200, 'the live alias still answers after the end');
    const videoUri = (await master.text()).split('\n').find((l) => l.endsWith('video.m3u8'))!;
    const finalPlaylist = await (await fetch(server.base + videoUri)).text();
    assert.match(finalPlaylist, /#EXT-X-ENDLIST\n?$/, finalPlaylist);
    // Nothing in progress; the last segments keep their parts, for the Low-Latency player at the edge to read on.
    assert.doesNotMatch(finalPlaylist, /PRELOAD-HINT/);
    assert.match(finalPlaylist, /#EXT-X-PART:[^\n]*\n#EXTINF[^\n]*\n[^\n]*\n#EXT-X-ENDLIST/, 'the last segment lists its parts');

    // The page keeps playing past the stop, then shows the ended card.
    const ended = page.locator('[data-testid="offline-card"][data-ended="true"]');
    let latest = atStop;
    await waitFor(
      'the ended card',
      async () => {
        if (await page.getByTestId('player').count()) latest = Math.max(latest, await videoTime(page));
        return (await ended.count()) > 0;
      },
      40_000,
      100,
    );
    const endedAfter = Date.now() - stoppedAt;
    // The viewer at the edge too gets the ended card (whether it played to the end: the test after this one).
    await edge.locator('[data-testid="offline-card"][data-ended="true"]').waitFor({ timeout: 30_000 - (Date.now() - stoppedAt) });
    edgeEnd = await mediaEnd(edge);
    console.log(
      `# stopped at currentTime ${atStop.toFixed(2)} (${bufferedAhead.toFixed(2)} s buffered ahead), played on to ${latest.toFixed(2)}; ended card after ${endedAfter} ms`,
    );
    // A player that stopped with the stream plays on by nothing.
    assert.ok(latest > atStop + 0.75, `playback went on after the stop (${atStop.toFixed(2)} -> ${latest.toFixed(2)})`);
    const pageEnd = await mediaEnd(page);
    assert.equal(pageEnd.mediaEnded, true, `the video played to its end; its last media events: ${pageEnd.mediaLog.join('; ')}`);
    assert.ok(endedAfter < 30_000, 'not by the time limit');
    await ended.getByText("goodbye's stream has ended").waitFor();
    const link = ended.getByTestId('replay-link');
    await link.waitFor();
    const replays = (await (await fetch(`${server.base}/api/channels/goodbye/replays`)).json()) as Array<{ id: string }>;
    assert.equal(await link.getAttribute('href'), `/replay/${replays[0].id}`);
    assert.equal(await page.getByTestId('player').count(), 0, 'the player is gone');
  });

  // hls.js marks the end of a Low-Latency stream only once the middle of the last part is buffered in every track.
  // A stream whose sound stops before its picture (CI: 0.04 s, a short last part) never gets there, and the video
  // waited at the end of its sound until the stall rule showed the ended card. The player ends the stream itself.
  test('a stream whose sound stops before its picture plays to its last frame at the live edge', async () => {
    const streamer = await newStreamer(server.base, 'shortsound');
    const pub = publish(`${server.rtmpBase}/${streamer.channel.streamKey}`, { size: '640x360', seconds: 16, extra: ['-af', 'atrim=end=15.4'] });
    publishers.push(pub);
    await waitFor('live', () => server.streams.get('shortsound')?.segments, 20_000, 100);
    const page = await newPage(false);
    await page.goto('/c/shortsound');
    await waitPlaying(page);
    await recordMediaEvents(page);
    await pub.exit;
    await page.locator('[data-testid="offline-card"][data-ended="true"]').waitFor({ timeout: 30_000 });
    const end = await mediaEnd(page);
    assert.equal(end.mediaEnded, true, `the video played to its end; its last media events: ${end.mediaLog.join('; ')}`);
  });

  // The page may hear the channel go off the air (its API) before the player has read the final playlist, and on a
  // loaded machine the page's 4 s stall rule comes first: the ended card over a video a frame short of its end. The
  // page's word is enough for the player to end at its end. Here the final playlist never comes.
  test('a stream that ended plays to its last frame even when its final playlist is late', async () => {
    const streamer = await newStreamer(server.base, 'lateend');
    // Ended by the test once the page plays (a stream of a set length could end before a loaded page starts it: seen
    // in CI, the player then waited for a final playlist that never came).
    const pub = publish(`${server.rtmpBase}/${streamer.channel.streamKey}`, { size: '640x360', seconds: 120 });
    publishers.push(pub);
    await waitFor('live', () => server.streams.get('lateend')?.segments, 20_000, 100);
    const page = await newPage(false);
    let release = () => {};
    const released = new Promise<void>((r) => (release = r));
    try {
      await page.goto('/c/lateend');
      await waitPlaying(page);
      await recordMediaEvents(page);
      // What the playlists list loaded first: media the player had not loaded when the stream ended is reachable only
      // through the final playlist, and a stream cut short is the stall rule's to show. (Not its distance from the live
      // edge: hls.js holds a player further back after each stall, as a loaded page has.)
      await waitFor(
        'the player holding what its playlists list',
        () =>
          page.evaluate(() =>
            ((v) => v.buffered.length > 0 && v.duration - v.buffered.end(v.buffered.length - 1) < 1)(document.querySelector('video')!),
          ),
        20_000,
        200,
      );
      // Playlists pass through the test only from here: each costs a round trip through this process, which shares
      // the box with the server and, on a loaded CI machine, held them long enough to leave the sound a playlist
      // behind the picture.
      const routed = new Set<string>();
      let withheld = 0;
      await page.route(/\/(hls|vod)\/.*\.m3u8/, async (route) => {
        const res = await route.fetch().catch(() => null);
        if (!res) return route.abort().catch(() => {});
        const body = await res.text();
        if (!body.includes('#EXT-X-ENDLIST')) {
          routed.add(new URL(route.request().url()).pathname);
          return route.fulfill({ response: res, body });
        }
        withheld++;
        await released;
        await route.abort().catch(() => {});
      });
      // Both tracks' playlists asked for through the route: the reloads hls.js had waiting before it would bring the
      // final playlist past it.
      await waitFor('both tracks reloading through the route', () => routed.size >= 2, 10_000, 50);
      pub.proc.kill('SIGINT');
      await pub.exit;
      await page.locator('[data-testid="offline-card"][data-ended="true"]').waitFor({ timeout: 30_000 });
      const end = await mediaEnd(page);
      assert.ok(withheld > 0, 'the final playlist was asked for and held back');
      assert.equal(end.mediaEnded, true, `the video played to its end; its last media events: ${end.mediaLog.join('; ')}`);
    } finally {
      release();
    }
  });

  // A Low-Latency player right at the live edge when the stream ends reads the final playlist's last parts (they stay
  // listed) instead of waiting past its buffered end for the last segment listed whole, which on a loaded machine ran
  // into the page's 4 s stall rule (playout.ts) before the media came.
  test('the viewer at the live edge played to the end too', () => {
    assert.ok(edgeEnd, 'the stream ended with a viewer at the edge');
    assert.equal(edgeEnd.mediaEnded, true, `its last media events: ${edgeEnd.mediaLog.join('; ')}`);
  });

  test('no page error', () => {
    assert.deepEqual(pageErrors, []);
  });
});

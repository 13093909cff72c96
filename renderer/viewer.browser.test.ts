// The viewer web app in a real browser (Debian's Chromium through playwright-core) against a real Onair server
// (startTestServer) with a real ffmpeg publisher: sign-up and sign-in, settings with the stream key and OBS setup,
// the offline card that turns into the player by itself, playback that advances, the phone layout, chat between
// two browsers and a guest through an invite (when those server parts are wired), and screenshots for the README.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { registerSiteRoutes } from '../server/http/routes-site.js';
import { createLogger } from '../server/log.js';
import { builtApp, CHROMIUM, CHROMIUM_ARGS, registerInPage } from '../server/test-support/browser.js';
import { waitFor } from '../server/test-support/process.js';
import { api, publish, startTestServer, type Publisher, type TestServer } from '../server/test-support/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Screenshots for the README are refreshed with ONAIR_SCREENSHOTS=1; other runs write them to a temp folder.
const SHOTS = process.env.ONAIR_SCREENSHOTS ? path.join(ROOT, 'docs', 'screenshots') : path.join(tmpdir(), 'onair-screenshots');
const STEP_MS = 20_000;
/**
 * The longest a watch page may take to show the offline card after the publisher stops: the channel poll (5 s, or
 * sooner by the chat's "ended") to learn of it, then at most PLAYOUT_LIMIT_MS (30 s, playout.ts) of play-out.
 */
const STREAM_END_SHOWN_MS = 40_000;

let server: TestServer;
let browser: Browser;
let profileDir: string;
const contexts: BrowserContext[] = [];
const publishers: Publisher[] = [];
const pageErrors: string[] = [];

const password = (u: string) => `pw-${u}-123456`;

async function newPage(viewport = { width: 1280, height: 800 }): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport, baseURL: server.base, deviceScaleFactor: 1 });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(`csp: ${m.text()}`);
  });
  return { ctx, page };
}

/** video.currentTime of the first <video>, or -1. */
const currentTime = (page: Page) => page.evaluate(() => document.querySelector('video')?.currentTime ?? -1);

async function waitPlaybackAdvances(page: Page, seconds: number, timeoutMs = 30_000) {
  await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0, undefined, { timeout: timeoutMs });
  const t0 = await currentTime(page);
  await page.waitForFunction(([start, s]) => (document.querySelector('video')?.currentTime ?? 0) - start > s, [t0, seconds] as const, {
    timeout: timeoutMs,
    polling: 250,
  });
  const t1 = await currentTime(page);
  assert.ok(t1 - t0 > seconds, `currentTime went from ${t0} to ${t1}`);
  return { t0, t1 };
}

async function chatAvailable(): Promise<boolean> {
  const r = await fetch(`${server.base}/socket.io/?EIO=4&transport=polling`).catch(() => null);
  return !!r && r.status === 200;
}

describe('viewer web app in Chromium', { timeout: 240_000 }, () => {
  let streamer: { username: string; token: string; streamKey: string; rtmpUrl: string } | undefined;
  let page: Page;
  let codecs: { mseH264Aac: boolean; nativeHls: string } | undefined;

  before(async () => {
    builtApp('viewer');
    mkdirSync(SHOTS, { recursive: true });
    // A public URL other than the one the browser uses: the app must play from its own origin anyway (and the
    // screenshots show a plausible OBS setup).
    server = await startTestServer({
      ONAIR_GRACE_SECONDS: '0',
      ONAIR_THUMBNAIL_SECONDS: '2',
      ONAIR_PUBLIC_URL: 'http://live.example.com:8080',
      ONAIR_RTMP_PUBLIC_URL: 'rtmp://live.example.com/live',
    });
    profileDir = mkdtempSync(path.join(tmpdir(), 'onair-chromium-'));
    // launch() gives every run a fresh temporary profile; the explicit folder keeps Chromium's other files out of $HOME.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profileDir } });
    ({ page } = await newPage());
  });

  after(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test('the server serves the app, its assets and headers without shadowing the API', async () => {
    const home = await fetch(`${server.base}/`);
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(home.headers.get('cache-control'), 'no-cache');
    assert.equal(home.headers.get('x-frame-options'), 'DENY');
    const html = await home.text();
    for (const p of ['/c/alice', '/c/alice/replays', '/i/sometoken', '/settings', '/replay/abc123']) {
      const r = await fetch(server.base + p);
      assert.equal(r.status, 200, p);
      assert.equal(await r.text(), html, p);
    }
    const embed = await fetch(`${server.base}/embed/alice?chat=1`);
    assert.equal(embed.status, 200);
    assert.equal(embed.headers.get('x-frame-options'), null, 'the embed page must be frameable');
    assert.match(embed.headers.get('content-security-policy') ?? '', /frame-ancestors \*/);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, 'index.html names its script');
    const a = await fetch(server.base + asset, { headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(a.status, 200);
    assert.match(a.headers.get('cache-control') ?? '', /immutable/);
    assert.match(a.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await fetch(`${server.base}/assets/nope.js`)).status, 404);
    assert.equal((await fetch(`${server.base}/assets/..%2f..%2fpackage.json`)).status, 404);
    // Other routes are untouched.
    const health = await api(server.base, 'GET', '/healthz');
    assert.equal(health.body.ok, true);
    const missing = await api(server.base, 'GET', '/api/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
    assert.equal((await fetch(`${server.base}/hls/nobody/index.m3u8`)).status, 404);
  });

  test("unknown pages show the app's not-found page to a browser, /settings/ leads to /settings; the API and media stay JSON", async () => {
    const { ctx, page } = await newPage();
    try {
      for (const p of ['/nope', '/c', '/settings/x']) {
        const r = await page.goto(p);
        assert.equal(r?.status(), 404, p);
        await page.getByRole('heading', { name: 'Page not found' }).waitFor({ timeout: 10_000 });
      }
      // A trailing slash leads to the page itself.
      const r = await page.goto('/settings/');
      assert.equal(r?.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/settings');
      await page.getByRole('heading', { name: 'Settings' }).waitFor({ timeout: 10_000 });
    } finally {
      await ctx.close();
    }
    // Without text/html in Accept (scripts, curl -s), and under the API and media paths, the JSON error stays.
    const plain = await fetch(`${server.base}/nope`);
    assert.equal(plain.status, 404);
    assert.equal((await plain.json()).error.code, 'not_found');
    for (const p of ['/api/nope', '/hls/nobody/x.m4s', '/vod/nope']) {
      const r = await fetch(server.base + p, { headers: { accept: 'text/html' } });
      assert.equal(r.status, 404, p);
      assert.match(r.headers.get('content-type') ?? '', /json/, p);
    }
  });

  test('without a build the app paths answer 503 with what to run', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'onair-nosite-'));
    const app = Fastify();
    registerSiteRoutes(app, { logger: createLogger({ level: 'silent' }) }, { root: empty });
    try {
      for (const url of ['/', '/c/alice', '/embed/alice', '/settings']) {
        const r = await app.inject({ method: 'GET', url });
        assert.equal(r.statusCode, 503, url);
        assert.match(r.body, /npm run build:viewer/);
      }
      writeFileSync(path.join(empty, 'index.html'), '<!doctype html><title>x</title>');
      assert.equal((await app.inject({ method: 'GET', url: '/c/alice' })).statusCode, 200, 'a build made while running is picked up');
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('this Chromium can play H.264/AAC through Media Source Extensions', async () => {
    await page.goto('/');
    codecs = await page.evaluate(() => ({
      mseH264Aac: typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"'),
      nativeHls: document.createElement('video').canPlayType('application/vnd.apple.mpegurl'),
    }));
    console.log(`# chromium codecs: MSE H.264/AAC ${codecs.mseH264Aac}, native HLS canPlayType "${codecs.nativeHls}"`);
  });

  test('register and log in through the forms', async () => {
    const username = `web${Date.now().toString(36).slice(-5)}`;
    await page.goto('/');
    const reg = page.getByRole('form', { name: 'Create an account' });
    await reg.getByLabel('Username').fill(username);
    await reg.getByLabel('Password').fill(password(username));
    await reg.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).waitFor();
    await page.getByRole('heading', { name: 'Live now', exact: true }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'home-signed-in.png') });

    // A wrong password shows the server's reason.
    await page.getByRole('button', { name: 'Sign out' }).click();
    const login = page.getByRole('form', { name: 'Log in' });
    await login.getByLabel('Username').fill(username);
    await login.getByLabel('Password').fill('not-the-password');
    await login.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();

    await login.getByLabel('Password').fill(password(username));
    await login.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).waitFor();

    const me = await page.evaluate(() => fetch('/api/me').then((r) => r.json()));
    assert.equal(me.user.username, username);
    const loginRes = await api(server.base, 'POST', '/api/auth/login', { username, password: password(username) });
    const ch = await api(server.base, 'GET', '/api/me/channel', undefined, loginRes.body.token);
    streamer = { username, token: loginRes.body.token, streamKey: ch.body.streamKey, rtmpUrl: ch.body.rtmpUrl };
  });

  test('settings shows the OBS setup and the stream key, and regenerates it after confirmation', async () => {
    assert.ok(streamer, 'needs the account from the sign-up test');
    await page.goto('/settings');
    const obs = page.getByTestId('obs-setup');
    await obs.waitFor();
    assert.equal(await page.getByTestId('rtmp-url').textContent(), streamer.rtmpUrl);
    assert.doesNotMatch((await page.getByTestId('stream-key').textContent()) ?? '', /live_/, 'the key is masked until shown');
    assert.match((await obs.textContent()) ?? '', /Server.*Stream Key/s);
    await page.screenshot({ path: path.join(SHOTS, 'settings.png'), fullPage: true });
    await obs.getByRole('button', { name: 'Show' }).click();
    assert.equal(await page.getByTestId('stream-key').textContent(), streamer.streamKey);

    await page.getByRole('button', { name: 'Regenerate stream key' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.getByTestId('stream-key').textContent(), streamer.streamKey, 'cancel keeps the key');
    await page.getByRole('button', { name: 'Regenerate stream key' }).click();
    await page.getByRole('button', { name: 'Yes, make a new key' }).click();
    await page.getByText('New stream key made').waitFor();
    const shown = (await page.getByTestId('stream-key').textContent()) ?? '';
    assert.notEqual(shown, streamer.streamKey);
    const ch = await api(server.base, 'GET', '/api/me/channel', undefined, streamer.token);
    assert.equal(shown, ch.body.streamKey);
    streamer.streamKey = ch.body.streamKey;

    // Title and tags (also for the screenshots).
    await page.getByLabel('Title').fill('Building Onair, live');
    await page.getByLabel('Tags').fill('coding, typescript');
    await page.getByRole('button', { name: 'Save channel' }).click();
    await page.getByText('Saved.').waitFor();
    const after = await api(server.base, 'GET', '/api/me/channel', undefined, streamer.token);
    assert.equal(after.body.title, 'Building Onair, live');
    assert.deepEqual(after.body.tags, ['coding', 'typescript']);
  });

  test('the offline card turns into the player when the channel goes live, and playback advances', async () => {
    assert.ok(streamer && codecs);
    const name = streamer.username.toLowerCase();
    await page.goto(`/c/${name}`);
    await page.getByTestId('offline-card').waitFor();
    assert.equal(await page.getByTestId('player').count(), 0);

    publishers.push(publish(`${server.rtmpBase}/${streamer.streamKey}`, { size: '640x360' }));
    // The page polls every 5 s: no reload here.
    await page.getByTestId('player').waitFor({ timeout: 25_000 });
    await page.getByTestId('live-badge').waitFor();
    assert.equal(await page.getByTestId('offline-card').count(), 0);

    if (codecs.mseH264Aac) {
      assert.equal(await page.getByTestId('player').getAttribute('data-engine'), 'hlsjs');
      const { t0, t1 } = await waitPlaybackAdvances(page, 3);
      console.log(`# playback: currentTime ${t0.toFixed(2)} -> ${t1.toFixed(2)}`);
      await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'playing');
    } else {
      // A Chromium without proprietary codecs: the player must say so in plain words.
      await page.locator('[data-error-code="unsupported"]').waitFor();
    }
    await page.waitForTimeout(2500); // a thumbnail for the home page's card
    await page.getByTestId('player').hover(); // show the player controls in the screenshot
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(SHOTS, 'watch-desktop.png') });

    await page.goto('/');
    await page.locator('.channel-card').first().waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, 'home.png') });
  });

  test('a viewer whose first media came late is moved up to the live position; one who paused stays where they chose', async () => {
    assert.ok(streamer && codecs);
    if (!codecs.mseH264Aac) return;
    const name = streamer.username.toLowerCase();
    const { page: viewer } = await newPage();
    let holdUntil = 0;
    await viewer.route(/\.(m4s|mp4)(\?.*)?$/, async (route) => {
      const wait = holdUntil - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await route.continue().catch(() => {});
    });
    // The playlists come at once and the media 3 s late, as on a slow start: the player starts from the live position
    // of 3 s before, further behind than hls.js catches up by playing faster.
    holdUntil = Date.now() + 3000;
    await viewer.goto(`/embed/${name}`);
    const badge = viewer.locator('.live-badge__latency');
    const latency = async () => Number(/([\d.]+) s/.exec((await badge.textContent()) ?? '')?.[1]);
    await badge.waitFor({ timeout: 30_000 });
    // Moved up once the media at the live position is in (a loaded machine was still 4.1 s behind 5 s after the
    // badge showed). A viewer left where it started never gets under 2.5 s, as hls.js's faster play does not reach
    // it. The move is judged by the lowest reading within 20 s, and every reading is kept for the message: in one CI
    // run the badge read 3.5 s three seconds after this wait, whether because the move never came or because a stall
    // followed it (a next move waits out JUMP_COOLDOWN_MS) was not told.
    const readings: string[] = [];
    let lowest = Infinity;
    const started = Date.now();
    await waitFor(
      'the late start moved up',
      async () => {
        const l = await latency();
        readings.push(`${((Date.now() - started) / 1000).toFixed(1)}s:${l}`);
        lowest = Math.min(lowest, l);
        return l < 2.5;
      },
      20_000,
      250,
    ).catch(() => {});
    assert.ok(lowest < 2.5, `a late start is moved up to the live position: at best ${lowest} s behind; the badge read ${readings.join(' ')}`);
    // Given 3 s to settle before the pause (read at once after the move, one run read 1.1 s, then only 2.8 s after the
    // 4 s pause below).
    await viewer.waitForTimeout(3000);
    const joined = await latency();
    // Paused and played again from outside the player's own button (which goes live): left behind, as chosen.
    await viewer.evaluate(() => document.querySelector('video')!.pause());
    await viewer.waitForTimeout(4000);
    await viewer.evaluate(() => void document.querySelector('video')!.play());
    await viewer.waitForTimeout(4000);
    const chosen = await latency();
    console.log(
      `# late start: at best ${lowest} s behind after joining (${readings.slice(-3).join(' ')}), ${joined} s 3 s later; ${chosen} s after a 4 s pause`,
    );
    assert.ok(chosen > joined + 2.5, `a viewer who paused is left where they chose: ${chosen} s behind (${joined} s before)`);
    await viewer.close();
  });

  test('on a 375 px wide phone the chat sits below the player and nothing overflows', async () => {
    assert.ok(streamer && codecs);
    const name = streamer.username.toLowerCase();
    const { page: phone } = await newPage({ width: 375, height: 812 });
    await phone.goto(`/c/${name}`);
    const player = phone.getByTestId('player');
    const chat = phone.getByTestId('chat');
    await player.waitFor();
    await chat.waitFor();
    const p = (await player.boundingBox())!;
    const c = (await chat.boundingBox())!;
    assert.ok(c.y >= p.y + p.height - 1, `chat (y=${c.y}) should start below the player (bottom ${p.y + p.height})`);
    assert.ok(p.width >= 370 && p.width <= 375, `player spans the width (${p.width})`);
    assert.ok(c.x >= 0 && c.x + c.width <= 375, 'chat fits the width');
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
    if (codecs.mseH264Aac) await waitPlaybackAdvances(phone, 3);
    await phone.screenshot({ path: path.join(SHOTS, 'watch-phone.png') });

    // Desktop: chat beside the player.
    const pb = (await page.goto(`/c/${name}`), await page.getByTestId('player').boundingBox())!;
    const cb = (await page.getByTestId('chat').boundingBox())!;
    assert.ok(cb.x >= pb.x + pb.width - 1, 'on desktop the chat is to the right of the player');

    // The embed page: the player fills the frame; ?chat=1 adds the chat.
    await page.goto(`/embed/${name}`);
    await page.getByTestId('player').waitFor();
    assert.equal(await page.getByTestId('chat').count(), 0);
    await page.goto(`/embed/${name}?chat=1`);
    await page.getByTestId('player').waitFor();
    await page.getByTestId('chat').waitFor();
  });

  test('two browsers chat on the watch page; a follower gets a toast when the channel goes live', async () => {
    assert.ok(streamer);
    assert.ok(await chatAvailable(), 'socket.io answers on /socket.io');
    const name = streamer.username.toLowerCase();
    const { page: other } = await newPage();
    await registerInPage(other, `fan${Date.now().toString(36).slice(-5)}`);
    await page.goto(`/c/${name}`);
    await other.goto(`/c/${name}`);
    for (const p of [page, other]) await p.getByTestId('chat').and(p.locator('[data-status="joined"]')).waitFor();

    await page.getByLabel('Send a message').fill('hello from the streamer');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await other.getByTestId('chat').getByText('hello from the streamer').waitFor();
    await other.getByLabel('Send a message').fill('hi back from a fan');
    await other.getByLabel('Send a message').press('Enter');
    await page.getByTestId('chat').getByText('hi back from a fan').waitFor();
    assert.equal(await page.getByLabel('Send a message').inputValue(), '');

    // Follow; when the channel goes live again the follower gets a toast, on whatever page they are.
    // The button turns at once (optimistic); the count is read once the server has answered the follow.
    const followed = other.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/api/channels/${name}/follow`));
    await other.getByRole('button', { name: 'Follow', exact: true }).click();
    await other.getByRole('button', { name: 'Following', exact: true }).waitFor();
    assert.equal((await followed).status(), 200);
    const following = await api(server.base, 'GET', `/api/channels/${name}`);
    assert.equal(following.body.followers, 1);
    await other.goto('/');
    await other.getByRole('heading', { name: 'Live now', exact: true }).waitFor();
    const pub = publishers.pop()!;
    pub.proc.kill('SIGINT');
    await pub.exit;
    await page.getByTestId('offline-card').waitFor({ timeout: STREAM_END_SHOWN_MS });
    await page.getByTestId('chat').getByText(/ended/i).first().waitFor();
    publishers.push(publish(`${server.rtmpBase}/${streamer.streamKey}`, { size: '640x360' }));
    const toast = other.getByTestId('toast').filter({ hasText: `${name} is live` });
    await toast.waitFor({ timeout: 25_000 });
    await toast.getByRole('link', { name: 'Watch' }).click();
    await other.waitForURL(`**/c/${name}`);
    await other.getByTestId('player').waitFor();
    // The streamer's page turned back into the player without waiting for its poll as well.
    await page.getByTestId('player').waitFor({ timeout: 25_000 });
    if (codecs?.mseH264Aac) await waitPlaybackAdvances(page, 1);
    await page.getByTestId('player').hover();
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(SHOTS, 'watch-desktop.png') });
  });

  test('a guest watches and chats through an invite link', async () => {
    assert.ok(streamer);
    const name = streamer.username.toLowerCase();
    const vis = await api(server.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, streamer.token);
    assert.equal(vis.status, 200, JSON.stringify(vis.body));
    const { page: guest } = await newPage({ width: 390, height: 844 });
    await guest.goto(`/c/${name}`);
    await guest.getByTestId('private-card').getByText('This stream is private').waitFor();

    await page.goto('/settings');
    await page.getByRole('button', { name: 'Create invite link' }).click();
    const link = (await page.locator('.created-invite code').textContent())!;
    assert.match(link, /\/i\//);
    const token = link.split('/i/')[1];
    await guest.goto(`/i/${token}`);
    await guest.getByLabel('Your name').fill('Grace');
    await guest.getByRole('button', { name: 'Watch as a guest' }).click();
    await guest.waitForURL(`**/c/${name}`);
    await guest.getByTestId('player').waitFor();
    if (codecs?.mseH264Aac) await waitPlaybackAdvances(guest, 3);
    {
      await guest.getByTestId('chat').and(guest.locator('[data-status="joined"]')).waitFor();
      await guest.getByLabel('Send a message').fill('guest says hi');
      await guest.getByRole('button', { name: 'Send', exact: true }).click();
      await page.goto(`/c/${name}`);
      await page.getByTestId('chat').getByText('guest says hi').waitFor();
    }
    await page.goto('/settings');
    await page.getByTestId('invites').waitFor();
    assert.match((await page.getByTestId('invite-uses').first().textContent()) ?? '', /^1/);
    await api(server.base, 'PATCH', '/api/me/channel', { visibility: 'public' }, streamer.token);
  });

  test('when the stream stops the watch page shows the offline card, and the replay plays', async () => {
    assert.ok(streamer && codecs);
    const name = streamer.username.toLowerCase();
    await page.goto(`/c/${name}`);
    await page.getByTestId('player').waitFor();
    const pub = publishers.pop()!;
    pub.proc.kill('SIGINT');
    await pub.exit;
    await page.getByTestId('offline-card').waitFor({ timeout: STREAM_END_SHOWN_MS });
    const replays = await waitFor('a replay', async () => {
      const r = await api(server.base, 'GET', `/api/channels/${name}/replays`);
      return r.status === 200 && r.body.length > 0 ? r.body : null;
    });
    await page.getByRole('link', { name: 'Watch replays' }).click();
    await page.waitForURL(`**/c/${name}/replays`);
    await page.locator(`a[href="/replay/${replays[0].id}"]`).click();
    await page.getByTestId('player').waitFor();
    if (codecs.mseH264Aac)
      await waitPlaybackAdvances(page, 1, 20_000).catch(async () => {
        // Short replays can end before 3 s of play: then they must have played to the end.
        assert.equal(await page.getByTestId('player').getAttribute('data-state'), 'ended');
      });
  });

  test('settings: the password changes (other sessions end), and no invite link stays after signing out', async () => {
    const { page: own } = await newPage();
    const username = `pwd${Date.now().toString(36).slice(-5)}`;
    await registerInPage(own, username);
    const elsewhere = (await api(server.base, 'POST', '/api/auth/login', { username, password: password(username) })).body.token as string;
    await own.goto('/settings');
    const profile = own.getByRole('region', { name: 'Profile' });
    await profile.waitFor();

    await own.getByRole('button', { name: 'Create invite link' }).click();
    const link = (await own.locator('.created-invite code').textContent())!;
    const inviteToken = link.split('/i/')[1];
    assert.ok(inviteToken, `an invite link is shown: ${link}`);
    await own.getByTestId('invites').getByText(link).waitFor();

    const form = own.getByRole('form', { name: 'Change password' });
    const newPassword = 'brand-new-password';
    await form.getByLabel('Current password').fill('not-the-password');
    await form.getByLabel('New password', { exact: true }).fill(newPassword);
    await form.getByLabel('Confirm new password').fill(newPassword);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('alert').filter({ hasText: 'current password is not right' }).waitFor();
    await form.getByLabel('Current password').fill(password(username));
    await form.getByLabel('Confirm new password').fill('something-else');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('alert').filter({ hasText: 'not the same' }).waitFor();
    await form.getByLabel('Confirm new password').fill(newPassword);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    assert.equal(await own.evaluate(() => fetch('/api/me').then((r) => r.status)), 200, 'this browser stays signed in');
    assert.equal((await api(server.base, 'GET', '/api/me', undefined, elsewhere)).status, 401, 'another session ended');
    assert.equal((await api(server.base, 'POST', '/api/auth/login', { username, password: password(username) })).status, 401);
    assert.equal((await api(server.base, 'POST', '/api/auth/login', { username, password: newPassword })).status, 200);

    await profile.getByRole('button', { name: 'Sign out', exact: true }).click();
    await own.getByRole('form', { name: 'Log in' }).waitFor();
    assert.ok(!(await own.content()).includes(inviteToken), 'no invite link in the page after signing out');
    assert.equal(await own.evaluate(() => localStorage.getItem('onair.inviteLinks')), null, 'nor in storage');

    // Signing back in shows the invite without its link (Copy asks the server for it); "Sign out everywhere" ends this session too.
    const login = own.getByRole('form', { name: 'Log in' });
    await login.getByLabel('Username').fill(username);
    await login.getByLabel('Password').fill(newPassword);
    await login.getByRole('button', { name: 'Log in' }).click();
    await own.getByTestId('invites').waitFor();
    assert.ok(!(await own.content()).includes(inviteToken), 'the link is not in the page again until Copy asks for it');
    const another = (await api(server.base, 'POST', '/api/auth/login', { username, password: newPassword })).body.token as string;
    await own.getByRole('button', { name: 'Sign out everywhere' }).click();
    await own.getByRole('form', { name: 'Log in' }).waitFor();
    assert.equal(await own.evaluate(() => fetch('/api/me').then((r) => r.status)), 401);
    assert.equal((await api(server.base, 'GET', '/api/me', undefined, another)).status, 401, 'every session ended');
    assert.equal(await own.locator('[data-testid="profile-username"]').count(), 0);
  });

  test("settings: while live with OBS Simple mode's keyframes (every 250 frames), the warning with the fix appears", async () => {
    const { page: own } = await newPage();
    const username = `kf${Date.now().toString(36).slice(-5)}`;
    await registerInPage(own, username);
    await own.goto('/settings');
    await own.getByTestId('obs-setup').waitFor();
    assert.equal(await own.getByTestId('keyframe-warning').count(), 0, 'no warning while off air');
    const token = (await api(server.base, 'POST', '/api/auth/login', { username, password: password(username) })).body.token as string;
    const key = (await api(server.base, 'GET', '/api/me/channel', undefined, token)).body.streamKey as string;
    const pub = publish(`${server.rtmpBase}/${key}`, { seconds: 40, extra: ['-g', '250', '-keyint_min', '250'] });
    publishers.push(pub);
    // Three keyframes 8.3 s apart, then the page's next poll.
    const warning = own.getByTestId('keyframe-warning');
    await warning.waitFor({ timeout: 45_000 });
    const text = (await warning.textContent()) ?? '';
    assert.match(text, /every 8\.3 s/);
    assert.match(text, /Settings → Output → Output Mode "Advanced" → Streaming tab → Keyframe Interval: 1 s/);
    await own.getByRole('region', { name: 'Stream from OBS' }).screenshot({ path: path.join(SHOTS, 'settings-keyframe-warning.png') });
    pub.proc.kill('SIGKILL');
    await pub.exit;
    publishers.splice(publishers.indexOf(pub), 1);
  });

  test('no page error and no Content-Security-Policy violation', () => {
    assert.deepEqual(pageErrors, []);
  });
});

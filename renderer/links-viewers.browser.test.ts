// The viewer web app in a real browser (Debian's Chromium through playwright-core) against a real Onair server
// without ONAIR_PUBLIC_URL: the links people are shown carry the address the page was opened at, and one person
// watching with chat open counts once everywhere the count appears (the watch page, the API behind it and behind
// the home cards, /api/stats, /stat); two people count two. The SRT server URL beside the RTMP one carries it too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { builtApp, CHROMIUM, CHROMIUM_ARGS, registerInPage } from '../server/test-support/browser.js';
import { waitFor } from '../server/test-support/process.js';
import { api, publish, startTestServer, type Publisher, type TestServer } from '../server/test-support/server.js';

const STEP_MS = 20_000;

let server: TestServer;
let browser: Browser;
let profileDir: string;
const contexts: BrowserContext[] = [];
const publishers: Publisher[] = [];

async function newPage(userAgent?: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: server.base, ...(userAgent ? { userAgent } : {}) });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  return page;
}

/** The channel's count as each place shows it. */
async function countsEverywhere(page: Page, channel: string) {
  const watch = (await page.getByTestId('viewer-count').textContent()) ?? '';
  const channelApi = (await api(server.base, 'GET', `/api/channels/${channel}`)).body.viewers;
  const home = (await api(server.base, 'GET', '/api/channels/live')).body.find((c: { name: string }) => c.name === channel)?.viewers;
  const stats = (await api(server.base, 'GET', '/api/stats')).body.streams.find((s: { channel: string }) => s.channel === channel)?.viewers;
  const xml = await (await fetch(`${server.base}/stat`)).text();
  const stream = new RegExp(`<stream>\\s*<name>${channel}</name>[\\s\\S]*?</stream>`).exec(xml)?.[0] ?? '';
  const rtmpClients = (stream.match(/<client>/g) ?? []).length;
  const statViewers = Number(/<nclients>(\d+)<\/nclients>/.exec(stream)?.[1] ?? NaN) - rtmpClients;
  return { watch, channelApi, home, stats, statViewers };
}

/** Records when the page's player last fetched a playlist (so a count taken now includes the player). */
function playlistFetches(page: Page): () => number {
  let last = 0;
  page.on('response', (r) => {
    if (/\.(m3u8|mpd)(\?|$)/.test(r.url()) && r.status() === 200) last = Date.now();
  });
  return () => last;
}

describe('links and viewer counts in Chromium, ONAIR_PUBLIC_URL unset', { timeout: 180_000 }, () => {
  before(async () => {
    builtApp('viewer');
    server = await startTestServer({ ONAIR_GRACE_SECONDS: '0', ONAIR_SRT_PORT: 'auto' });
    assert.match(server.config.publicUrl, /localhost/, 'the configured default is localhost: the links must not use it');
    profileDir = mkdtempSync(path.join(tmpdir(), 'onair-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profileDir } });
  });

  after(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test('a page opened at http://127.0.0.1:PORT shows the OBS, HLS and invite links with 127.0.0.1', async () => {
    assert.match(server.base, /^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await newPage();
    await registerInPage(page, 'linkshow');
    await page.goto('/settings');
    await page.getByTestId('obs-setup').waitFor();
    assert.equal(await page.getByTestId('rtmp-url').textContent(), `rtmp://127.0.0.1:${server.rtmpPort}/live`);
    assert.equal(await page.getByTestId('srt-url').textContent(), `srt://127.0.0.1:${server.srtPort}?streamid=<key>`);
    await page.getByText(`${server.base}/hls/linkshow/index.m3u8`).waitFor();
    await page.getByRole('button', { name: 'Create invite link' }).click();
    const created = (await page.locator('.created-invite code').textContent()) ?? '';
    assert.match(created, new RegExp(`^${server.base.replace(/\./g, '\\.')}/i/[A-Za-z0-9_-]+$`));
    // A loopback link opens only on this computer: the page says so and how to get one friends can open.
    assert.match(
      (await page.getByTestId('loopback-note').textContent()) ?? '',
      /Only this computer can open this link: it points at 127\.0\.0\.1\..*ONAIR_PUBLIC_URL/,
    );
    assert.doesNotMatch((await page.locator('main, body').first().textContent()) ?? '', /localhost/);
  });

  test('a page opened by a network name gets links with that name, and no loopback note', async () => {
    // friends.test resolves to the server's loopback address in this browser only: the Host header is the name.
    const named = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP friends.test 127.0.0.1'],
      env: { ...process.env, HOME: profileDir },
    });
    try {
      const base = server.base.replace('127.0.0.1', 'friends.test');
      const ctx = await named.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base });
      const page = await ctx.newPage();
      page.setDefaultTimeout(STEP_MS);
      await registerInPage(page, 'linkname');
      await page.goto('/settings');
      await page.getByRole('button', { name: 'Create invite link' }).click();
      const created = (await page.locator('.created-invite code').textContent()) ?? '';
      assert.match(created, new RegExp(`^http://friends\\.test:${new URL(server.base).port}/i/[A-Za-z0-9_-]+$`));
      assert.equal(await page.getByTestId('loopback-note').count(), 0);
      assert.equal(await page.getByTestId('rtmp-url').textContent(), `rtmp://friends.test:${server.rtmpPort}/live`);
    } finally {
      await named.close();
    }
  });

  test('one person watching with chat open counts 1 everywhere; two people count 2', async () => {
    // The streamer, on another device, watches their own channel with chat open: they are not a viewer of it.
    const streamer = await newPage('StreamerLaptop/1.0');
    await registerInPage(streamer, 'counted');
    const streamKey = await streamer.evaluate(async () => (await (await fetch('/api/me/channel')).json()).streamKey as string);
    publishers.push(publish(`${server.rtmpBase}/${streamKey}`, { size: '320x180' }));
    await waitFor('live', async () => (await api(server.base, 'GET', '/api/channels/counted')).body.live, 30_000, 250);
    await streamer.goto('/c/counted');
    await streamer.getByTestId('player').waitFor();
    await streamer.getByTestId('chat').and(streamer.locator('[data-status="joined"]')).waitFor();

    const one = await newPage();
    const lastFetch = playlistFetches(one);
    await one.goto('/c/counted');
    await one.getByTestId('player').waitFor();
    await one.getByTestId('chat').and(one.locator('[data-status="joined"]')).waitFor();
    await waitFor('the player fetched a playlist', () => lastFetch() > 0, 20_000, 100);
    // Past two count ticks, with the player still polling: chat and player are one person.
    await new Promise((r) => setTimeout(r, 4500));
    await waitFor(
      '1 everywhere',
      async () => {
        const c = await countsEverywhere(one, 'counted');
        return c.watch === '1 viewer' && c.channelApi === 1 && c.home === 1 && c.stats === 1 && c.statViewers === 1 ? c : false;
      },
      10_000,
      250,
    ).catch(async (err) => assert.fail(`${(err as Error).message}: ${JSON.stringify(await countsEverywhere(one, 'counted'))}`));
    assert.ok(Date.now() - lastFetch() < 10_000, 'the player was polling while counted');

    // Another person on another device, signed in, watching with chat open.
    const two = await newPage('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Mobile Safari/537.36');
    await registerInPage(two, 'secondfan');
    await two.goto('/c/counted');
    await two.getByTestId('chat').and(two.locator('[data-status="joined"]')).waitFor();
    await waitFor(
      '2 everywhere',
      async () => {
        const [a, b] = [await countsEverywhere(one, 'counted'), await countsEverywhere(two, 'counted')];
        return a.watch === '2 viewers' && b.watch === '2 viewers' && a.channelApi === 2 && a.home === 2 && a.stats === 2 && a.statViewers === 2
          ? a
          : false;
      },
      15_000,
      250,
    ).catch(async (err) => assert.fail(`${(err as Error).message}: ${JSON.stringify(await countsEverywhere(one, 'counted'))}`));
  });
});

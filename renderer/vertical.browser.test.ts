// The watch page with a vertical companion, in a real browser (Debian's Chromium through playwright-core) against a
// real Onair server with two real ffmpeg publishers (1280x720 at rtmp://HOST/live, 720x1280 at rtmp://HOST/vertical,
// the same stream key): a phone held upright plays the vertical picture and its switch goes to the landscape one;
// a desktop plays the landscape picture and its switch goes to the vertical one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { builtApp, CHROMIUM, CHROMIUM_ARGS } from '../server/test-support/browser.js';
import { waitFor } from '../server/test-support/process.js';
import { newStreamer, publish, startTestServer, type Publisher, type TestServer } from '../server/test-support/server.js';

const STEP_MS = 30_000;

let server: TestServer;
let browser: Browser;
let profileDir: string;
const contexts: BrowserContext[] = [];
const publishers: Publisher[] = [];
const pageErrors: string[] = [];

async function newPage(phone: boolean): Promise<Page> {
  const ctx = await browser.newContext(
    phone
      ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3, baseURL: server.base }
      : { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, baseURL: server.base },
  );
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  return page;
}

/** The picture size the <video> plays, once it plays (a fresh player after each switch). */
async function playingSize(page: Page): Promise<{ w: number; h: number }> {
  await page.waitForFunction(
    () => {
      const v = document.querySelector('video');
      return !!v && v.currentTime > 0.3 && v.videoWidth > 0;
    },
    undefined,
    { timeout: STEP_MS },
  );
  return page.evaluate(() => {
    const v = document.querySelector('video')!;
    return { w: v.videoWidth, h: v.videoHeight };
  });
}

describe('the watch page with a vertical companion', { timeout: 240_000 }, () => {
  before(async () => {
    // Built again only when its sources are newer: a build empties dist/renderer/viewer, which the tests running
    // beside this one serve (they would answer 503, "viewer app not built", meanwhile).
    builtApp('viewer', 'stale');
    server = await startTestServer({ ONAIR_GRACE_SECONDS: '0' });
    profileDir = mkdtempSync(path.join(tmpdir(), 'onair-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profileDir } });
    const streamer = await newStreamer(server.base, 'twoway');
    const key = streamer.channel.streamKey;
    publishers.push(publish(`${server.rtmpBase}/${key}`, { size: '1280x720', seconds: 150 }));
    publishers.push(publish(`${server.rtmpBase.replace(/\/live$/, '/vertical')}/${key}`, { size: '720x1280', seconds: 150 }));
    await waitFor(
      'both streams packaged',
      () => (server.streams.get('twoway')?.segments ?? 0) > 0 && (server.streams.vertical('twoway')?.segments ?? 0) > 0,
      30_000,
      100,
    );
  });

  after(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test('a phone held upright plays the vertical picture; the switch goes to landscape and back', async () => {
    const page = await newPage(true);
    await page.goto('/c/twoway');
    const toggle = page.getByTestId('orientation-switch');
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('data-showing'), 'vertical');
    assert.equal((await toggle.textContent())?.trim(), 'Landscape');
    const vertical = await playingSize(page);
    assert.ok(vertical.w < vertical.h, `vertical picture: ${vertical.w}x${vertical.h}`);
    assert.deepEqual(vertical, { w: 720, h: 1280 });

    await toggle.tap();
    await page.waitForFunction(() => document.querySelector('[data-testid="orientation-switch"]')?.getAttribute('data-showing') === 'landscape');
    await page.waitForFunction(
      () => (document.querySelector('video')?.videoWidth ?? 0) > (document.querySelector('video')?.videoHeight ?? 0),
      undefined,
      {
        timeout: STEP_MS,
      },
    );
    const landscape = await playingSize(page);
    assert.deepEqual(landscape, { w: 1280, h: 720 });
    assert.equal((await toggle.textContent())?.trim(), 'Vertical');

    await toggle.tap();
    await page.waitForFunction(
      () => (document.querySelector('video')?.videoWidth ?? 0) < (document.querySelector('video')?.videoHeight ?? 0),
      undefined,
      {
        timeout: STEP_MS,
      },
    );
    assert.deepEqual(pageErrors, []);
  });

  test('a desktop plays the landscape picture, with the switch to the vertical one', async () => {
    const page = await newPage(false);
    await page.goto('/c/twoway');
    const toggle = page.getByTestId('orientation-switch');
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('data-showing'), 'landscape');
    const landscape = await playingSize(page);
    assert.ok(landscape.w > landscape.h, `landscape picture: ${landscape.w}x${landscape.h}`);
    await toggle.click();
    await page.waitForFunction(
      () => (document.querySelector('video')?.videoWidth ?? 0) < (document.querySelector('video')?.videoHeight ?? 0),
      undefined,
      {
        timeout: STEP_MS,
      },
    );
    const vertical = await playingSize(page);
    assert.deepEqual(vertical, { w: 720, h: 1280 });
    assert.deepEqual(pageErrors, []);
  });
});

// The web page layer end to end, outside Electron: the real dev bridge renders the page in a browser context of its
// own in Chromium (electron/dev-bridge/web-pages.ts, the DevTools screencast) and streams its pictures as the feed the
// desktop app's offscreen windows send (electron/source-feed.ts); the engine (bundled from source) in another page
// decodes them and composites the layer. The canvas is read back: the page's colour where the layer is, and its
// next colour once the page changes by itself (a script in it); a page that does not load, an error status, and an
// address that is not http(s) are said in plain words or refused.
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import { cdpWebPages } from '../electron/dev-bridge/web-pages.js';
import { SOURCE_FEED_PATH } from '../electron/source-feed.js';
import { harnessPage, launchChromium } from '../server/test-support/browser.js';
import { freePort } from '../server/test-support/process.js';

const ENGINE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'studio', 'engine');

/** Red, then green 1.5 s after it loads. */
const PAGE = `<!doctype html><html><body style="margin:0;background:#ff0000">
<script>setTimeout(() => (document.body.style.background = '#00ff00'), 1500);</script></body></html>`;

/** Runs in the page: a blue background, the web page at the top right of the horizontal canvas; reports what is drawn. */
const HARNESS = `
import { sessionClock } from './clock.js';
import { Compositor } from './compositor/compositor.js';
import { newItem } from './scene/commands.js';
import { DEFAULT_CANVASES } from './scene/model.js';
import { browserSources } from './sources/open.js';
import { sourceFeedOpener } from './sources/source-feed.js';
import { SourceRegistry } from './sources/registry.js';

let compositor, registry;
window.openWeb = (url) => {
  registry = new SourceRegistry(browserSources({ chatLines: () => [], screenPickerNeedsClick: true, openFeed: sourceFeedOpener(undefined) }));
  compositor = new Compositor({ sources: registry, clock: sessionClock() });
  compositor.setDoc({
    version: 1,
    canvases: DEFAULT_CANVASES,
    sources: {
      bg: { id: 'bg', name: 'bg', settings: { kind: 'color', color: '#0000ff' } },
      web: { id: 'web', name: 'Page', settings: { kind: 'web', url, width: 640, height: 360 } },
    },
    scenes: [{ id: 's', name: 'S', items: {
      horizontal: [newItem('1', 'bg', { x: 0, y: 0, w: 1280, h: 720 }), newItem('2', 'web', { x: 640, y: 0, w: 640, h: 360 })],
      vertical: [],
    } }],
    program: 's',
  });
  compositor.start();
};
window.webStatus = () => registry.get('web').status;
/** Pixels of each colour in the page's rectangle and outside it. */
window.look = () => {
  const d = compositor.canvas('horizontal').getContext('2d').getImageData(0, 0, 1280, 720).data;
  const r = { web: { red: 0, green: 0, blue: 0, other: 0 }, rest: { red: 0, green: 0, blue: 0, other: 0 } };
  for (let y = 0; y < 720; y += 4)
    for (let x = 0; x < 1280; x += 4) {
      const i = (y * 1280 + x) * 4;
      const [R, G, B] = [d[i], d[i + 1], d[i + 2]];
      const c = R > 200 && G < 60 && B < 60 ? 'red' : G > 200 && R < 60 && B < 60 ? 'green' : B > 200 && R < 60 && G < 60 ? 'blue' : 'other';
      r[x >= 640 && y < 360 ? 'web' : 'rest'][c]++;
    }
  return r;
};
window.closeWeb = () => { compositor.dispose(); registry.closeAll(); };
`;

type Counts = Record<'red' | 'green' | 'blue' | 'other', number>;
interface Look {
  web: Counts;
  rest: Counts;
}
type Status = { state: string; reason?: string };
const CELLS = 160 * 90; // the layer's rectangle, every fourth pixel each way

describe('a web page as a layer, in Chromium through the dev bridge', { timeout: 180_000 }, () => {
  let browser: Browser;
  let bridge: DevBridge;
  let site: http.Server;
  let siteUrl = '';

  before(async () => {
    site = http.createServer((req, res) => {
      if (req.url === '/page.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      res.writeHead(404, { 'content-type': 'text/html' }).end('<body style="background:#fff">Not here</body>');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    const harness = await harnessPage(HARNESS, ENGINE);
    browser = await launchChromium();
    bridge = await startDevBridge({
      ffmpegPath: 'ffmpeg',
      // The pages render in the test's Chromium, as the headless Studio renders them in its own.
      feeds: { webPages: cdpWebPages(async () => browser) },
      frontend: async () => ({
        handle: (req: IncomingMessage, res: ServerResponse) => harness(req, res),
        ownsUpgrade: () => false,
        close: async () => {},
      }),
    });
  });

  after(async () => {
    await bridge?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await new Promise((r) => site?.close(r));
  });

  const openPage = async (url: string, errors: string[]) => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(bridge.url);
    await page.waitForFunction(() => 'openWeb' in window);
    await page.evaluate((u) => (window as unknown as { openWeb(u: string): void }).openWeb(u), url);
    return page;
  };
  const look = (page: Page) => page.evaluate(() => (window as unknown as { look(): Look }).look());
  const status = (page: Page) => page.evaluate(() => (window as unknown as { webStatus(): Status }).webStatus());
  const waitFailed = async (page: Page) => {
    await page.waitForFunction(() => (window as unknown as { webStatus(): Status }).webStatus().state === 'failed', null, { timeout: 30_000 });
    return status(page);
  };

  test('the page is drawn where the layer is, and what it paints next follows', async () => {
    const errors: string[] = [];
    const page = await openPage(`${siteUrl}/page.html`, errors);
    await page.waitForFunction((n) => (window as unknown as { look(): Look }).look().web.red > 0.95 * n, CELLS, { timeout: 30_000 });
    const red = await look(page);
    assert.equal(red.rest.red, 0, `only in its rectangle: ${JSON.stringify(red)}`);
    assert.ok(red.rest.blue > 0.95 * 3 * CELLS, `the background around it: ${JSON.stringify(red)}`);
    assert.equal((await status(page)).state, 'ready');
    // The page's own script turns it green: the new paint reaches the layer.
    await page.waitForFunction((n) => (window as unknown as { look(): Look }).look().web.green > 0.95 * n, CELLS, { timeout: 15_000 });
    assert.deepEqual(errors, []);
    await page.evaluate(() => (window as unknown as { closeWeb(): void }).closeWeb());
    await page.close();
  });

  test('a page that does not load, and an error status, are said in plain words in the layer', async () => {
    const errors: string[] = [];
    const closed = `http://127.0.0.1:${await freePort()}/nothing-listens`;
    const down = await openPage(closed, errors);
    assert.match((await waitFailed(down)).reason ?? '', /The web page could not be loaded \(.*ERR_CONNECTION_REFUSED/);
    // The compositor's next frame draws the reason in the layer's place.
    await down
      .waitForFunction((n) => (window as unknown as { look(): Look }).look().web.other > 0.9 * n, CELLS, { timeout: 5_000 })
      .catch(async () => assert.fail(`the reason in the layer's place: ${JSON.stringify(await look(down))}`));
    await down.close();
    const missing = await openPage(`${siteUrl}/missing.html`, errors);
    assert.match((await waitFailed(missing)).reason ?? '', /The web page answered 404 Not Found\./);
    await missing.close();
    assert.deepEqual(errors, []);
  });

  test('an address that is not http(s) is refused by the bridge; the request needs the bridge header', async () => {
    const feed = (request: object, headers: Record<string, string> = { 'x-onair-bridge': '1' }) =>
      fetch(`${bridge.url}${SOURCE_FEED_PATH}?request=${encodeURIComponent(JSON.stringify(request))}`, { headers }).then((r) => {
        void r.body?.cancel();
        return r.status;
      });
    assert.equal(await feed({ kind: 'web', url: 'file:///etc/passwd', width: 640, height: 360 }), 400);
    assert.equal(await feed({ kind: 'web', url: 'javascript:alert(1)', width: 640, height: 360 }), 400);
    assert.equal(await feed({ kind: 'web', url: `${siteUrl}/page.html`, width: 99999, height: 360 }), 400);
    assert.equal(await feed({ kind: 'web', url: `${siteUrl}/page.html`, width: 640, height: 360 }, {}), 403);
  });
});

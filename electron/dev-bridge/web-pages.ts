// Web page layers outside Electron: each page in a browser context of its own (no cookies or storage shared with the
// Studio's page) in a Chromium (the headless Studio's own, or one started on first use for dev:studio), sized as the
// layer asks; its pictures come from the DevTools protocol's screencast (Page.startScreencast: a JPEG each time the
// page paints) and go out on the layer's feed. The desktop app's counterpart is electron/main/web-pages.ts.
import type { Browser, BrowserContext } from 'playwright-core';
import { pageFeed, type WebPageRenderer } from '../main/core/source-feeds.js';

/** How long a page gets to answer before the layer says it did not load. */
const LOAD_MS = 20_000;
const JPEG_QUALITY = 85;
// Every frame the page's compositor makes: a page that paints once (a colour change) makes one frame, which a
// "every second frame" setting would never send. A still page makes none.
const EVERY_NTH_FRAME = 1;

/** `browser` gives the Chromium to render in; a rejection is said in the layer's place. */
export function cdpWebPages(browser: () => Promise<Browser>): WebPageRenderer {
  return (req, send) => {
    const feed = pageFeed(send);
    let context: BrowserContext | null = null;
    feed.starting();
    void (async () => {
      const b = await browser().catch((err: Error) => {
        throw new Error(`Chromium could not start to show it (${err.message.split('\n')[0]}); set CHROMIUM_PATH`);
      });
      context = await b.newContext({ viewport: { width: req.width, height: req.height }, deviceScaleFactor: 1, serviceWorkers: 'block' });
      if (feed.closed) return void context.close().catch(() => {});
      const page = await context.newPage();
      page.on('crash', () => feed.fail('The web page crashed.'));
      const cdp = await context.newCDPSession(page);
      cdp.on('Page.screencastFrame', (f) => {
        // Chromium sends the next picture only once this one is acknowledged: pictures never pile up here.
        void cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => {});
        feed.picture(Buffer.from(f.data, 'base64'));
      });
      await cdp.send('Page.startScreencast', {
        format: 'jpeg',
        quality: JPEG_QUALITY,
        maxWidth: req.width,
        maxHeight: req.height,
        everyNthFrame: EVERY_NTH_FRAME,
      });
      const res = await page.goto(req.url, { waitUntil: 'load', timeout: LOAD_MS }).catch((err: Error) => {
        throw new Error(`The web page could not be loaded (${err.message.split('\n')[0]?.replace(/^page\.goto: /, '')})`);
      });
      // An error page is not what viewers should see: the layer shows the status in words instead.
      if (res && !res.ok()) feed.fail(`The web page answered ${res.status()} ${res.statusText()}.`.replace(' .', '.'));
    })().catch((err: Error) => feed.fail(`${err.message}.`.replace('..', '.')));
    return {
      close() {
        feed.close();
        void context?.close().catch(() => {});
      },
    };
  };
}

// The engine mode from the BUILT Studio (dist/renderer/studio, what the desktop app loads), not from source: the
// dev bridge serves the bundle, the page encodes its own canvas and mix and sends the chunks over the bridge's media
// socket to a real Onair server. Guards what only a build changes: assets vite inlines or renames (the AudioWorklet
// modules) against the page's Content-Security-Policy. Checks that media arrives (h264 + aac in the live HLS), not its
// pacing, so it runs in the normal pool. A worklet the CSP refuses shows in the Studio's alert (Chromium fires no
// securitypolicyviolation in the page for a worklet), so the alert is checked as well as the console and events.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import { AUTOPLAY_ARG, builtApp, launchChromium, newTestPage } from '../server/test-support/browser.js';
import { ffmpegPath as FFMPEG, ffprobe, waitFor } from '../server/test-support/process.js';
import type { TestServer } from '../server/test-support/server.js';
import { signUpInStudio, startStudioServer } from '../server/test-support/studio.js';

const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'renderer', 'studio');
const STEP_MS = 20_000;

describe('Onair Studio, built: engine mode goes live with media on the server', { timeout: 90_000 }, () => {
  let server: TestServer;
  let bridge: DevBridge;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  /** The page's last console lines, for the message when it does not go live. */
  const consoleLines: string[] = [];
  const username = `built${Date.now().toString(36).slice(-5)}`;

  before(async () => {
    builtApp('studio', Boolean(process.env.ONAIR_REBUILD_STUDIO));
    server = await startStudioServer();
    bridge = await startDevBridge({ staticDir: DIST, ffmpegPath: FFMPEG });
    await signUpInStudio(bridge.core, server.base, username);
    browser = await launchChromium([AUTOPLAY_ARG]);
    page = await newTestPage(browser, { viewport: { width: 1440, height: 900 }, stepMs: STEP_MS, errors: problems });
    // Chromium says a refused load in the console; the event names the directive and the URL.
    page.on('console', (m) => {
      consoleLines.push(`${m.type()}: ${m.text().slice(0, 300)}`);
      consoleLines.splice(0, consoleLines.length - 30);
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(`console: ${m.text().slice(0, 300)}`);
    });
    await page.exposeFunction('__cspViolation', (v: string) => problems.push(`csp: ${v}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { __cspViolation(v: string): void }).__cspViolation(`${e.effectiveDirective} ${e.blockedURI.slice(0, 80)}`),
      );
    });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await bridge?.close().catch(() => {});
    await server?.stop().catch(() => {});
  });

  test('Go Live in engine mode: the server gets H.264 and AAC; Stop ends it; no CSP violation', async () => {
    await page.goto(bridge.url);
    await page.getByTestId('account').filter({ hasText: username }).waitFor();
    await page.getByTestId('mode').selectOption('engine');
    // The smallest picture (the canvas is scaled to it) and a keyframe a second: a segment soon, little CPU.
    await page.getByTestId('preset').selectOption('Low bandwidth 480p');
    await page.getByLabel('Keyframe (s)').fill('1');

    await page.getByRole('button', { name: 'Go Live' }).click();
    // Live, or the Studio's error (an encoder that cannot start ends the broadcast and says why). Usually ~5 s; CI's
    // Node 22 pass once took over 30 s (beside another test on two cores): the state and console say where it was.
    await page
      .locator('[data-testid="state"][data-state="live"], [role="alert"]')
      .first()
      .waitFor({ timeout: 45_000 })
      .catch(async (err: Error) => {
        const state = await page
          .getByTestId('state')
          .first()
          .textContent()
          .catch(() => '?');
        throw new Error(`${err.message}\nthe Studio's state: ${state}\nits console:\n${consoleLines.join('\n')}`);
      });
    assert.deepEqual(await page.getByRole('alert').allTextContents(), [], 'no error in the Studio');
    await page.locator('[data-testid="state"][data-state="live"]').waitFor();

    // Media on the server: the channel live and a segment in its playlist, then ffprobe of the stream.
    const playlist = `${server.base}/hls/${username}/index.m3u8`;
    await waitFor(
      'a live HLS segment',
      async () => {
        const ch = await fetch(`${server.base}/api/channels/${username}`).then((r) => r.json());
        if (ch.live !== true) return null;
        // The main playlist names the video variant (and the audio rendition); a variant's playlist lists segments.
        const r = await fetch(playlist);
        const variant = r.ok ? (await r.text()).split('\n').find((l) => l.trim() && !l.startsWith('#')) : undefined;
        if (!variant) return null;
        const media = await fetch(new URL(variant.trim(), playlist));
        return media.ok && (await media.text()).includes('#EXTINF') ? true : null;
      },
      30_000,
      250,
    ).catch(async (err: Error) => {
      const alerts = await page.getByRole('alert').allTextContents();
      assert.fail(`${err.message}; the Studio says ${JSON.stringify(alerts.map((a) => a.slice(0, 200)))}; ${JSON.stringify(problems)}`);
    });
    const probe = await ffprobe(playlist);
    const codecs = probe.streams.map((s: { codec_type: string; codec_name: string }) => `${s.codec_type}:${s.codec_name}`).sort();
    assert.deepEqual(codecs, ['audio:aac', 'video:h264']);
    assert.equal(await page.getByRole('alert').count(), 0, 'no error in the Studio');

    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.locator('[data-testid="state"][data-state="ended"]').waitFor();
    assert.deepEqual(problems, []);
  });
});

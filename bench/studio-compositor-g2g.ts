// Glass-to-glass of bench/studio-compositor.ts: a full-canvas colour layer of the Studio switched on and off through
// the control API, and Onair's own /embed page in another Chromium noting when each presented frame shows it.
import type { OBSWebSocket } from 'obs-websocket-js/json';
import { AUTOPLAY_ARG, launchChromium } from '../server/test-support/browser.js';
import { sleep } from './spawn.js';
import { quantile } from './hls.js';
import { pairFlashes } from './studio-compositor-lib.js';

/**
 * Watches Onair's /embed page (an init script, plain JS: a function compiled by tsx would carry its helpers) and
 * notes each presented frame (requestVideoFrameCallback) whose centre turns magenta or stops being so.
 */
const FLASH_PROBE = `(() => {
  const w = window;
  w.__flash = { changes: [], frames: 0 };
  const c = document.createElement('canvas');
  c.width = c.height = 8;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  let video = null;
  let state = null;
  const onFrame = (v) => () => {
    if (v !== video) return;
    const at = Date.now();
    ctx.drawImage(v, 0, 0, 8, 8);
    const d = ctx.getImageData(2, 2, 4, 4).data;
    let r = 0, g = 0, b = 0;
    for (let i = 0; i < d.length; i += 4) { r += d[i]; g += d[i + 1]; b += d[i + 2]; }
    const n = d.length / 4;
    const on = r / n > 170 && g / n < 100 && b / n > 170;
    w.__flash.frames++;
    if (on !== state) w.__flash.changes.push({ at, on });
    state = on;
    v.requestVideoFrameCallback(onFrame(v));
  };
  setInterval(() => {
    const v = document.querySelector('video');
    if (v && v !== video) { video = v; v.requestVideoFrameCallback(onFrame(v)); }
  }, 200);
})();`;

/** Switches the layer `itemId` of `sceneName` on and off `flashes` times and pairs each switch with what the page showed. */
export async function glassToGlass(obs: OBSWebSocket, serverBase: string, channel: string, sceneName: string, itemId: number, flashes: number) {
  const browser = await launchChromium([AUTOPLAY_ARG]);
  try {
    const page = await browser.newPage();
    await page.addInitScript({ content: FLASH_PROBE });
    await page.goto(`${serverBase}/embed/${encodeURIComponent(channel)}`);
    // Functions, not strings: the page's Content-Security-Policy refuses eval.
    await page
      .waitForFunction(() => ((window as any).__flash?.frames ?? 0) > 30, null, { timeout: 45_000 })
      .catch(async (err: Error) => {
        const seen = await page.evaluate(() => {
          const v = document.querySelector('video');
          return {
            frames: (window as any).__flash?.frames,
            video: v && { t: v.currentTime, paused: v.paused, readyState: v.readyState, error: v.error?.message },
          };
        });
        throw new Error(`${err.message.split('\n')[0]} (the page: ${JSON.stringify(seen)})`);
      });
    await sleep(3000);
    const switches: Array<{ at: number; on: boolean; answerMs: number }> = [];
    for (let i = 0; i < flashes; i++) {
      const on = i % 2 === 0;
      const at = Date.now();
      await obs.call('SetSceneItemEnabled', { sceneName, sceneItemId: itemId, sceneItemEnabled: on });
      switches.push({ at, on, answerMs: Date.now() - at });
      await sleep(1700 + Math.random() * 600); // off the segment and part grid
    }
    await sleep(25_000);
    const probe = (await page.evaluate(() => (window as any).__flash)) as { changes: Array<{ at: number; on: boolean }>; frames: number };
    const { latenciesMs, missed } = pairFlashes(switches, probe.changes);
    return {
      flashes: switches.length,
      seen: latenciesMs.length,
      missed,
      medianMs: Math.round(quantile(latenciesMs, 0.5)),
      p95Ms: Math.round(quantile(latenciesMs, 0.95)),
      minMs: Math.min(...latenciesMs),
      maxMs: Math.max(...latenciesMs),
      controlAnswerMedianMs: quantile(
        switches.map((s) => s.answerMs),
        0.5,
      ),
      latenciesMs,
      // What the page saw, for a run where flashes were missed: frames looked at, and each change with its time
      // relative to the first switch.
      pageFrames: probe.frames,
      pageChanges: probe.changes.map((c) => [c.at - switches[0]!.at, c.on]),
    };
  } finally {
    await browser.close().catch(() => {});
  }
}

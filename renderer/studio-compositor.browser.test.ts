// The compositor on its own in Chromium (bundled with esbuild onto a blank loopback page, no Studio UI): every frame
// of both canvases reaches its FrameSink with rising session-clock timestamps at the canvas's rate; the page's event
// loop keeps turning between frames; a camera shown on both canvases is opened once; the fake camera, the text and
// the chat overlay (lines from a callback) are drawn; compose times are reported.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, harnessPage } from '../server/test-support/browser.js';

const ENGINE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'studio', 'engine');

/** Runs in the page: one scene, one second of compositing, then what was seen. */
const HARNESS = `
import { sessionClock } from './clock.js';
import { Compositor } from './compositor/compositor.js';
import { newItem } from './scene/commands.js';
import { DEFAULT_CANVASES } from './scene/model.js';
import { browserSources } from './sources/open.js';
import { SourceRegistry } from './sources/registry.js';

window.runHarness = async () => {
  const lines = [{ author: 'ann', text: 'hello from chat' }];
  let chatBroken = false;
  const chatLines = () => {
    if (chatBroken) throw new Error('the chat feed broke');
    return lines;
  };
  const registry = new SourceRegistry(browserSources({ chatLines, screenPickerNeedsClick: true }));
  const compositor = new Compositor({ sources: registry, clock: sessionClock() });
  const src = (id, settings) => ({ id, name: id, settings });
  const doc = (withCamera) => ({
    version: 1,
    canvases: DEFAULT_CANVASES,
    sources: {
      bg: src('bg', { kind: 'color', color: '#0000ff' }),
      cam: src('cam', { kind: 'camera' }),
      chat: src('chat', { kind: 'chat', lines: 8 }),
      text: src('text', { kind: 'text', text: 'BRB', color: '#ffffff', size: 96 }),
    },
    scenes: [{ id: 's', name: 'S', items: {
      horizontal: [
        newItem('1', 'bg', { x: 0, y: 0, w: 1280, h: 720 }),
        ...(withCamera ? [newItem('2', 'cam', { x: 640, y: 0, w: 640, h: 360 })] : []),
        newItem('3', 'chat', { x: 0, y: 360, w: 640, h: 360 }),
        newItem('4', 'text', { x: 640, y: 360, w: 640, h: 360 }),
      ],
      vertical: [newItem('5', 'bg', { x: 0, y: 0, w: 720, h: 1280 }), ...(withCamera ? [newItem('6', 'cam', { x: 0, y: 0, w: 720, h: 640 })] : [])],
    } }],
    program: 's',
  });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // One second of frames from still layers: the pace of the timer, not the cost of a camera.
  compositor.setDoc(doc(false));
  const seen = { horizontal: [], vertical: [] };
  const sizes = {};
  for (const id of ['horizontal', 'vertical'])
    compositor.setSink(id, { frame: (canvas, t) => { seen[id].push(t); sizes[id] = [canvas.width, canvas.height]; } });
  let turns = 0;
  let running = true;
  const spin = () => { turns++; if (running) setTimeout(spin, 0); };
  spin();
  compositor.start();
  await sleep(1000);
  running = false;
  const stats = compositor.stats();
  for (const id of ['horizontal', 'vertical']) compositor.setSink(id, null);
  // Then the camera on both canvases: opened once, drawn once it gives pictures.
  compositor.setDoc(doc(true));
  for (let i = 0; i < 200 && registry.get('cam').status.state === 'opening'; i++) await sleep(50);
  await sleep(300);
  compositor.stop();
  compositor.tick();
  const ctx = compositor.canvas('horizontal').getContext('2d');
  const count = (x, y, w, h, test) => {
    const d = ctx.getImageData(x, y, w, h).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (test(d[i], d[i + 1], d[i + 2])) n++;
    return n;
  };
  const result = {
    seen, sizes, turns, opens: registry.opens, stats,
    camera: registry.get('cam').status,
    cameraNotBlue: count(640, 0, 640, 360, (r, g, b) => !(r < 10 && g < 10 && b > 245)),
    chatDark: count(0, 660, 640, 60, (r, g, b) => r < 10 && g < 10 && b > 100 && b < 130),
    chatText: count(0, 660, 640, 60, (r, g, b) => r > 200 && g > 150 && b < 200),
    textWhite: count(640, 360, 640, 360, (r, g, b) => r > 240 && g > 240 && b > 240),
  };
  // A layer whose drawing throws: the other layers, and the frames, go on.
  chatBroken = true;
  const afterBreak = [];
  compositor.setSink('horizontal', { frame: (_c, t) => afterBreak.push(t) });
  compositor.start();
  await sleep(500);
  compositor.stop();
  result.framesWithBrokenLayer = afterBreak.length;
  result.textWhiteWithBrokenLayer = count(640, 360, 640, 360, (r, g, b) => r > 240 && g > 240 && b > 240);
  compositor.dispose();
  return result;
};
`;

interface HarnessResult {
  seen: { horizontal: number[]; vertical: number[] };
  sizes: Record<string, [number, number]>;
  turns: number;
  opens: number;
  stats: { frames: number; p50Ms: number; p95Ms: number };
  camera: { state: string; reason?: string };
  cameraNotBlue: number;
  chatDark: number;
  chatText: number;
  textWhite: number;
  framesWithBrokenLayer: number;
  textWhiteWithBrokenLayer: number;
}

describe('the compositor in Chromium', { timeout: 120_000 }, () => {
  let site: Server;
  let browser: Browser;
  let base = '';

  before(async () => {
    site = createServer(await harnessPage(HARNESS, ENGINE));
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
    });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    site?.close();
  });

  test('frames to each sink at the canvas rate with rising timestamps; sources opened once; layers drawn', async () => {
    const ctx = await browser.newContext();
    await ctx.grantPermissions(['camera'], { origin: base });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const consoleErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await page.goto(base);
    await page.waitForFunction(() => 'runHarness' in window);
    const r = await page.evaluate(() => (window as unknown as { runHarness(): Promise<HarnessResult> }).runHarness());

    assert.deepEqual(r.sizes, { horizontal: [1280, 720], vertical: [720, 1280] });
    for (const id of ['horizontal', 'vertical'] as const) {
      const ts = r.seen[id];
      // At most the canvas rate (never a burst to catch up), and drawing steadily; a loaded machine gets fewer frames.
      assert.ok(ts.length >= 15 && ts.length <= 32, `${id}: ${ts.length} frames in 1 s at 30 fps`);
      const gaps = ts.slice(1).map((t, i) => (t - ts[i]!) / 1000);
      assert.ok(Math.min(...gaps) >= 12, `${id}: no burst of frames (at least half a frame apart): ${gaps.map(Math.round).join(' ')} ms`);
      assert.ok(Math.max(...gaps) < 250, `${id}: no long stall: ${gaps.map(Math.round).join(' ')} ms`);
    }
    assert.deepEqual(r.seen.horizontal, r.seen.vertical, 'both canvases of a tick carry the same timestamp');
    // A loop that never yielded would leave the timer below one turn per frame, or none.
    assert.ok(r.turns > 3 * r.seen.horizontal.length, `the event loop turned ${r.turns} times in the second: the compositor yields`);
    assert.equal(r.opens, 4, 'four sources, the camera on both canvases opened once');
    assert.equal(r.camera.state, 'ready', JSON.stringify(r.camera));
    assert.ok(r.cameraNotBlue > 10_000, `the fake camera's picture: ${r.cameraNotBlue} pixels`);
    assert.ok(r.chatDark > 1000, `the chat overlay's backdrop: ${r.chatDark} pixels`);
    assert.ok(r.chatText > 20, `the chat line's text: ${r.chatText} pixels`);
    assert.ok(r.textWhite > 500, `the text layer: ${r.textWhite} pixels`);
    assert.ok(r.stats.frames === r.seen.horizontal.length && r.stats.p50Ms >= 0 && r.stats.p95Ms >= r.stats.p50Ms, JSON.stringify(r.stats));
    assert.ok(r.framesWithBrokenLayer >= 5, `frames in 0.5 s after a layer's drawing threw: ${r.framesWithBrokenLayer}`);
    assert.ok(r.textWhiteWithBrokenLayer > 500, `the text layer, beside the broken one: ${r.textWhiteWithBrokenLayer} pixels`);
    assert.deepEqual(errors, []);
    const drawErrors = consoleErrors.filter((t) => t.includes('could not draw'));
    assert.equal(drawErrors.length, 1, `the broken layer said once: ${consoleErrors.join(' | ')}`);
    await ctx.close();
  });
});

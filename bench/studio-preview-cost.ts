// What showing the Studio's preview costs, apart from everything else the Studio does: a page in headless Chromium
// (software canvas, as bench/studio-compositor.ts) draws a 1280x720 frame 30 times a second (a full-frame picture, a
// smaller one over it, a counter), takes each frame as a VideoFrame and encodes it with WebCodecs H.264 at 3500 kb/s,
// as the Studio's engine does. Only the way the picture reaches the screen changes between modes:
//   dom       the drawn canvas itself is in the page (the Studio today: "the preview is the canvas being encoded");
//   none      drawn in an OffscreenCanvas, no preview at all (the floor);
//   copy30    drawn offscreen, copied into a canvas in the page at every frame; copy15, copy10: every 2nd, 3rd frame;
//   bitmap    drawn offscreen, each frame handed over as an ImageBitmap (transferToImageBitmap) to the encoder and to a
//             'bitmaprenderer' canvas in the page (no copy in JavaScript).
// Chromium's whole process tree is measured over each window (bench/proc.ts). Modes alternate within each run.
//
//   npx tsx bench/studio-preview-cost.ts [--runs 3] [--seconds 12] [--modes dom,none,copy30,copy15,copy10,bitmap]
//
// Prints a Markdown table (min / median / max cores per mode). A diagnostic for choosing a design; no target.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../server/test-support/browser.js';
import { arg } from './cli-args.js';
import { measureGroups } from './proc.js';
import { sleep } from './spawn.js';
import { spreadText } from './studio-compositor-lib.js';

const RUNS = Number(arg('runs', '3'));
const SECONDS = Number(arg('seconds', '12'));
const MODES = arg('modes', 'dom,none,copy30,copy15,copy10,bitmap').split(',');

const PAGE = `<!doctype html><html><body style="margin:0;background:#222"><div id="holder"></div><script>
async function start(mode) {
  const W = 1280, H = 720;
  const encoder = new VideoEncoder({ output: () => {}, error: (e) => console.error(e) });
  encoder.configure({ codec: 'avc1.640028', width: W, height: H, bitrate: 3500000, framerate: 30, latencyMode: 'realtime', avc: { format: 'annexb' } });
  const source = new OffscreenCanvas(W, H);
  const sourceCtx = source.getContext('2d');
  const show = () => {
    const c = document.createElement('canvas');
    c.width = W; c.height = H; c.style.width = '960px';
    document.getElementById('holder').append(c);
    return c;
  };
  const drawn = mode === 'dom' ? show() : new OffscreenCanvas(W, H);
  const ctx = drawn.getContext('2d', { alpha: false });
  const shown = mode.startsWith('copy') ? show().getContext('2d', { alpha: false }) : mode === 'bitmap' ? show().getContext('bitmaprenderer') : null;
  const every = mode === 'copy15' ? 2 : mode === 'copy10' ? 3 : 1;
  let n = 0;
  setInterval(() => {
    n++;
    sourceCtx.fillStyle = 'hsl(' + (n % 360) + ',80%,50%)';
    sourceCtx.fillRect(0, 0, W, H);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, W, H);
    ctx.drawImage(source, 0, 0, W, H);
    ctx.drawImage(source, 800, 400, 400, 225);
    ctx.fillStyle = '#fff';
    ctx.font = '48px sans-serif';
    ctx.fillText(String(n), 40, 80);
    let frame;
    if (mode === 'bitmap') {
      const bitmap = drawn.transferToImageBitmap();
      frame = new VideoFrame(bitmap, { timestamp: n * 33333 });
      shown.transferFromImageBitmap(bitmap);
    } else {
      frame = new VideoFrame(drawn, { timestamp: n * 33333 });
      if (shown && n % every === 0) shown.drawImage(drawn, 0, 0);
    }
    if (encoder.encodeQueueSize < 3) encoder.encode(frame, { keyFrame: n % 30 === 1 });
    frame.close();
  }, 1000 / 30);
  globalThis.framesDrawn = () => n;
}
</script></body></html>`;

async function measure(mode: string, base: string): Promise<{ cores: number; fps: number }> {
  const server = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const browser = await chromium.connect(server.wsEndpoint());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(base);
    await page.evaluate((m) => (globalThis as unknown as { start(m: string): Promise<void> }).start(m), mode);
    await sleep(3000);
    const framesAt = () => page.evaluate(() => (globalThis as unknown as { framesDrawn(): number }).framesDrawn());
    const f0 = await framesAt();
    const t0 = performance.now();
    const m = await measureGroups({ chromium: () => [server.process().pid!] }, SECONDS * 1000, 1000);
    const fps = ((await framesAt()) - f0) / ((performance.now() - t0) / 1000);
    await browser.close();
    return { cores: m.groups.chromium.cpuPct / 100, fps };
  } finally {
    await server.close();
  }
}

const site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)).listen(0, '127.0.0.1');
await new Promise((r) => site.once('listening', r));
const base = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
const cores: Record<string, number[]> = Object.fromEntries(MODES.map((m) => [m, []]));
const fps: Record<string, number[]> = Object.fromEntries(MODES.map((m) => [m, []]));
for (let run = 1; run <= RUNS; run++) {
  for (const mode of MODES) {
    const r = await measure(mode, base);
    cores[mode].push(r.cores);
    fps[mode].push(r.fps);
    process.stderr.write(`studio-preview-cost: run ${run} ${mode}: ${r.cores.toFixed(3)} cores, ${r.fps.toFixed(1)} frames/s\n`);
  }
}
site.close();
console.log(`| mode | Chromium CPU, cores (min / median / max of ${RUNS}) | frames drawn per second |`);
console.log('|---|---|---|');
for (const m of MODES) console.log(`| ${m} | ${spreadText(cores[m], 3, true)} | ${spreadText(fps[m], 1)} |`);

// What a web page layer costs in the Studio outside Electron (the dev bridge's and headless Studio's renderer,
// electron/dev-bridge/web-pages.ts: the page in its own browser context, its pictures from the DevTools screencast as
// JPEGs, decoded in the Studio's page and drawn by the compositor at 30 fps). Two pages of the layer's size, 1280x720:
//   still     text that never changes (one picture, then nothing to send);
//   animated  a box crossing the page and a counter, both moved every frame (an alert's or a widget's worst case).
// Per run and page: pictures delivered a second and their mean size (counted on the feed), and the CPU of the whole
// Chromium tree (the page's renderer, the screencast's encode, the Studio page's decode and compositing) and of this
// process (the bridge), in cores. The still page is the baseline: the compositor draws the same layer either way.
// No peer to compare with: Debian's OBS has no browser source. Figures are reported, not held to a target.
//
//   npx tsx bench/studio-web-page.ts [--runs 3] [--seconds 20] [--out NAME]
//
// Writes bench/results/<NAME>.{json,md} (default studio-web-page-YYYY-MM-DD).
import { writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevBridge } from '../electron/dev-bridge/server.js';
import { cdpWebPages } from '../electron/dev-bridge/web-pages.js';
import { harnessPage, launchChromium } from '../server/test-support/browser.js';
import { spreadText } from './studio-compositor-lib.js';
import { arg } from './cli-args.js';
import { bootTicksNow, childrenMap, processCpuMs, readAllStats, sampleFromStats, tickDelta } from './proc.js';
import { sleep } from './spawn.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(arg('runs', '3'));
const SECONDS = Number(arg('seconds', '20'));
const WARMUP_S = 3;
const OUT = arg('out', `studio-web-page-${new Date().toISOString().slice(0, 10)}`);
const W = 1280;
const H = 720;

const PAGES = {
  still: `<!doctype html><body style="margin:0;background:#123;color:#fff;font:48px sans-serif">Starting soon</body>`,
  animated: `<!doctype html><body style="margin:0;background:#123;color:#fff;font:48px sans-serif">
<div id="box" style="position:absolute;top:300px;width:200px;height:120px;background:#e33"></div><div id="n"></div>
<script>let i = 0; const tick = () => { i++; box.style.left = (i * 7) % ${W} + 'px'; n.textContent = 'frame ' + i; requestAnimationFrame(tick); }; tick();</script></body>`,
} as const;
type PageName = keyof typeof PAGES;

/** The Studio side: a compositor drawing the web layer over the whole 1280x720 canvas at 30 fps. */
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
  compositor.setDoc({ version: 1, canvases: DEFAULT_CANVASES,
    sources: { web: { id: 'web', name: 'Page', settings: { kind: 'web', url, width: ${W}, height: ${H} } } },
    scenes: [{ id: 's', name: 'S', items: { horizontal: [newItem('1', 'web', { x: 0, y: 0, w: ${W}, h: ${H} })], vertical: [] } }],
    program: 's' });
  compositor.start();
};
window.closeWeb = () => { compositor.dispose(); registry.closeAll(); };
`;

interface RunResult {
  page: PageName;
  picturesPerSecond: number;
  meanKB: number;
  chromiumCores: number;
  bridgeCores: number;
}

async function main() {
  const site = http.createServer((req, res) => {
    const name = (req.url ?? '').slice(1) as PageName;
    if (name in PAGES) return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGES[name]);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const siteUrl = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
  const browser = await launchChromium();
  const counted = { pictures: 0, bytes: 0 };
  const pages = cdpWebPages(async () => browser);
  const harness = await harnessPage(HARNESS, path.join(ROOT, 'renderer', 'studio', 'engine'));
  const bridge = await startDevBridge({
    ffmpegPath: 'ffmpeg',
    feeds: {
      webPages: (req, send) =>
        pages(req, (m) => {
          if (m instanceof Uint8Array) {
            counted.pictures++;
            counted.bytes += m.byteLength;
          }
          return send(m);
        }),
    },
    frontend: async () => ({
      handle: (req: IncomingMessage, res: ServerResponse) => harness(req, res),
      ownsUpgrade: () => false,
      close: async () => {},
    }),
  });
  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      for (const page of Object.keys(PAGES) as PageName[]) {
        const studio = await browser.newPage();
        await studio.goto(bridge.url);
        await studio.waitForFunction(() => 'openWeb' in window);
        await studio.evaluate((u) => (window as unknown as { openWeb(u: string): void }).openWeb(u), `${siteUrl}/${page}`);
        await sleep(WARMUP_S * 1000);
        const roots = () => childrenMap(readAllStats()).get(process.pid) ?? [];
        const boot = bootTicksNow();
        const before = sampleFromStats(roots(), readAllStats());
        const self0 = processCpuMs(process.pid);
        const c0 = { ...counted };
        const t0 = performance.now();
        await sleep(SECONDS * 1000);
        const seconds = (performance.now() - t0) / 1000;
        const chromiumCores = tickDelta(before, sampleFromStats(roots(), readAllStats()), boot) / 1e9 / seconds;
        const bridgeCores = (processCpuMs(process.pid) - self0) / 1000 / seconds;
        const pictures = counted.pictures - c0.pictures;
        const r: RunResult = {
          page,
          picturesPerSecond: pictures / seconds,
          meanKB: pictures ? (counted.bytes - c0.bytes) / pictures / 1024 : 0,
          chromiumCores,
          bridgeCores,
        };
        results.push(r);
        process.stderr.write(`studio-web-page: run ${run} ${page}: ${JSON.stringify(r)}\n`);
        await studio.evaluate(() => (window as unknown as { closeWeb(): void }).closeWeb());
        await studio.close();
      }
    }
  } finally {
    await bridge.close().catch(() => {});
    await browser.close().catch(() => {});
    site.close();
  }
  const json = { date: new Date().toISOString(), runs: RUNS, seconds: SECONDS, width: W, height: H, results };
  writeFileSync(path.join(ROOT, 'bench/results', `${OUT}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(path.join(ROOT, 'bench/results', `${OUT}.md`), report(results));
  process.stdout.write(report(results));
}

function report(results: RunResult[]): string {
  const lines = [
    `# A web page layer in the Studio outside Electron (${W}x${H}, the dev bridge's Chromium renderer)`,
    '',
    `\`npx tsx bench/studio-web-page.ts --runs ${RUNS} --seconds ${SECONDS}\`; min / median / max of the runs. CPU in cores:`,
    "the Chromium tree (the page, the screencast's JPEG encode, the Studio page's decode and its compositor at 30 fps)",
    'and the bridge (this process). The still page is the baseline.',
    '',
    '| Page | Pictures a second | Mean picture (KB) | Chromium (cores) | Bridge (cores) |',
    '|---|---|---|---|---|',
  ];
  for (const page of Object.keys(PAGES) as PageName[]) {
    const rs = results.filter((r) => r.page === page);
    lines.push(
      `| ${page} | ${spreadText(
        rs.map((r) => r.picturesPerSecond),
        1,
        true,
      )} | ${spreadText(
        rs.map((r) => r.meanKB),
        1,
        true,
      )} | ${spreadText(
        rs.map((r) => r.chromiumCores),
        2,
        true,
      )} | ${spreadText(
        rs.map((r) => r.bridgeCores),
        2,
        true,
      )} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

await main();

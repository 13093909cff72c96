// The phone layer end to end, with a test double standing only for the phone: an `adb` script first on the PATH that
// lists one phone (and one that has not allowed this computer) and, for `exec-out screenrecord … -`, runs real ffmpeg
// writing raw H.264 (Annex B) of a solid colour to stdout, as screenrecord does. The real dev bridge and Studio core
// spawn it (electron/main/core/phone-feed.ts), cut it into access units and stream them to a page in Chromium on the
// bridge's origin; there the engine (bundled from source) decodes them with WebCodecs and composites the phone layer.
// The canvas is read back: the colour where the layer is, the background elsewhere; after the first recording ends
// (as screenrecord does at its time limit) the next one, another colour at another size (a new SPS), replaces it.
// A phone that is not allowed, a serial not connected and adb missing are said in plain words. And the built Studio's
// first run, with the phone connected, makes a "Phone" scene that shows it.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import { SCENES_FILE } from '../electron/main/core/scenes-file.js';
import { builtApp, harnessPage, launchChromium, newTestPage, useCustomServer } from '../server/test-support/browser.js';
import type { ScenesDoc } from './studio/engine/scene/model.js';

const ENGINE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'studio', 'engine');

/** The phone: `devices` lists it; the first recording is red 640x360 for 3 s, the next green 480x270. */
const ADB = (dir: string) => `#!/bin/sh
case "$*" in
  *devices*) printf 'List of devices attached\\nFAKE123\\tdevice\\nLOCKED9\\tunauthorized\\n\\n'; exit 0;;
esac
[ "$1" = "-s" ] && serial="$2"
case "$serial" in
  FAKE123) ;;
  LOCKED9) echo 'error: device unauthorized.' >&2; exit 1;;
  *) echo "error: device '$serial' not found" >&2; exit 1;;
esac
case "$*" in *"exec-out screenrecord --output-format=h264"*" -") ;; *) echo "unexpected: $*" >&2; exit 1;; esac
n=$(cat "${dir}/count" 2>/dev/null || echo 0)
echo $((n + 1)) > "${dir}/count"
if [ "$n" = 0 ]; then spec="color=c=red:s=640x360:r=30"; t=3; else spec="color=c=lime:s=480x270:r=30"; t=60; fi
exec ffmpeg -hide_banner -loglevel error -re -f lavfi -i "$spec" -t $t -c:v libx264 -preset ultrafast -profile:v baseline \\
  -pix_fmt yuv420p -g 30 -bf 0 -flush_packets 1 -f h264 -
`;

/** Runs in the page: a blue background, the phone at the top right of the horizontal canvas; reports what is drawn. */
const HARNESS = `
import { sessionClock } from './clock.js';
import { Compositor } from './compositor/compositor.js';
import { newItem } from './scene/commands.js';
import { DEFAULT_CANVASES } from './scene/model.js';
import { browserSources } from './sources/open.js';
import { sourceFeedOpener } from './sources/source-feed.js';
import { SourceRegistry } from './sources/registry.js';

let compositor, registry;
window.openPhone = (serial) => {
  registry = new SourceRegistry(browserSources({ chatLines: () => [], screenPickerNeedsClick: true, openFeed: sourceFeedOpener(undefined) }));
  compositor = new Compositor({ sources: registry, clock: sessionClock() });
  compositor.setDoc({
    version: 1,
    canvases: DEFAULT_CANVASES,
    sources: { bg: { id: 'bg', name: 'bg', settings: { kind: 'color', color: '#0000ff' } }, phone: { id: 'phone', name: 'Phone', settings: { kind: 'phone', serial } } },
    scenes: [{ id: 's', name: 'S', items: {
      horizontal: [newItem('1', 'bg', { x: 0, y: 0, w: 1280, h: 720 }), newItem('2', 'phone', { x: 640, y: 0, w: 640, h: 360 })],
      vertical: [],
    } }],
    program: 's',
  });
  compositor.start();
};
window.phoneStatus = () => registry.get('phone').status;
/** Pixels of each colour in the phone's rectangle and outside it. */
window.look = () => {
  const d = compositor.canvas('horizontal').getContext('2d').getImageData(0, 0, 1280, 720).data;
  const r = { phone: { red: 0, green: 0, blue: 0, other: 0 }, rest: { red: 0, green: 0, blue: 0, other: 0 } };
  for (let y = 0; y < 720; y += 4)
    for (let x = 0; x < 1280; x += 4) {
      const i = (y * 1280 + x) * 4;
      const [R, G, B] = [d[i], d[i + 1], d[i + 2]];
      const c = R > 200 && G < 60 && B < 60 ? 'red' : G > 200 && R < 60 && B < 60 ? 'green' : B > 200 && R < 60 && G < 60 ? 'blue' : 'other';
      r[x >= 640 && y < 360 ? 'phone' : 'rest'][c]++;
    }
  return r;
};
window.closePhone = () => { compositor.dispose(); registry.closeAll(); };
`;

interface Look {
  phone: Record<'red' | 'green' | 'blue' | 'other', number>;
  rest: Record<'red' | 'green' | 'blue' | 'other', number>;
}
type Status = { state: string; reason?: string };

describe('a phone over USB as a layer, in Chromium', { timeout: 240_000 }, () => {
  let dir = '';
  let harness: (req: IncomingMessage, res: ServerResponse) => void = () => {};
  let browser: Browser;
  const bridges: DevBridge[] = [];
  const pathBefore = process.env.PATH;

  /** A dev bridge whose frontend is the harness page. */
  const bridge = async (adb?: string) => {
    const b = await startDevBridge({
      ffmpegPath: 'ffmpeg',
      feeds: adb ? { phone: { adb } } : undefined,
      frontend: async () => ({
        handle: (req: IncomingMessage, res: ServerResponse) => harness(req, res),
        ownsUpgrade: () => false,
        close: async () => {},
      }),
    });
    bridges.push(b);
    return b;
  };
  const openPage = async (b: DevBridge, serial: string, errors: string[]) => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(b.url);
    await page.waitForFunction(() => 'openPhone' in window);
    await page.evaluate((s) => (window as unknown as { openPhone(s: string): void }).openPhone(s), serial);
    return page;
  };
  const status = (page: Page) => page.evaluate(() => (window as unknown as { phoneStatus(): Status }).phoneStatus());
  const look = (page: Page) => page.evaluate(() => (window as unknown as { look(): Look }).look());
  const waitFailed = async (page: Page) => {
    await page.waitForFunction(() => (window as unknown as { phoneStatus(): Status }).phoneStatus().state === 'failed', null, { timeout: 20_000 });
    return status(page);
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'onair-phone-'));
    writeFileSync(path.join(dir, 'adb'), ADB(dir));
    chmodSync(path.join(dir, 'adb'), 0o755);
    // The core spawns `adb` from the PATH, as on a user's machine.
    process.env.PATH = `${dir}:${pathBefore}`;
    harness = await harnessPage(HARNESS, ENGINE);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    for (const b of bridges) await b.close().catch(() => {});
    process.env.PATH = pathBefore;
    rmSync(dir, { recursive: true, force: true });
  });

  test('the phone is listed; its screen is drawn where the layer is; the next recording (new SPS) takes over', async () => {
    const b = await bridge();
    const list = await b.core.handle('sources:list', {});
    assert.ok(list.ok, JSON.stringify(list));
    const android = list.value.sources.filter((s) => s.spec.kind === 'android').map((s) => s.id);
    assert.deepEqual(android, ['android:FAKE123'], 'the phone adb lists as ready, not the one that has not allowed this computer');

    const errors: string[] = [];
    const page = await openPage(b, 'FAKE123', errors);
    await page.waitForFunction(() => (window as unknown as { phoneStatus(): Status }).phoneStatus().state === 'ready', null, { timeout: 30_000 });
    await page.waitForFunction(() => (window as unknown as { look(): Look }).look().phone.red > 0, null, { timeout: 10_000 });
    const red = await look(page);
    const cells = 160 * 90; // the phone's rectangle, every fourth pixel each way
    assert.ok(red.phone.red > 0.95 * cells, `the phone's picture in its rectangle: ${JSON.stringify(red)}`);
    assert.equal(red.rest.red, 0, `and nowhere else: ${JSON.stringify(red)}`);
    assert.ok(red.rest.blue > 0.95 * 3 * cells, `the background around it: ${JSON.stringify(red)}`);

    // screenrecord's time limit: the first recording ends after 3 s and the core starts the next one (green, smaller).
    await page.waitForFunction(() => (window as unknown as { look(): Look }).look().phone.green > 0.95 * 160 * 90, null, { timeout: 30_000 });
    const green = await look(page);
    assert.equal(green.phone.red, 0, JSON.stringify(green));
    assert.equal((await status(page)).state, 'ready');
    assert.deepEqual(errors, []);
    await page.evaluate(() => (window as unknown as { closePhone(): void }).closePhone());
    await page.close();
  });

  test('a phone that has not allowed this computer, and one not connected, are said in plain words', async () => {
    const b = bridges[0] ?? (await bridge());
    const errors: string[] = [];
    const locked = await openPage(b, 'LOCKED9', errors);
    assert.match((await waitFailed(locked)).reason ?? '', /has not allowed this computer yet: unlock it/);
    await locked.close();
    const gone = await openPage(b, 'R58M000', errors);
    assert.match((await waitFailed(gone)).reason ?? '', /No Android phone is connected/);
    await gone.close();
    assert.deepEqual(errors, []);
  });

  test('adb missing is said in plain words', async () => {
    const b = await bridge(path.join(dir, 'no-such-adb'));
    const errors: string[] = [];
    const page = await openPage(b, 'FAKE123', errors);
    const s = await waitFailed(page);
    assert.match(s.reason ?? '', /adb could not run .*Install Android platform-tools/);
    // The layer shows why in its place (from the compositor's next frame on).
    await page
      .waitForFunction(() => (window as unknown as { look(): Look }).look().phone.other > 0.9 * 160 * 90, null, { timeout: 5_000 })
      .catch(async () => assert.fail(JSON.stringify(await look(page))));
    await page.close();
    assert.deepEqual(errors, []);
  });

  test('a first run with a phone connected makes a Phone scene that shows it, on both canvases', async () => {
    const dist = builtApp('studio', Boolean(process.env.ONAIR_REBUILD_STUDIO));
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-phone-first-run-'));
    try {
      const b = await startDevBridge({ staticDir: dist, ffmpegPath: 'ffmpeg', dataDir });
      bridges.push(b);
      const errors: string[] = [];
      const page = await newTestPage(browser, { viewport: { width: 1440, height: 1000 }, stepMs: 20_000, errors });
      await page.goto(b.url);
      await useCustomServer(page, 'phone-first-run-key');
      const scenes = page.getByRole('region', { name: 'Scenes' });
      await scenes.getByRole('button', { name: 'Be right back' }).waitFor();
      assert.deepEqual(await scenes.locator('[data-scene]').allTextContents(), ['Screen + camera · on air', 'Camera', 'Phone', 'Be right back']);
      await page.locator('[data-testid="scene-editor"][data-saved="saved"]').waitFor();
      const doc = JSON.parse(readFileSync(path.join(dataDir, SCENES_FILE), 'utf8')) as ScenesDoc;
      const phone = Object.values(doc.sources).filter((x) => x.settings.kind === 'phone');
      assert.deepEqual(
        phone.map((x) => x.settings),
        [{ kind: 'phone', serial: 'FAKE123' }],
        'the phone adb lists as ready, not the one that has not allowed this computer',
      );

      await scenes.getByRole('button', { name: 'Phone' }).click();
      await page.getByRole('button', { name: 'Cut', exact: true }).click();
      const phoneScene = doc.scenes.find((x) => x.name === 'Phone')!;
      await page.locator(`[data-testid="canvas-horizontal"][data-program="${phoneScene.id}"]`).waitFor({ state: 'attached' });
      // The fake phone paints red, then green (the next recording): either, in the middle of each canvas.
      const phoneColour = (canvas: string, x: number, y: number) =>
        page.waitForFunction(
          ([c, x, y]) => {
            const el = document.querySelector<HTMLCanvasElement>(`[data-testid="canvas-${c}"]`);
            const d = el?.getContext('2d')?.getImageData(Number(x), Number(y), 1, 1).data;
            return !!d && ((d[0]! > 200 && d[1]! < 60) || (d[1]! > 200 && d[0]! < 60)) && d[2]! < 60;
          },
          [canvas, x, y] as const,
          { timeout: 30_000 },
        );
      await phoneColour('horizontal', 640, 360);
      await page.getByRole('tab', { name: 'Vertical' }).click();
      await phoneColour('vertical', 360, 640);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// Scenes and layers in Chromium through the dev bridge (no Electron), with Chromium's fake camera: the first run's
// scenes from the devices found; colour layers landing where the layout says on both canvases (pixels read back from
// the compositor's canvases); a cut within 2 frames; a fade over by 500 ms; a drag undone and redone from the
// keyboard; everything back after a reload (saved by main in its data folder); the preview switched off and on.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import { SCENES_FILE } from '../electron/main/core/scenes-file.js';
import { builtApp, FAKE_MEDIA_ARGS, launchChromium, newTestPage, saveScenesThroughBridge, useCustomServer } from '../server/test-support/browser.js';
import { ffmpegPath as FFMPEG } from '../server/test-support/process.js';
import { newItem } from './studio/engine/scene/commands.js';
import { serializeScenes } from './studio/engine/scene/json.js';
import { DEFAULT_CANVASES, SCENES_VERSION, type ScenesDoc } from './studio/engine/scene/model.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist', 'renderer', 'studio');
const STEP_MS = 20_000;
const SHOTS = process.env.ONAIR_SCREENSHOTS ? path.join(ROOT, 'docs', 'screenshots') : path.join(os.tmpdir(), 'onair-screenshots');

// Left half yellow, right half cyan: a crop of the left half leaves only cyan.
const SPLIT_IMAGE = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="100" height="100" fill="#ffff00"/><rect x="100" width="100" height="100" fill="#00ffff"/></svg>',
)}`;
const RED = '#ff0000';
const GREEN = '#00ff00';
const BLUE = '#0000ff';

/** Two scenes of colour layers, laid out differently on the two canvases. */
function colourScenes(): ScenesDoc {
  const color = (id: string, c: string) => ({ id, name: id, settings: { kind: 'color' as const, color: c } });
  const full = (w: number, h: number) => ({ x: 0, y: 0, w, h });
  return {
    version: SCENES_VERSION,
    canvases: DEFAULT_CANVASES,
    sources: {
      red: color('red', RED),
      green: color('green', GREEN),
      blue: color('blue', BLUE),
      split: { id: 'split', name: 'split', settings: { kind: 'image', url: SPLIT_IMAGE } },
    },
    scenes: [
      {
        id: 'colours',
        name: 'Colours',
        items: {
          horizontal: [
            newItem('r-h', 'red', full(1280, 720)),
            newItem('g-h', 'green', { x: 100, y: 100, w: 300, h: 200 }),
            // Above green where they overlap (order).
            newItem('b-h', 'blue', { x: 300, y: 250, w: 200, h: 200 }),
            newItem('hidden-h', 'blue', { x: 900, y: 100, w: 100, h: 100 }, { visible: false }),
            newItem('half-h', 'green', { x: 1100, y: 100, w: 100, h: 100 }, { opacity: 0.5 }),
            newItem('split-h', 'split', { x: 600, y: 500, w: 200, h: 100 }),
          ],
          vertical: [
            newItem('r-v', 'red', full(720, 1280)),
            newItem('g-v', 'green', { x: 60, y: 100, w: 600, h: 300 }),
            newItem('b-v', 'blue', { x: 60, y: 800, w: 600, h: 300 }),
            newItem('split-v', 'split', { x: 100, y: 500, w: 200, h: 100 }, { crop: { left: 0.5, right: 0, top: 0, bottom: 0 } }),
          ],
        },
      },
      {
        id: 'blue',
        name: 'All blue',
        items: { horizontal: [newItem('bb-h', 'blue', full(1280, 720))], vertical: [newItem('bb-v', 'blue', full(720, 1280))] },
      },
    ],
    program: 'colours',
  };
}

type Rgb = [number, number, number];
const px = (page: Page, canvas: 'horizontal' | 'vertical', x: number, y: number): Promise<Rgb> =>
  page.evaluate(
    ([c, x, y]) => {
      const el = document.querySelector<HTMLCanvasElement>(`[data-testid="canvas-${c}"]`)!;
      const d = el.getContext('2d')!.getImageData(x as number, y as number, 1, 1).data;
      return [d[0]!, d[1]!, d[2]!] as Rgb;
    },
    [canvas, x, y] as const,
  );
const near = (got: Rgb, want: Rgb, tol = 3) => got.every((v, i) => Math.abs(v - want[i]!) <= tol);
const R: Rgb = [255, 0, 0];
const G: Rgb = [0, 255, 0];
const B: Rgb = [0, 0, 255];
const YELLOW: Rgb = [255, 255, 0];
const CYAN: Rgb = [0, 255, 255];

async function assertPixels(page: Page, canvas: 'horizontal' | 'vertical', cases: [x: number, y: number, want: Rgb, why: string][]) {
  for (const [x, y, want, why] of cases) {
    const got = await px(page, canvas, x, y);
    assert.ok(near(got, want), `${canvas} (${x}, ${y}) ${why}: got ${got.join(',')}, want ${want.join(',')}`);
  }
}

describe('Studio scenes and layers in Chromium', { timeout: 240_000 }, () => {
  let bridge: DevBridge;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const pageErrors: string[] = [];
  const savedFile = () => JSON.parse(readFileSync(path.join(dataDir, SCENES_FILE), 'utf8')) as ScenesDoc;
  const onAir = (id: string) => page.locator(`[data-testid="canvas-horizontal"][data-program="${id}"]`).waitFor({ state: 'attached' });
  const saved = () => page.locator('[data-testid="scene-editor"][data-saved="saved"]').waitFor();

  before(async () => {
    builtApp('studio', Boolean(process.env.ONAIR_REBUILD_STUDIO));
    mkdirSync(SHOTS, { recursive: true });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-studio-scenes-'));
    bridge = await startDevBridge({ staticDir: DIST, ffmpegPath: FFMPEG, dataDir });
    browser = await launchChromium(FAKE_MEDIA_ARGS);
    page = await newTestPage(browser, {
      viewport: { width: 1440, height: 1000 },
      grant: { origin: bridge.url, permissions: ['camera'] },
      stepMs: STEP_MS,
      errors: pageErrors,
    });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await bridge?.close().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('a first run makes ready scenes from the devices found, saved by main', async () => {
    await page.goto(bridge.url);
    await useCustomServer(page, 'scenes-test-key-123');
    const scenes = page.getByRole('region', { name: 'Scenes' });
    await scenes.getByRole('button', { name: 'Be right back' }).waitFor();
    assert.deepEqual(await scenes.locator('[data-scene]').allTextContents(), ['Screen + camera · on air', 'Camera', 'Be right back']);
    await saved();
    const doc = savedFile();
    assert.equal(doc.version, 1);
    const kinds = Object.values(doc.sources).map((s) => s.settings.kind);
    assert.ok(kinds.includes('camera') && kinds.includes('screen'), `sources: ${kinds.join(', ')}`);
    // Vertical: the camera on top, the screen below.
    const [, cam, screen] = doc.scenes[0]!.items.vertical;
    assert.equal(doc.sources[cam!.sourceId]!.settings.kind, 'camera');
    assert.equal(cam!.y, 0);
    assert.ok(screen!.y >= cam!.y + cam!.h);
    await page
      .getByTestId('compose-time')
      .filter({ hasText: /compose \d/ })
      .waitFor();
    // The fake camera is drawn in its corner; the screen waits for a click (a browser's picker must not pop up alone).
    await page.waitForFunction(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid="canvas-horizontal"]')!;
      const d = c.getContext('2d')!.getImageData(1096, 606, 1, 1).data;
      return Math.abs(d[0]! - 0x10) + Math.abs(d[1]! - 0x18) + Math.abs(d[2]! - 0x20) > 30;
    });
    await page.getByRole('region', { name: 'Layers' }).getByRole('button', { name: 'Share screen' }).waitFor();
  });

  test('colour layers land where the layout says, on both canvases (order, visibility, opacity)', async () => {
    assert.equal(await saveScenesThroughBridge(page, serializeScenes(colourScenes())), true);
    await page.reload();
    await onAir('colours');
    // The image loads on its own time.
    await page.waitForFunction(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid="canvas-horizontal"]')!;
      return c.getContext('2d')!.getImageData(650, 550, 1, 1).data[2] === 0;
    });
    await assertPixels(page, 'horizontal', [
      [650, 550, YELLOW, 'image, left half'],
      [750, 550, CYAN, 'image, right half'],
      [50, 50, R, 'background'],
      [150, 150, G, 'green layer'],
      [350, 275, B, 'blue above green where they overlap'],
      [480, 430, B, 'blue layer'],
      [950, 150, R, 'a hidden layer is not drawn'],
      [1279, 719, R, 'corner'],
    ]);
    const half = await px(page, 'horizontal', 1150, 150);
    assert.ok(near(half, [128, 128, 0], 4), `half-opaque green over red: ${half.join(',')}`);
    await assertPixels(page, 'vertical', [
      [30, 50, R, 'background'],
      [360, 250, G, 'green on top'],
      [360, 600, R, 'between'],
      [360, 950, B, 'blue below'],
      [150, 550, CYAN, 'the image cropped to its right half, stretched over the layer'],
      [290, 590, CYAN, 'the image cropped to its right half, stretched over the layer'],
      [719, 1279, R, 'corner'],
    ]);
    await page.getByRole('tab', { name: 'Vertical' }).click();
    assert.equal(await page.getByTestId('canvas-vertical').isVisible(), true);
    assert.equal(await page.getByTestId('canvas-horizontal').isVisible(), false);
    // The vertical canvas at 1080x1920: the same layout, scaled; undone, back to 720x1280.
    await page.getByLabel('Canvas size').selectOption('1080x1920');
    await page.locator('[data-testid="canvas-vertical"][height="1920"]').waitFor();
    await page.waitForTimeout(100);
    await assertPixels(page, 'vertical', [
      [540, 375, G, 'green on top, scaled'],
      [540, 900, R, 'between, scaled'],
      [540, 1425, B, 'blue below, scaled'],
      [1079, 1919, R, 'corner'],
    ]);
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.locator('[data-testid="canvas-vertical"][height="1280"]').waitFor();
    await page.getByRole('tab', { name: 'Horizontal' }).click();
  });

  test('a cut lands within 2 frames; a fade is over by 500 ms', async () => {
    const scenes = page.getByRole('region', { name: 'Scenes' });
    await scenes.getByRole('button', { name: 'All blue' }).click();
    // Every frame is looked at as it is drawn (an observer on the frame counter the compositor stamps), not by polling.
    const cut = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="canvas-horizontal"]')!;
          const ctx = canvas.getContext('2d')!;
          const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Cut')!;
          const f0 = Number(canvas.dataset.frame);
          const seen = new MutationObserver(() => {
            const d = ctx.getImageData(640, 360, 1, 1).data;
            if (d[2]! > 250 && d[0]! < 5) {
              seen.disconnect();
              resolve(Number(canvas.dataset.frame) - f0);
            }
          });
          seen.observe(canvas, { attributes: true, attributeFilter: ['data-frame'] });
          button.click();
          setTimeout(() => (seen.disconnect(), resolve(-1)), 5000);
        }),
    );
    assert.ok(cut >= 1 && cut <= 2, `the cut took ${cut} frames`);

    await scenes.getByRole('button', { name: 'Colours' }).click();
    const fade = await page.evaluate(
      () =>
        new Promise<{ ms: number; between: boolean }>((resolve) => {
          const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="canvas-horizontal"]')!;
          const ctx = canvas.getContext('2d')!;
          const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Fade')!;
          let between = false;
          const seen = new MutationObserver(() => {
            const d = ctx.getImageData(640, 360, 1, 1).data;
            if (d[0]! > 30 && d[0]! < 225 && d[2]! > 30 && d[2]! < 225) between = true;
            if (d[0]! > 250 && d[2]! < 5) {
              seen.disconnect();
              // Timed by the frame that finished it, as the compositor stamped it.
              resolve({ ms: Number(canvas.dataset.drawnAt) - t0, between });
            }
          });
          seen.observe(canvas, { attributes: true, attributeFilter: ['data-frame'] });
          const t0 = performance.now();
          button.click();
          setTimeout(() => (seen.disconnect(), resolve({ ms: -1, between })), 5000);
        }),
    );
    assert.ok(fade.between, 'a fade shows both scenes mixed on the way');
    assert.ok(fade.ms > 0 && fade.ms <= 500, `the fade took ${fade.ms} ms`);
    await onAir('colours');
  });

  test('drag a layer in the preview; undo and redo from the keyboard and the buttons; it survives a reload', async () => {
    const box = page.locator('[data-item="g-h"]');
    const b = (await box.boundingBox())!;
    const scale = b.width / 300;
    // 100 px right and 40 px down on the canvas: no edge or centre line within the snapping distance.
    const from = { x: b.x + 20, y: b.y + 20 };
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let i = 1; i <= 5; i++) await page.mouse.move(from.x + (100 * scale * i) / 5, from.y + (40 * scale * i) / 5);
    await page.mouse.up();
    const moved: [number, number, Rgb, string][] = [
      [150, 120, R, 'where green was'],
      [480, 200, G, 'where green went'],
    ];
    const back: [number, number, Rgb, string][] = [
      [150, 120, G, 'green back'],
      [480, 200, R, 'green gone from there'],
    ];
    await page.waitForTimeout(100);
    await assertPixels(page, 'horizontal', moved);
    await page.keyboard.press('Control+z');
    await page.waitForTimeout(100);
    await assertPixels(page, 'horizontal', back);
    await page.keyboard.press('Shift+Control+z');
    await page.waitForTimeout(100);
    await assertPixels(page, 'horizontal', moved);
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForTimeout(100);
    await assertPixels(page, 'horizontal', back);
    await page.getByRole('button', { name: 'Redo' }).click();
    await page.waitForTimeout(100);
    await assertPixels(page, 'horizontal', moved);
    const g = (await saved(), savedFile().scenes[0]!.items.horizontal[1]!);
    assert.ok(Math.abs(g.x - 200) <= 2 && Math.abs(g.y - 140) <= 2, `saved at ${g.x},${g.y}`);

    // The layer panel: hide the moved layer, then reload.
    await page.getByRole('region', { name: 'Layers' }).locator('[data-layer-item="g-h"]').getByLabel('Visible').uncheck();
    await page.waitForTimeout(100);
    await assertPixels(page, 'horizontal', [[480, 200, R, 'hidden']]);
    await saved();
    await page.reload();
    await onAir('colours');
    // The image loads on its own time.
    await page.waitForFunction(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid="canvas-horizontal"]')!;
      return c.getContext('2d')!.getImageData(650, 550, 1, 1).data[2] === 0;
    });
    await assertPixels(page, 'horizontal', [
      [650, 550, YELLOW, 'image, left half'],
      [750, 550, CYAN, 'image, right half'],
      [480, 200, R, 'still hidden after a reload'],
    ]);
    const layers = page.getByRole('region', { name: 'Layers' });
    await layers.locator('[data-layer-item="g-h"]').getByLabel('Visible').check();
    await page.waitForTimeout(100);
    await assertPixels(page, 'horizontal', moved);
    assert.deepEqual(await page.getByRole('region', { name: 'Scenes' }).locator('[data-scene]').allTextContents(), ['Colours · on air', 'All blue']);
    assert.deepEqual(pageErrors, []);
  });

  test('resize by a corner handle, snapping to the centre line; crop from the layers panel', async () => {
    // Green is at 200,140, 300x200: its bottom-right corner dragged 50 right and 30 down ends 10 px past the
    // horizontal centre line (360) and snaps onto it.
    await page.locator('[data-item="g-h"]').click({ position: { x: 30, y: 30 } });
    const handle = page.locator('[data-item="g-h"] [data-handle="se"]');
    const h = (await handle.boundingBox())!;
    const scale = ((await page.locator('[data-item="g-h"]').boundingBox())!.width as number) / 300;
    await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 5; i++) await page.mouse.move(h.x + h.width / 2 + (50 * scale * i) / 5, h.y + h.height / 2 + (30 * scale * i) / 5);
    await page.mouse.up();
    await page.waitForTimeout(100);
    await assertPixels(page, 'horizontal', [
      [540, 200, G, 'wider'],
      [520, 355, G, 'taller'],
      [520, 366, R, 'snapped to the centre line, not 10 px past it'],
    ]);
    await saved();
    const g = savedFile().scenes[0]!.items.horizontal[1]!;
    assert.ok(Math.abs(g.w - 350) <= 2 && g.y + g.h === 360, `resized to ${g.w}x${g.h} at ${g.x},${g.y}`);

    const layers = page.getByRole('region', { name: 'Layers' });
    await layers.locator('[data-layer-item="split-h"]').getByRole('button', { name: 'split', exact: true }).click();
    await layers.getByLabel('Crop left %').fill('50');
    await page.waitForTimeout(100);
    await assertPixels(page, 'horizontal', [
      [650, 550, CYAN, 'cropped: only the right half, stretched'],
      [790, 590, CYAN, 'cropped: only the right half, stretched'],
    ]);
    await page.screenshot({ path: path.join(SHOTS, 'studio-scenes.png') });
    assert.deepEqual(pageErrors, []);
  });

  test('the preview can be switched off and on: the canvas is still drawn, and the choice survives a reload', async () => {
    const canvas = page.getByTestId('canvas-horizontal');
    const off = page.getByRole('status').filter({ hasText: 'Preview off' });
    const frameNow = () => canvas.evaluate((c: HTMLCanvasElement) => Number(c.dataset.frame));
    await page.getByLabel('Show preview').uncheck();
    await off.waitFor();
    assert.equal(await canvas.isVisible(), false);
    assert.equal(await page.locator('[data-item]').count(), 0, 'no layer boxes to drag over a hidden preview');
    const f0 = await frameNow();
    await page.waitForTimeout(500);
    assert.ok((await frameNow()) - f0 >= 10, 'the compositor still draws the hidden canvas');
    await assertPixels(page, 'horizontal', [[50, 50, R, 'still composed while not shown']]);

    await page.reload();
    await onAir('colours');
    await off.waitFor();
    assert.equal(await canvas.isVisible(), false, 'still off after a reload');

    await off.getByRole('button', { name: 'Show preview' }).click();
    await canvas.waitFor({ state: 'visible' });
    await page.locator('[data-item="g-h"]').waitFor();
    assert.equal(await page.getByLabel('Show preview').isChecked(), true);
    assert.equal(await off.count(), 0);
    assert.deepEqual(pageErrors, []);
  });
});

// The screen layer's picker in the built Studio, through the dev bridge in Chromium. Main's list of screens and windows
// is the desktop app's (Electron's desktopCapturer, which cannot run here): the bridge is given one, as main would
// give it. Choosing a window from it keeps the choice in the scenes (saved by main), and the layer, reopened, tells
// main that window just before its getDisplayMedia, which main's display-media handler then answers with
// (pickCaptureSource, unit-tested in electron/main/core/media-capture.test.ts). Where main lists nothing (a plain
// browser), the panel says the browser's own picker asks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import { SCENES_FILE } from '../electron/main/core/scenes-file.js';
import type { CaptureTarget, CaptureTargetOption } from '../electron/ipc-contract.js';
import { builtApp, FAKE_MEDIA_ARGS, launchChromium, newTestPage, useCustomServer } from '../server/test-support/browser.js';
import { waitFor } from '../server/test-support/process.js';
import { ffmpegPath as FFMPEG } from '../server/test-support/process.js';
import type { ScenesDoc } from './studio/engine/scene/model.js';

const THUMB = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180"><rect width="320" height="180" fill="#345"/></svg>')}`;
const TARGETS: CaptureTargetOption[] = [
  { type: 'screen', id: 'screen:0:0', name: 'Entire screen', thumbnail: THUMB },
  { type: 'screen', id: 'screen:1:0', name: 'Screen 2', thumbnail: '' },
  { type: 'window', id: 'window:77:0', name: 'Notes — Editor', thumbnail: THUMB },
];

describe('the screen layer picker in the built Studio', { timeout: 180_000 }, () => {
  let bridge: DevBridge;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let listed: CaptureTargetOption[] = TARGETS;
  const errors: string[] = [];

  before(async () => {
    const dist = builtApp('studio', Boolean(process.env.ONAIR_REBUILD_STUDIO));
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-capture-picker-'));
    bridge = await startDevBridge({ staticDir: dist, ffmpegPath: FFMPEG, dataDir, captureTargets: async () => listed });
    browser = await launchChromium(FAKE_MEDIA_ARGS);
    page = await newTestPage(browser, { viewport: { width: 1440, height: 1000 }, stepMs: 20_000, errors });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await bridge?.close().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** What the page told main to capture last, as main's display-media handler would take it (waits for one). */
  const nextCapture = async (): Promise<CaptureTarget | null> => {
    let got: CaptureTarget | null | undefined;
    await waitFor(
      'a capture:choose from the page',
      () => {
        const t = bridge.core.takeCaptureTarget();
        if (t) got = t;
        return got !== undefined;
      },
      20_000,
      100,
    );
    return got!;
  };

  test("a window chosen from main's list is kept in the scenes and asked of main when the layer opens", async () => {
    // screen=direct: the screen layer opens at once, as in the desktop app (no "Share screen" click).
    await page.goto(`${bridge.url}/?screen=direct`);
    await useCustomServer(page, 'capture-picker-key');
    const layers = page.getByRole('region', { name: 'Layers' });
    await layers.getByRole('button', { name: 'Screen', exact: true }).click();
    const picker = layers.getByRole('group', { name: 'Screen or window' });
    await picker.getByTestId('capture-target').filter({ hasText: 'the first screen' }).waitFor();

    await picker.getByRole('button', { name: 'Choose screen or window…' }).click();
    const screens = picker.getByRole('group', { name: 'Screens' });
    const windows = picker.getByRole('group', { name: 'Windows' });
    // The groups appear together once main has answered with its list; read them only then.
    await screens.waitFor();
    assert.deepEqual(await screens.getByRole('button').allTextContents(), ['Entire screen', 'Screen 2']);
    assert.deepEqual(await windows.getByRole('button').allTextContents(), ['Notes — Editor']);
    assert.equal(await windows.locator('img').count(), 1, 'the window is shown by its picture');
    // Whatever the layer asked for when it first opened (the first screen) is gone before the choice.
    bridge.core.takeCaptureTarget();
    await windows.getByRole('button', { name: 'Notes — Editor' }).click();
    await picker.getByTestId('capture-target').filter({ hasText: 'window "Notes — Editor"' }).waitFor();

    assert.deepEqual(
      await nextCapture(),
      { type: 'window', id: 'window:77:0', name: 'Notes — Editor' },
      'the reopened layer asked main for the window',
    );
    await page.locator('[data-testid="scene-editor"][data-saved="saved"]').waitFor();
    const doc = JSON.parse(readFileSync(path.join(dataDir, SCENES_FILE), 'utf8')) as ScenesDoc;
    const screenSources = Object.values(doc.sources).filter((s) => s.settings.kind === 'screen');
    assert.deepEqual(
      screenSources.map((s) => s.settings),
      [{ kind: 'screen', target: { type: 'window', id: 'window:77:0', name: 'Notes — Editor' } }],
    );

    // After a restart of the window the layer asks for the same window again.
    await page.reload();
    assert.deepEqual(await nextCapture(), { type: 'window', id: 'window:77:0', name: 'Notes — Editor' });
    assert.deepEqual(errors, []);
  });

  test('where main lists nothing, the panel says the browser asks', async () => {
    listed = [];
    const layers = page.getByRole('region', { name: 'Layers' });
    await layers.getByRole('button', { name: 'Screen', exact: true }).click();
    const picker = layers.getByRole('group', { name: 'Screen or window' });
    await picker.getByRole('button', { name: 'Choose screen or window…' }).click();
    await picker.getByText('This browser asks which screen or window to share when the layer starts.').waitFor();
    assert.equal(await picker.getByRole('group', { name: 'Screens' }).count(), 0);
    assert.deepEqual(errors, []);
  });
});

// The Studio's vertical output end to end: in Chromium (fake camera and microphone) the Studio (from source through
// vite, as studio-engine.browser.test.ts serves it), signed in to a
// real Onair server through the dev bridge, in engine mode with colour-coded scenes laid out differently on its two
// canvases. An obs-websocket client turns the vertical output on (CallVendorRequest SetVerticalOutput), Go Live sends
// both: the server reports the vertical companion in GET /api/channels/<name>, ffprobe reads 720x1280 H.264 + AAC
// from its HLS and 1280x720 from the main one, the decoded pictures have each layout's colours where it puts them,
// and both outputs end with Stop. On the way, the Studio's "Send to" refuses a wrong server URL in words and shows a
// saved key masked, never whole (another RTMP destination end to end: electron/broadcast/engine-vertical.test.ts). Measures real-time encoding (two H.264 encodes at once): runs alone.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OBSWebSocket } from 'obs-websocket-js/json';
import type { Browser, Page } from 'playwright-core';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import { viteFrontend } from '../electron/dev-bridge/vite-frontend.js';
import { AUTOPLAY_ARG, FAKE_MEDIA_ARGS, launchChromium, newTestPage, turnOnRemoteControl } from '../server/test-support/browser.js';
import { ffmpegPath as FFMPEG, ffprobePath, runOk, waitFor } from '../server/test-support/process.js';
import type { TestServer } from '../server/test-support/server.js';
import { signUpInStudio, startStudioServer } from '../server/test-support/studio.js';
import { newItem } from './studio/engine/scene/commands.js';
import { serializeScenes } from './studio/engine/scene/json.js';
import { DEFAULT_CANVASES, SCENES_VERSION, type ScenesDoc } from './studio/engine/scene/model.js';

const STEP_MS = 30_000;

type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];
const hex = (c: Rgb) => `#${c.map((x) => x.toString(16).padStart(2, '0')).join('')}`;

/**
 * One scene, colour-coded: horizontally red on the left half and blue on the right; vertically green on the top
 * half and blue on the bottom (camera on top, screen below, as the first-run layout puts them).
 */
function colourScenes(): ScenesDoc {
  const color = (id: string, c: Rgb) => ({ id, name: id, settings: { kind: 'color' as const, color: hex(c) } });
  return {
    version: SCENES_VERSION,
    canvases: DEFAULT_CANVASES,
    sources: { red: color('red', RED), green: color('green', GREEN), blue: color('blue', BLUE) },
    scenes: [
      {
        id: 'two',
        name: 'Two layouts',
        items: {
          horizontal: [newItem('r-h', 'red', { x: 0, y: 0, w: 640, h: 720 }), newItem('b-h', 'blue', { x: 640, y: 0, w: 640, h: 720 })],
          vertical: [newItem('g-v', 'green', { x: 0, y: 0, w: 720, h: 640 }), newItem('b-v', 'blue', { x: 0, y: 640, w: 720, h: 640 })],
        },
      },
    ],
    program: 'two',
  };
}

/** A few seconds of an HLS stream copied to a file, and what ffprobe says of it. */
async function capture(url: string, file: string): Promise<{ video: any; audio: any }> {
  await runOk(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-i', url, '-t', '4', '-c', 'copy', file], 60_000);
  const probe = JSON.parse((await runOk(ffprobePath, ['-v', 'error', '-show_streams', '-of', 'json', file])).stdout) as { streams: any[] };
  return { video: probe.streams.find((s) => s.codec_type === 'video'), audio: probe.streams.find((s) => s.codec_type === 'audio') };
}

/**
 * The mean colour of each cell of a cols x rows grid over the decoded picture 2 s in (decoded from a keyframe). To
 * RGB before scaling: scaled in YUV 4:2:0, a 2x2 picture has one chroma sample, the mean of both halves' colours.
 */
async function grid(file: string, work: string, cols: number, rows: number): Promise<Rgb[]> {
  const raw = path.join(work, `${path.basename(file)}.rgb`);
  await runOk(FFMPEG, [
    '-v',
    'error',
    '-y',
    '-ss',
    '2',
    '-i',
    file,
    '-frames:v',
    '1',
    '-vf',
    `format=rgb24,scale=${cols}:${rows}:flags=area`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    raw,
  ]);
  const px = readFileSync(raw);
  const out: Rgb[] = [];
  for (let i = 0; i < cols * rows; i++) out.push([px[i * 3]!, px[i * 3 + 1]!, px[i * 3 + 2]!]);
  return out;
}

/** Within a video encode's error of a pure colour (limited-range YUV and chroma subsampling move it a little). */
const near = (got: Rgb, want: Rgb, tol = 40) => got.every((v, i) => Math.abs(v - want[i]!) <= tol);

describe('Studio vertical output: two canvases, two encodes, live on the server', { timeout: 240_000 }, () => {
  let server: TestServer;
  let bridge: DevBridge;
  let browser: Browser;
  let page: Page;
  let work: string;
  let obs: OBSWebSocket | undefined;
  const pageErrors: string[] = [];
  const username = `vert${Date.now().toString(36).slice(-5)}`;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'onair-vertical-'));
    server = await startStudioServer();
    bridge = await startDevBridge({ frontend: (srv) => viteFrontend(srv, { cacheDir: path.join(work, 'vite') }), ffmpegPath: FFMPEG, dataDir: work });
    await signUpInStudio(bridge.core, server.base, username);
    assert.ok((await bridge.core.handle('scenes:save', { json: serializeScenes(colourScenes()) })).ok);
    browser = await launchChromium([...FAKE_MEDIA_ARGS, AUTOPLAY_ARG]);
    page = await newTestPage(browser, {
      viewport: { width: 1440, height: 1000 },
      grant: { origin: bridge.url, permissions: ['camera', 'microphone'] },
      stepMs: STEP_MS,
      errors: pageErrors,
    });
  });

  after(async () => {
    await obs?.disconnect().catch(() => {});
    await browser?.close().catch(() => {});
    await bridge?.close().catch(() => {});
    await server?.stop().catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('SetVerticalOutput turns it on; Go Live sends both canvases; the server plays each at its size and layout', async () => {
    await page.goto(bridge.url);
    await page.getByTestId('account').filter({ hasText: username }).waitFor();
    await page.locator('[data-testid="canvas-horizontal"][data-program="two"]').waitFor({ state: 'attached' });
    await page.getByTestId('mode').selectOption('engine');
    await page.getByLabel('Keyframe (s)').fill('1');

    // The remote control, turned on in the Studio; the vertical output turned on from the tool.
    const { url, password } = await turnOnRemoteControl(page);
    obs = new OBSWebSocket();
    await obs.connect(url, password);
    const vendor = async (requestType: string, requestData: Record<string, boolean | number> = {}) =>
      (await obs!.call('CallVendorRequest', { vendorName: 'onair', requestType, requestData })).responseData;
    assert.deepEqual(await vendor('GetVerticalOutput'), { enabled: false, width: 720, height: 1280, active: false, destination: null });
    assert.deepEqual(await vendor('SetVerticalOutput', { enabled: true, width: 720, height: 1280 }), {
      enabled: true,
      width: 720,
      height: 1280,
      active: false,
      destination: null,
    });
    assert.equal(await page.getByTestId('vertical-enabled').isChecked(), true, "the Studio's switch follows the tool");

    // Send to another RTMP destination: a wrong URL refused in words; the key saved comes back masked, the field
    // emptied, and the tool told the host only. Then back to this channel, where the rest of the test sends it.
    const key = `vertical-secret-${Date.now()}`;
    const form = page.getByRole('form', { name: 'Vertical destination' });
    await page.getByTestId('vertical-destination').selectOption('rtmp');
    await form.getByLabel('Vertical server URL').fill('http://shorts.example/app');
    await form.getByLabel('Vertical stream key').fill(key);
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('vertical-destination-problem').filter({ hasText: 'must start with rtmp:// or rtmps://' }).waitFor();
    await form.getByLabel('Vertical server URL').fill('rtmps://shorts.example/app');
    await form.getByRole('button', { name: 'Save' }).click();
    await page
      .getByTestId('vertical-destination-summary')
      .filter({ hasText: /Sends to shorts\.example, key vert•+\d{4}$/ })
      .waitFor();
    assert.equal(await form.getByLabel('Vertical stream key').inputValue(), '', 'the key field is emptied once saved');
    assert.deepEqual((await vendor('GetVerticalOutput')).destination, { host: 'shorts.example' });
    assert.ok(!(await page.content()).includes(key), 'the key is nowhere in the page');
    await page.getByTestId('vertical-destination').selectOption('channel');
    await page.getByTestId('vertical-destination-summary').waitFor({ state: 'detached' });
    assert.equal((await vendor('GetVerticalOutput')).destination, null);

    await page.getByRole('button', { name: 'Go Live' }).click();
    await page.locator('[data-testid="state"][data-state="live"]').waitFor();
    await page.locator('[data-testid="vertical-state"][data-state="live"]').waitFor();
    assert.match((await page.getByTestId('vertical-state').textContent()) ?? '', /^Vertical → 127\.0\.0\.1:\d+: Live/, 'where to, by host');
    await assert.rejects(vendor('SetVerticalOutput', { enabled: false }), (e: { code?: number }) => e.code === 500, 'not while live');
    assert.equal((await vendor('GetVerticalOutput')).active, true);

    const channel = await waitFor(
      'the vertical companion reported',
      async () => {
        const ch = await fetch(`${server.base}/api/channels/${username}`).then((r) => r.json());
        return ch.live === true && ch.vertical?.width > 0 ? ch : null;
      },
      STEP_MS,
      250,
    );
    assert.equal(channel.vertical.width, 720);
    assert.equal(channel.vertical.height, 1280);
    assert.match(channel.vertical.hlsUrl, new RegExp(`/hls/${username}/vertical/index\\.m3u8$`));
    await new Promise((r) => setTimeout(r, 3000)); // a few segments of each

    const [vert, main] = await Promise.all([
      capture(channel.vertical.hlsUrl, path.join(work, 'vertical.mkv')),
      capture(`${server.base}/hls/${username}/index.m3u8`, path.join(work, 'main.mkv')),
    ]);
    assert.deepEqual([vert.video?.codec_name, vert.video?.width, vert.video?.height], ['h264', 720, 1280]);
    assert.deepEqual([vert.audio?.codec_name, Number(vert.audio?.sample_rate), vert.audio?.channels], ['aac', 48000, 2]);
    assert.deepEqual([main.video?.codec_name, main.video?.width, main.video?.height], ['h264', 1280, 720]);
    assert.equal(main.audio?.codec_name, 'aac');

    // Each decoded picture in a 2x2 grid of cell means: the layout of its own canvas.
    const v = await grid(path.join(work, 'vertical.mkv'), work, 2, 2);
    const h = await grid(path.join(work, 'main.mkv'), work, 2, 2);
    console.log(`decoded vertical 2x2: ${JSON.stringify(v)}; horizontal 2x2: ${JSON.stringify(h)}`);
    assert.ok(near(v[0]!, GREEN) && near(v[1]!, GREEN), `vertical top is green: ${JSON.stringify(v)}`);
    assert.ok(near(v[2]!, BLUE) && near(v[3]!, BLUE), `vertical bottom is blue: ${JSON.stringify(v)}`);
    assert.ok(near(h[0]!, RED) && near(h[2]!, RED), `horizontal left is red: ${JSON.stringify(h)}`);
    assert.ok(near(h[1]!, BLUE) && near(h[3]!, BLUE), `horizontal right is blue: ${JSON.stringify(h)}`);

    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.locator('[data-testid="state"][data-state="ended"]').waitFor();
    await page.locator('[data-testid="vertical-state"][data-state="ended"]').waitFor();
    assert.equal((await vendor('GetVerticalOutput')).active, false);
    assert.deepEqual(pageErrors, []);
  });
});

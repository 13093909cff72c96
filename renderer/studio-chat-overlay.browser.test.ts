// The chat overlay layer in the built Studio, signed in to a real Onair server: it shows people's messages as the
// Studio's chat panel has them, so it starts with the room's recent history, takes new messages, and drops a message
// the moment a moderator deletes it (it must not stay on the stream). Read back from the compositor's canvas: the
// overlay's backdrop grows by one line's height per message shown.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import type { ChatMessage } from '../server/api/chat.js';
import { builtApp, launchChromium, newTestPage, saveScenesThroughBridge } from '../server/test-support/browser.js';
import { connectChat, request, type ChatClient } from '../server/test-support/chat-client.js';
import { ffmpegPath as FFMPEG, waitFor } from '../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../server/test-support/server.js';
import { newItem } from './studio/engine/scene/commands.js';
import { serializeScenes } from './studio/engine/scene/json.js';
import { DEFAULT_CANVASES, SCENES_VERSION, type ScenesDoc } from './studio/engine/scene/model.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist', 'renderer', 'studio');
const STEP_MS = 20_000;
/** The overlay's geometry (engine/sources/chat.ts): 36 px a line, 12 px of padding above and below. */
const LINE = 36;
const PADDING = 24;
const SHOWN = 4;

/** A white canvas with the chat overlay at the top left, drawn at its own size (4 lines: 640 x 168). */
function overlayScenes(): ScenesDoc {
  return {
    version: SCENES_VERSION,
    canvases: DEFAULT_CANVASES,
    sources: {
      white: { id: 'white', name: 'White', settings: { kind: 'color', color: '#ffffff' } },
      chat: { id: 'chat', name: 'Chat', settings: { kind: 'chat', lines: SHOWN } },
    },
    scenes: [
      {
        id: 'overlay',
        name: 'Overlay',
        items: {
          horizontal: [
            newItem('1', 'white', { x: 0, y: 0, w: 1280, h: 720 }),
            newItem('2', 'chat', { x: 0, y: 0, w: 640, h: SHOWN * LINE + PADDING }),
          ],
          vertical: [],
        },
      },
    ],
    program: 'overlay',
  };
}

/** A signed-in chat connection that joined the channel's room. */
async function joinAs(base: string, token: string, channel: string): Promise<ChatClient> {
  const s = await connectChat(base, { token });
  const ack = await request<{ ok: boolean }>(s, 'join', { channel });
  if (!ack.ok) throw new Error(`join refused: ${JSON.stringify(ack)}`);
  return s;
}

describe('the chat overlay layer in the Studio, signed in to Onair', { timeout: 180_000 }, () => {
  let server: TestServer;
  let bridge: DevBridge;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const sockets: ChatClient[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    builtApp('studio', Boolean(process.env.ONAIR_REBUILD_STUDIO));
    server = await startTestServer();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-studio-chat-overlay-'));
    bridge = await startDevBridge({ staticDir: DIST, ffmpegPath: FFMPEG, dataDir });
    browser = await launchChromium();
    page = await newTestPage(browser, { viewport: { width: 1440, height: 1000 }, stepMs: STEP_MS, errors: pageErrors });
  });

  after(async () => {
    for (const s of sockets) s.disconnect();
    await browser?.close().catch(() => {});
    await bridge?.close().catch(() => {});
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('history on joining, new messages, and a deleted message gone from the stream at once', async () => {
    const streamer = await newStreamer(server.base, 'overlaycaster');
    const fan = await newStreamer(server.base, 'overlayfan');
    const channel = streamer.channel.name;
    const fanChat = await joinAs(server.base, fan.token, channel);
    sockets.push(fanChat);
    const say = async (text: string) => {
      const ack = await request<{ ok: boolean; message?: ChatMessage }>(fanChat, 'send', { channel, text });
      assert.ok(ack.ok && ack.message, JSON.stringify(ack));
      return ack.message;
    };
    // Said before the Studio opens: the overlay must start with it.
    const first = await say('said before the studio opened');

    await page.goto(bridge.url);
    await page.getByLabel('Server URL').fill(server.base);
    await page.getByLabel('Username').fill('overlaycaster');
    await page.getByLabel('Password').fill('pw-overlaycaster-123456');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('account').filter({ hasText: 'overlaycaster' }).waitFor();
    // The Studio's first run saves its ready scenes a moment after making them: saved first, or they would replace
    // the test's under load.
    await page.getByRole('region', { name: 'Scenes' }).getByRole('button', { name: 'Be right back' }).waitFor();
    await page.locator('[data-testid="scene-editor"][data-saved="saved"]').waitFor();
    assert.equal(await saveScenesThroughBridge(page, serializeScenes(overlayScenes())), true);
    await page.reload();
    await page.locator('[data-testid="canvas-horizontal"][data-program="overlay"]').waitFor({ state: 'attached' });
    await page.getByTestId('chat').locator('[data-status="joined"]').or(page.locator('[data-testid="chat"][data-status="joined"]')).first().waitFor();

    /** Lines the overlay shows: the height of its grey backdrop over the white canvas, at its left edge. */
    const linesShown = () =>
      page.evaluate(
        ({ height }) => {
          const c = document.querySelector<HTMLCanvasElement>('[data-testid="canvas-horizontal"]')!;
          const d = c.getContext('2d')!.getImageData(4, 0, 1, height).data;
          let grey = 0;
          for (let y = 0; y < height; y++) if (d[y * 4]! > 80 && d[y * 4]! < 150) grey++;
          return grey;
        },
        { height: SHOWN * LINE + PADDING },
      );
    /** For a failure: whether the compositor still draws (its frame number moves), and what the chat panel lists. */
    const drawingState = async () => {
      const canvases = page.locator('[data-testid="canvas-horizontal"]');
      const frameNow = () => canvases.first().getAttribute('data-frame');
      const before = await frameNow();
      await new Promise((r) => setTimeout(r, 500));
      const panel = await page.getByTestId('chat').locator('.chat__text').allTextContents();
      return `${await canvases.count()} horizontal canvas(es), the first at frame ${before} then ${await frameNow()} 500 ms later; the panel lists [${panel.join(' | ')}]; page errors [${pageErrors.join(' | ')}]`;
    };
    const expectLines = async (n: number, why: string) => {
      const want = n === 0 ? 0 : n * LINE + PADDING;
      await waitFor(`${why}: ${n} lines`, async () => (await linesShown()) === want, STEP_MS, 100).catch(async (err: Error) => {
        throw new Error(`${err.message}; the backdrop is ${await linesShown()} px tall (${want} wanted); ${await drawingState()}`);
      });
    };
    await expectLines(1, 'the history');

    await say('one');
    await say('two');
    await expectLines(3, 'two new messages');
    await say('three');
    await say('four');
    await expectLines(SHOWN, 'the newest four of five');

    // The streamer deletes messages as the channel's moderator: each leaves the overlay (the history's first, and a
    // shown one, which lets the one before it back in).
    const streamerChat = await joinAs(server.base, streamer.token, channel);
    sockets.push(streamerChat);
    const history = await page.getByTestId('chat').locator('.chat__text').allTextContents();
    assert.ok(history.includes('said before the studio opened'), history.join(' | '));
    const four = (await request<{ ok: boolean; history: ChatMessage[] }>(streamerChat, 'join', { channel })).history.find((m) => m.text === 'four')!;
    for (const id of [first.id, four.id]) {
      const ack = await request<{ ok: boolean }>(streamerChat, 'delete', { channel, messageId: id });
      assert.equal(ack.ok, true, JSON.stringify(ack));
    }
    await page.getByTestId('chat').locator('.chat__text', { hasText: 'four' }).waitFor({ state: 'detached' });
    await expectLines(3, 'two deleted of five');
    assert.deepEqual(pageErrors, []);
  });
});

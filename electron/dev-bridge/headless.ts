// The headless Studio: the dev bridge (the Studio's main-process core, with the real pipeline, and its IPC over HTTP)
// and the built Studio UI with its engine (scenes, compositor, mixer, WebCodecs encoder) in headless Chromium with
// fake camera, microphone and screen, and the remote control (obs-websocket) turned on: a whole Studio driven through
// its control API, on a machine where Electron cannot run. scripts/studio-headless.ts is its command.
// What it has not: the OS's pickers (Chromium's fake devices answer) and keychain (the session and the control
// password live in this process's memory; only the scenes are kept, in the data folder).
import { existsSync, mkdirSync } from 'node:fs';
import { OBSWebSocket } from 'obs-websocket-js/json';
import { chromium, type Browser, type Page } from 'playwright-core';
import { type BroadcastMode, type ControlInfo } from '../ipc-contract.js';
import { validateRequest } from '../ipc-guards.js';
import type { PipelineLogger } from '../main/core/pipeline.js';
import { startDevBridge, type DevBridge } from './server.js';
import { cdpWebPages } from './web-pages.js';

/** A failure the user can act on, said in words (the command prints the message as it is). */
export class HeadlessError extends Error {}

export interface HeadlessOptions {
  /** The built Studio UI (dist/renderer/studio). */
  staticDir: string;
  ffmpegPath: string;
  chromiumPath: string;
  /** Chromium's base arguments (headless, no sandbox); the fake devices are added here. */
  chromiumArgs: string[];
  controlPort: number;
  controlPassword: string;
  /** The app's data folder (the scenes file); made when missing. */
  dataDir: string;
  /** What Go Live (and StartStream) starts: the window's engine (the scenes) or main's ffmpeg pipeline. */
  encode: BroadcastMode;
  /** An Onair account to sign in to at start. */
  signIn?: { serverUrl: string; username: string; password: string };
  logger: PipelineLogger;
  /** Chromium went away (a crash) after the start: the Studio cannot answer any more. */
  onFatal(reason: string): void;
}

export interface HeadlessStudio {
  bridge: DevBridge;
  controlPort: number;
  /**
   * The Studio's page, for diagnostics only: a bench reads the engine's figures through it
   * (`globalThis.__onairEngineStats()`, renderer/studio/engine/diagnostics.ts). Tools drive the Studio through the control API.
   */
  page: Page;
  /** Stops the stream, Chromium and the core; safe to call twice. */
  close(): Promise<void>;
}

/** How long the page gets to come up and answer the control API (a busy machine loads it slowly). */
const READY_MS = 60_000;
/** Fake media, and the sound may start without a click (an AudioContext otherwise stays suspended). */
const FAKE_MEDIA_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--auto-select-desktop-capture-source=Entire screen',
  '--autoplay-policy=no-user-gesture-required',
];

export async function startHeadlessStudio(o: HeadlessOptions): Promise<HeadlessStudio> {
  if (!existsSync(o.chromiumPath))
    throw new HeadlessError(`Chromium is not at ${o.chromiumPath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`);
  try {
    mkdirSync(o.dataDir, { recursive: true });
  } catch (err) {
    throw new HeadlessError(`The data folder ${o.dataDir} cannot be made: ${(err as Error).message}`);
  }
  let browser: Browser | null = null;
  // Web page layers render in this Chromium too, each in a context of its own.
  const webBrowser = () => (browser ? Promise.resolve(browser) : Promise.reject(new Error('the Studio is still starting')));
  const bridge = await startDevBridge({
    staticDir: o.staticDir,
    ffmpegPath: o.ffmpegPath,
    dataDir: o.dataDir,
    logger: o.logger,
    feeds: { webPages: cdpWebPages(webBrowser) },
  });
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // The stream first (main stops it; the window's encoder follows its end), then the window, then the rest.
      await bridge.core.dispose().catch(() => {});
      o.logger.info({}, 'studio: stream and control stopped');
      await browser?.close().catch(() => {});
      o.logger.info({}, 'studio: chromium closed');
      await bridge.close().catch(() => {});
      o.logger.info({}, 'studio: core closed');
    })());
  try {
    if (o.signIn) await signIn(bridge, o.signIn);
    await turnOnControl(bridge, o.controlPort, o.controlPassword);

    browser = await chromium.launch({ executablePath: o.chromiumPath, args: [...o.chromiumArgs, ...FAKE_MEDIA_ARGS] }).catch((err: Error) => {
      throw new HeadlessError(`Chromium (${o.chromiumPath}) did not start: ${err.message.split('\n')[0]}`);
    });
    browser.on('disconnected', () => void (closing ?? o.onFatal('Chromium closed.')));
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    await context.grantPermissions(['camera', 'microphone'], { origin: bridge.url });
    const page = await context.newPage();
    page.on('crash', () => o.onFatal('The Studio page crashed in Chromium.'));
    page.on('pageerror', (e) => o.logger.warn({ err: e.message }, 'studio page error'));
    page.on('console', (m) => m.type() === 'error' && o.logger.warn({ text: m.text().slice(0, 500) }, 'studio page console'));
    await page.goto(`${bridge.url}/?encode=${o.encode}&screen=direct`, { timeout: READY_MS });
    await page.locator('[data-testid="state"]').waitFor({ timeout: READY_MS });
    await controlAnswers(o.controlPort, o.controlPassword, READY_MS);
    return { bridge, controlPort: o.controlPort, page, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function signIn(bridge: DevBridge, s: NonNullable<HeadlessOptions['signIn']>): Promise<void> {
  const request = { serverUrl: s.serverUrl, username: s.username, password: s.password, register: false };
  const v = validateRequest('session:signIn', request);
  if (!v.ok) throw new HeadlessError('The server URL, username or account password is not valid.');
  const r = await bridge.core.handle('session:signIn', request);
  if (!r.ok) throw new HeadlessError(`Signing in to ${s.serverUrl} as ${s.username} failed: ${r.error.message}`);
}

async function turnOnControl(bridge: DevBridge, port: number, password: string): Promise<ControlInfo> {
  const request = { enabled: true, port, password };
  const v = validateRequest('control:set', request);
  if (!v.ok) throw new HeadlessError('The control port must be 1024-65535 and the password at most 128 characters, without control characters.');
  const r = await bridge.core.handle('control:set', request);
  if (!r.ok) throw new HeadlessError(`The remote control could not be turned on: ${r.error.message}`);
  if (!r.value.listening) throw new HeadlessError(r.value.error ?? `The remote control could not listen on 127.0.0.1:${port}.`);
  return r.value;
}

/**
 * Waits until the control API accepts a connection with the password and the window answers a request of its own
 * (GetSceneList: the page is up and its scenes are loaded), as a tool would see it.
 */
async function controlAnswers(port: number, password: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const obs = new OBSWebSocket();
    try {
      await obs.connect(`ws://127.0.0.1:${port}`, password);
      await obs.call('GetSceneList');
      return;
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await obs.disconnect().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new HeadlessError(`The Studio page did not answer the remote control within ${timeoutMs / 1000} s (${last}).`);
}

// Chromium and the built web apps, for the browser tests (and the headless Studio, scripts/studio-headless.ts):
// Debian's Chromium (or CHROMIUM_PATH) through playwright-core, a page set up as the tests watch it, a vite build of
// the viewer app or the Studio UI when dist/ does not have one yet (or has an older one), and signing up inside a page.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from './process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Headless, without the sandbox (CI runs as root) and without Chromium's own network chatter. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Chromium's stand-ins for the camera, the microphone and the screen, taken without a permission prompt (a file of
 * the test's own replaces a fake device with --use-file-for-fake-video-capture / -audio-capture).
 */
export const FAKE_MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];
/** Audio plays without a click first: the Studio's mixer and the engine's audio start with no user gesture in a test. */
export const AUTOPLAY_ARG = '--autoplay-policy=no-user-gesture-required';

/**
 * A page for browser code under test, bundled from source: esbuild bundles `source` (TypeScript whose imports resolve
 * from `resolveDir`) into one module, and the returned handler answers /harness.js with it and any other path with a
 * blank page that loads it.
 */
export async function harnessPage(source: string, resolveDir: string): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const bundle = await build({
    stdin: { contents: source, resolveDir, loader: 'ts', sourcefile: 'harness.ts' },
    bundle: true,
    format: 'esm',
    write: false,
    target: 'es2022',
  });
  const js = bundle.outputFiles[0]!.text;
  return (req, res) => {
    if (req.url === '/harness.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/harness.js"></script><body></body>');
  };
}

/** Launches the test Chromium (headless, CHROMIUM_ARGS) with these switches added. */
export function launchChromium(args: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...args] });
}

/**
 * A page in a context of its own: `viewport` (at device scale 1, so screenshots and pixel reads are in CSS pixels),
 * `permissions` granted to `origin` only, `stepMs` as every wait's default timeout, and the page's uncaught errors
 * pushed to `errors` (which the tests assert empty).
 */
export async function newTestPage(
  browser: Browser,
  o: { stepMs: number; errors: string[]; viewport?: { width: number; height: number }; grant?: { origin: string; permissions: string[] } },
): Promise<Page> {
  const page = await browser.newPage(o.viewport ? { viewport: o.viewport, deviceScaleFactor: 1 } : {});
  if (o.grant) await page.context().grantPermissions(o.grant.permissions, { origin: o.grant.origin });
  page.setDefaultTimeout(o.stepMs);
  page.on('pageerror', (e) => o.errors.push(`pageerror: ${e.message}`));
  return page;
}

const VITE_CONFIG = { viewer: 'vite.config.ts', studio: 'vite.studio.config.ts' } as const;

/** What a build of `app` is made from: its folder, the shared browser code, its vite config and the contracts it may import. */
const SOURCES = (app: 'viewer' | 'studio') => [
  path.join(ROOT, 'renderer', app),
  path.join(ROOT, 'renderer', 'shared'),
  path.join(ROOT, 'renderer', VITE_CONFIG[app]),
  ...['ipc-contract.ts', 'control-contract.ts', 'state-line.ts', 'media-chunk.ts', 'broadcast/types.ts'].map((f) => path.join(ROOT, 'electron', f)),
  path.join(ROOT, 'server', 'api'),
];

/** The newest modification time (ms) of the files under `paths` (test files included: close enough). */
function newestMtime(paths: string[]): number {
  let newest = 0;
  const visit = (p: string, depth: number) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (!st.isDirectory()) return void (newest = Math.max(newest, st.mtimeMs));
    if (depth > 12) return;
    for (const name of readdirSync(p)) if (name !== 'node_modules') visit(path.join(p, name), depth + 1);
  };
  for (const p of paths) visit(p, 0);
  return newest;
}

/**
 * dist/renderer/<app>, built with vite first when it has no index.html, when `rebuild` is true, or, with
 * `rebuild: 'stale'`, when a source is newer than the build. Throws (an assertion) when the build fails.
 */
export function builtApp(app: 'viewer' | 'studio', rebuild: boolean | 'stale' = false): string {
  const dist = path.join(ROOT, 'dist', 'renderer', app);
  const index = path.join(dist, 'index.html');
  const stale = rebuild === 'stale' && existsSync(index) && newestMtime(SOURCES(app)) > statSync(index).mtimeMs;
  if (existsSync(index) && rebuild !== true && !stale) return dist;
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const config = path.join(ROOT, 'renderer', VITE_CONFIG[app]);
  const r = spawnSync(process.execPath, [vite, 'build', '--config', config, '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit', timeout: 120_000 });
  assert.equal(r.status, 0, `vite build of the ${app} failed`);
  return dist;
}

/**
 * A loopback site with hls.js (from node_modules) and an empty page, for tests that play a stream in Chromium with
 * hls.js itself (a page at about:blank may not reach loopback).
 */
export async function startHlsJsSite(): Promise<{ base: string; close(): void }> {
  const hlsJs = readFileSync(path.join(ROOT, 'node_modules', 'hls.js', 'dist', 'hls.min.js'));
  const site = createServer((req, res) => {
    if (req.url === '/hls.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(hlsJs);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/hls.min.js"></script><body></body>');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(site.address() as AddressInfo).port}`, close: () => site.close() };
}

/** Registers `username` through the page's own fetch (on /settings), so the session cookie lands in its context. */
export async function registerInPage(page: Page, username: string, password = `pw-${username}-123456`): Promise<void> {
  await page.goto('/settings');
  const status = await page.evaluate(
    async ([u, p]) => {
      const body = JSON.stringify({ username: u, password: p, session: 'cookie' });
      const r = await fetch('/api/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return r.status;
    },
    [username, password] as const,
  );
  assert.equal(status, 201, `registering ${username}`);
}

/** The Studio's first screen answered as a streamer with their own server would: Custom RTMP, a URL and `key`. */
export async function useCustomServer(page: Page, key: string): Promise<void> {
  await page.getByRole('tab', { name: 'Custom RTMP' }).click();
  await page.getByLabel('RTMP server URL').fill('rtmp://127.0.0.1:1935/live');
  await page.getByLabel('Stream key').fill(key);
  await page.getByRole('button', { name: 'Use this server' }).click();
}

/** Saves a scenes file from the Studio's page through the dev bridge, as the Studio does; whether main took it. */
export async function saveScenesThroughBridge(page: Page, json: string): Promise<boolean> {
  const r = await page.evaluate(async (body) => {
    const res = await fetch('/bridge/invoke/scenes:save', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-onair-bridge': '1' },
      body: JSON.stringify({ json: body }),
    });
    return (await res.json()) as { ok: boolean };
  }, json);
  return r.ok;
}

/**
 * Turns the Studio's remote control on from its page, on a free port, and reads back where an obs-websocket client
 * connects and with which password (as a streamer copies them into a Stream Deck tool).
 */
export async function turnOnRemoteControl(page: Page): Promise<{ url: string; password: string }> {
  // Its section opens on a click, and a second click closes it: opened only when closed.
  if (!(await page.getByLabel('Control port').isVisible())) await page.getByText(/^Remote control/).click();
  await page.getByLabel('Control port').fill(String(await freePort()));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const info = (await page.getByTestId('control-connect-info').textContent()) ?? '';
  const [, port, password] = /port (\d+), password (\S+)/.exec(info) ?? [];
  assert.ok(port && password, info);
  return { url: `ws://127.0.0.1:${port}`, password };
}

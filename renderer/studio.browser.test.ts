// Onair Studio's UI in Chromium through the dev bridge (no Electron): a real Onair server (startTestServer), the dev
// bridge hosting the Studio core and the pipeline, the built Studio. Registers through the UI, picks the test
// pattern, goes live, watches the health figures change, chats with a viewer (socket.io-client), stops.
import os from 'node:os';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import { CHAT_PATH, type ChatMessage } from '../server/api/chat.js';
import { builtApp, CHROMIUM, CHROMIUM_ARGS } from '../server/test-support/browser.js';
import { ffmpegPath as FFMPEG, freePort } from '../server/test-support/process.js';
import { api, startTestServer, type TestServer } from '../server/test-support/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist', 'renderer', 'studio');
// Screenshots for the README are refreshed with ONAIR_SCREENSHOTS=1; other runs write them to a temp folder.
const SHOTS = process.env.ONAIR_SCREENSHOTS ? path.join(ROOT, 'docs', 'screenshots') : path.join(os.tmpdir(), 'onair-screenshots');
const STEP_MS = 20_000;

describe('Onair Studio in Chromium through the dev bridge', { timeout: 210_000 }, () => {
  let server: TestServer;
  let bridge: DevBridge;
  let browser: Browser;
  let page: Page;
  let viewer: Socket | undefined;
  const pageErrors: string[] = [];
  const username = `studio${Date.now().toString(36).slice(-5)}`;

  before(async () => {
    builtApp('studio', Boolean(process.env.ONAIR_REBUILD_STUDIO));
    // A fixed free RTMP port, so the server's rtmpUrl (what /api/me/channel tells the Studio) is the real one: with
    // ONAIR_RTMP_PORT=0 the server would advertise port 0.
    const rtmpPort = await freePort();
    server = await startTestServer({ ONAIR_RTMP_PORT: String(rtmpPort), ONAIR_RTMP_PUBLIC_URL: `rtmp://127.0.0.1:${rtmpPort}/live` });
    bridge = await startDevBridge({ staticDir: DIST, ffmpegPath: FFMPEG });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    page = await ctx.newPage();
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  });

  after(async () => {
    viewer?.disconnect();
    await browser?.close().catch(() => {});
    await bridge?.close().catch(() => {});
    await server?.stop().catch(() => {});
  });

  test('sign up, go live with the test pattern, health, chat with a viewer, invite, stop', async () => {
    await page.goto(bridge.url);
    await page.getByRole('status').filter({ hasText: 'Not live' }).waitFor();

    // Register through the UI.
    await page.getByLabel('Server URL').fill(server.base);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(`pw-${username}-123456`);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('account').filter({ hasText: username }).waitFor();

    // The key is masked; the reveal asks main for it.
    const masked = await page.getByTestId('stream-key').textContent();
    assert.match(masked ?? '', /•/);
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.getByRole('button', { name: 'Hide' }).waitFor();
    const full = (await page.getByTestId('stream-key').textContent()) ?? '';
    assert.doesNotMatch(full, /•/);
    assert.ok(full.length > 8 && full.startsWith(masked!.slice(0, 4)));
    await page.getByRole('button', { name: 'Hide' }).click();

    // Test pattern, low-bandwidth preset, and a preview frame grabbed by main.
    await page.getByTestId('source').selectOption('test');
    await page.getByTestId('preset').selectOption('Low bandwidth 480p');
    await page.locator('[data-testid="preview"] img').waitFor();

    // A viewer on the channel's chat (anonymous viewers may read public chats).
    const messages: ChatMessage[] = [];
    viewer = io(server.base, { path: CHAT_PATH, transports: ['websocket'], reconnection: false });
    viewer.on('message', (m: ChatMessage) => messages.push(m));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('viewer could not join')), STEP_MS);
      viewer!.on('connect', () =>
        viewer!.emit('join', { channel: username }, (ack: { ok: boolean }) => {
          clearTimeout(t);
          if (ack.ok) resolve();
          else reject(new Error(`join refused: ${JSON.stringify(ack)}`));
        }),
      );
    });

    // Go Live.
    await page.getByRole('button', { name: 'Go Live' }).click();
    await page.locator('[data-testid="state"][data-state="live"]').waitFor({ timeout: 30_000 });
    assert.match((await page.getByTestId('state').textContent()) ?? '', /Live \d\d:\d\d/);

    // Health figures that change over time.
    await page.waitForFunction(() => /\d+ kb\/s/.test(document.querySelector('[data-testid="health-bitrate"]')?.textContent ?? ''), undefined, {
      timeout: 15_000,
    });
    const up1 = await page.getByTestId('health-uptime').textContent();
    await page.waitForFunction((u) => document.querySelector('[data-testid="health-uptime"]')?.textContent !== u, up1, { timeout: 10_000 });
    const fps = Number(await page.getByTestId('health-fps').textContent());
    assert.ok(fps > 0, `fps ${fps}`);

    // The server sees the channel live.
    const ch = (await (await fetch(`${server.base}/api/channels/${username}`)).json()) as { live: boolean };
    assert.equal(ch.live, true);

    // Chat from the Studio (signed in through the bridge's proxy, which adds the bearer) reaches the viewer.
    const chat = page.getByTestId('chat');
    await chat.locator('[data-status="joined"]').or(page.locator('[data-testid="chat"][data-status="joined"]')).first().waitFor();
    await chat.getByLabel('Send a message').fill('hello from the studio');
    await chat.getByRole('button', { name: 'Send' }).click();
    await chat.locator('.chat__text', { hasText: 'hello from the studio' }).waitFor();
    for (let i = 0; i < 50 && !messages.some((m) => m.text === 'hello from the studio'); i++) await new Promise((r) => setTimeout(r, 100));
    const got = messages.find((m) => m.text === 'hello from the studio');
    assert.ok(got, 'the viewer received the message');
    assert.equal(got.author.name, username);
    // The viewer is counted, once; the Studio's own chat connection is the streamer's, not a viewer's.
    await page.waitForFunction(() => document.querySelector('[data-testid="viewers"]')?.textContent?.trim() === '1 viewer', undefined, {
      timeout: 10_000,
    });

    // Invite link through main.
    await page.getByRole('button', { name: 'Copy invite link' }).click();
    // The server was reached at 127.0.0.1 (ONAIR_PUBLIC_URL unset): the link a friend gets carries that address.
    assert.match((await page.getByTestId('invite-url').textContent()) ?? '', new RegExp(`^${server.base.replace(/\./g, '\\.')}/i/[\\w-]+$`));

    // Phone setup: the Larix link and its QR code, drawn as an image.
    await page.getByText('Stream from a phone').click();
    await page.getByRole('button', { name: 'Show phone setup' }).click();
    assert.match(await page.getByTestId('larix-link').inputValue(), /^larix:\/\/set\/v1\?conn/);
    const qr = page.getByRole('img', { name: /QR code/ });
    await qr.waitFor({ timeout: 5_000 });
    assert.ok((await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth)) > 0, 'QR code rendered');

    // A few seconds live, for the figures to move and the screenshot.
    await page.waitForFunction(
      () => /00:0[3-9]|00:[1-9]\d/.test(document.querySelector('[data-testid="health-uptime"]')?.textContent ?? ''),
      undefined,
      { timeout: 15_000 },
    );
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'studio.png') });

    // The monitor: the channel as viewers get it, invite-only here, so through a media token main fetched.
    const token = (await api(server.base, 'POST', '/api/auth/login', { username, password: `pw-${username}-123456` })).body.token as string;
    assert.equal((await api(server.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, token)).status, 200);
    const mediaUrls: string[] = [];
    page.on('request', (r) => {
      if (/\/(hls|vod)\//.test(r.url())) mediaUrls.push(r.url());
    });
    await page.getByRole('button', { name: 'Watch as viewers do' }).click();
    const monitor = page.getByRole('region', { name: 'Your stream as viewers see it' });
    await monitor.and(page.locator('[data-state="playing"]')).waitFor({ timeout: 30_000 });
    await monitor.locator('.live-badge__latency').waitFor({ timeout: 15_000 });
    const latency = Number(/([\d.]+) s/.exec((await monitor.locator('.live-badge__latency').textContent()) ?? '')?.[1]);
    assert.ok(latency > 0 && latency < 15, `latency badge ${latency}`);
    assert.ok(await monitor.locator('video').evaluate((v) => (v as HTMLVideoElement).muted), 'the monitor starts muted');
    assert.ok(
      mediaUrls.some((u) => /\/hls\/[^/]+\/index\.m3u8\?t=/.test(u)),
      `the master was asked for with a media token: ${mediaUrls[0]}`,
    );
    assert.ok(!mediaUrls.some((u) => u.includes(full) || u.includes(token)), 'no stream key or account token in media URLs');
    await page.screenshot({ path: path.join(SHOTS, 'studio-monitor.png') });
    await page.getByRole('button', { name: 'Show the source preview' }).click();
    await page.locator('[data-testid="preview"] img').waitFor();
    await api(server.base, 'PATCH', '/api/me/channel', { visibility: 'public' }, token);

    // Stop.
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('[data-testid="state"][data-state="ended"]').waitFor({ timeout: 15_000 });

    // The bridge refuses what the contract does not allow.
    const bad = await page.evaluate(async () => {
      const r = await fetch('/bridge/invoke/broadcast:start', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-onair-bridge': '1' },
        body: JSON.stringify({ settings: { source: { kind: 'file', path: '/etc/passwd' } } }),
      });
      const u = await fetch('/bridge/invoke/shell:exec', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-onair-bridge': '1' },
        body: '{}',
      });
      return [await r.json(), await u.json()];
    });
    assert.equal(bad[0].error.code, 'bad_request');
    assert.equal(bad[1].error.code, 'unknown_channel');

    // No secret in the page's storage, and no page errors.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    assert.ok(!stored.includes(full), 'the stream key is not stored by the page');
    assert.deepEqual(pageErrors, []);
  });

  test("live with 8 s keyframes, the Studio shows the server's keyframe warning with the fix", async () => {
    await page.getByLabel('Keyframe (s)').fill('8');
    await page.getByRole('button', { name: 'Go Live' }).click();
    await page.locator('[data-testid="state"][data-state="live"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('keyframe-warning').count(), 0);
    // Three keyframes 8 s apart, then the Studio's next poll.
    const warning = page.getByTestId('keyframe-warning');
    await warning.waitFor({ timeout: 45_000 });
    const text = (await warning.textContent()) ?? '';
    assert.match(text, /every 8 s/);
    assert.match(text, /Output Mode "Advanced" → Streaming tab → Keyframe Interval: 1 s/);
    await page.screenshot({ path: path.join(SHOTS, 'studio-keyframe-warning.png') });
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('[data-testid="state"][data-state="ended"]').waitFor({ timeout: 15_000 });
    await warning.waitFor({ state: 'detached', timeout: 15_000 });
    assert.deepEqual(pageErrors, []);
  });
});

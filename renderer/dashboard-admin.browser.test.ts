// The streamer's dashboard and the operator's /admin page in Chromium (playwright-core) against a real server with
// a real ffmpeg publisher: the dashboard's uPlot charts draw the stream's real samples, /admin lists the live stream
// and draws the server's charts, its Reset key (after the confirmation) cuts the publisher off, and /admin is
// refused to anyone else: signed out gets the sign-in forms, a signed-in non-admin the 403 card.
// ONAIR_SCREENSHOTS=1 writes dashboard.png and admin.png into docs/screenshots.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { UsersRepo } from '../server/db/users.js';
import { builtApp, CHROMIUM, CHROMIUM_ARGS, registerInPage } from '../server/test-support/browser.js';
import { waitFor } from '../server/test-support/process.js';
import { publish, startTestServer, type Publisher, type TestServer } from '../server/test-support/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = process.env.ONAIR_SCREENSHOTS ? path.join(ROOT, 'docs', 'screenshots') : path.join(tmpdir(), 'onair-screenshots');
const STEP_MS = 20_000;

let server: TestServer;
let browser: Browser;
let profileDir: string;
const contexts: BrowserContext[] = [];
const publishers: Publisher[] = [];
/** Page errors and Content-Security-Policy violations of every page (the charts must live with the site's CSP). */
const pageProblems: string[] = [];

async function newPage(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: server.base });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageProblems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) pageProblems.push(m.text());
  });
  return page;
}

/** Pixels of a chart's canvas drawn in its series colour (r, g, b within a few steps): the line itself, not the axes. */
async function seriesPixels(page: Page, testId: string, rgb: [number, number, number]): Promise<number> {
  return page.getByTestId(testId).evaluate((el, [r, g, b]) => {
    const canvas = el.querySelector('canvas');
    if (!canvas || canvas.width === 0) return 0;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) < 12 && Math.abs(data[i + 1] - g) < 12 && Math.abs(data[i + 2] - b) < 12) n++;
    }
    return n;
  }, rgb);
}

describe('dashboard and /admin in Chromium', { timeout: 240_000 }, () => {
  let streamer: Page;
  let operator: Page;

  before(async () => {
    builtApp('viewer', !!process.env.ONAIR_REBUILD);
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ ONAIR_GRACE_SECONDS: '0', ONAIR_METRICS_SECONDS: '1' });
    profileDir = mkdtempSync(path.join(tmpdir(), 'onair-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profileDir } });
    streamer = await newPage();
    await registerInPage(streamer, 'nightowl');
    operator = await newPage();
    await registerInPage(operator, 'operator');
    const users = new UsersRepo(server.db);
    await users.setAdmin((await users.byUsername('operator'))!.id, true);
    const key = await streamer.evaluate(async () => (await (await fetch('/api/me/channel')).json()).streamKey as string);
    publishers.push(publish(`${server.rtmpBase}/${key}`, { fps: 30, size: '640x360' }));
    await waitFor('nightowl live', () => server.streams.isPublishing('nightowl'), STEP_MS, 50);
  });

  after(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test('the dashboard draws the live stream’s real viewers, bitrate, frame rate and chat charts', async () => {
    // Someone watches and says hello in the chat.
    await operator.goto('/c/nightowl');
    const input = operator.getByPlaceholder('Send a message');
    await input.waitFor();
    await input.fill('hello from the back row');
    await input.press('Enter');
    await waitFor(
      'samples with media, a viewer and chat',
      async () => {
        const s = await streamer.evaluate(async () => {
          const list = await (await fetch('/api/me/streams')).json();
          const m = await (await fetch(`/api/me/streams/${list.streams[0].id}/metrics`)).json();
          return m.series as { bitrateKbps: number[]; viewers: number[]; chatPerMinute: number[] };
        });
        return s.bitrateKbps.filter((b) => b > 0).length >= 6 && s.viewers.some((v) => v > 0) && s.chatPerMinute.some((c) => c > 0);
      },
      40_000,
      500,
    );
    await streamer.goto('/dashboard');
    await streamer.getByTestId('stream-charts').waitFor();
    assert.match((await streamer.getByTestId('stream-picker').locator('option').first().textContent()) ?? '', /^Live now/);
    for (const [id, rgb] of [
      ['chart-bitrate', [0x4c, 0xc3, 0xff]],
      ['chart-fps', [0x5b, 0xd4, 0x9a]],
      ['chart-viewers', [0x9b, 0x85, 0xff]],
      ['chart-chat', [0xf5, 0xa5, 0x24]],
    ] as const) {
      await streamer.getByTestId(id).locator('canvas').waitFor();
      const n = await waitFor(`${id} drawn`, async () => (await seriesPixels(streamer, id, [...rgb])) || false, STEP_MS, 250);
      assert.ok(n > 100, `${id}: ${n} pixels of its line`);
    }
    assert.notEqual(await streamer.getByTestId('peak-viewers').textContent(), '0');
    await streamer.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });
  });

  test('/admin shows the live stream row and the server’s charts to an admin', async () => {
    await operator.goto('/admin');
    const row = operator.getByTestId('stream-row-nightowl');
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    assert.match(text, /640×360/);
    assert.match(text, /kb\/s/);
    assert.match(text, /127\.0\.0\.1/, 'the publisher address, as /stat shows it');
    await operator.getByTestId('system-cpu').locator('canvas').waitFor();
    const memory = await waitFor(
      'memory chart drawn',
      async () => (await seriesPixels(operator, 'system-memory', [0x4c, 0xc3, 0xff])) || false,
      STEP_MS,
      500,
    );
    assert.ok(memory > 50, `memory line: ${memory} pixels`);
    await operator.getByTestId('user-row-nightowl').waitFor();
    await operator.screenshot({ path: path.join(SHOTS, 'admin.png'), fullPage: true });
  });

  test('Reset key asks first, then cuts the live publisher off', async () => {
    const live = publishers[0];
    await operator.getByTestId('user-row-nightowl').getByRole('button', { name: 'Reset key' }).click();
    const dialog = operator.getByTestId('admin-confirm');
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /Reset nightowl’s stream key\?/);
    assert.equal(server.streams.isPublishing('nightowl'), true, 'nothing happens before the confirmation');
    await dialog.getByRole('button', { name: 'Yes' }).click();
    await operator.getByText('nightowl has a new stream key.').waitFor();
    await Promise.race([live.exit, new Promise((_, no) => setTimeout(() => no(new Error('publisher not dropped')), STEP_MS))]);
  });

  test('/admin is refused: a signed-in non-admin gets the 403 card, signed out gets the sign-in forms', async () => {
    await streamer.goto('/admin');
    await streamer.getByTestId('admin-forbidden').waitFor();
    assert.match((await streamer.getByTestId('admin-forbidden').textContent()) ?? '', /Admins only/);
    assert.equal(await streamer.getByTestId('admin-streams').count(), 0);
    const status = await streamer.evaluate(async () => (await fetch('/api/admin/overview')).status);
    assert.equal(status, 403);

    const anonymous = await newPage();
    await anonymous.goto('/admin');
    await anonymous.locator('#sign-in').waitFor();
    assert.equal(await anonymous.getByTestId('admin-forbidden').count(), 0);
    assert.equal(await anonymous.evaluate(async () => (await fetch('/api/admin/overview')).status), 401);
  });

  test('no page error and no Content-Security-Policy violation', () => {
    assert.deepEqual(pageProblems, []);
  });
});

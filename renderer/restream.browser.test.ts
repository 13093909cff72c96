// Settings → Restream in a real browser (Chromium) against a real server, nginx-rtmp as the destination and a real
// ffmpeg publisher: the Twitch preset fills the address, a bad address is refused in words, the key is never on the
// page after saving, and the row says "Live" with a bitrate while the channel is live, then waits again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { builtApp, CHROMIUM, CHROMIUM_ARGS, registerInPage } from '../server/test-support/browser.js';
import { nginxRtmpAvailable, startNginxRtmp, type NginxRtmp } from '../server/test-support/nginx-rtmp.js';
import { publish, startTestServer, type Publisher, type TestServer } from '../server/test-support/server.js';

const STEP_MS = 20_000;
const KEY = 'nginx-browser-key-4d5e6f';

describe('restream settings in Chromium', { skip: !nginxRtmpAvailable() && 'nginx-rtmp not installed', timeout: 240_000 }, () => {
  let server: TestServer;
  let nginx: NginxRtmp;
  let browser: Browser;
  let profileDir: string;
  let pub: Publisher | undefined;

  before(async () => {
    // Built again only when its sources are newer: a build empties dist/renderer/viewer, which the tests running
    // beside this one serve (they would answer 503, "viewer app not built", meanwhile).
    builtApp('viewer', 'stale');
    server = await startTestServer({ ONAIR_GRACE_SECONDS: '0', ONAIR_RESTREAM_ALLOW_PRIVATE: '1' });
    nginx = await startNginxRtmp();
    profileDir = mkdtempSync(path.join(tmpdir(), 'onair-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profileDir } });
  });
  after(async () => {
    pub?.proc.kill('SIGKILL');
    await browser?.close().catch(() => {});
    await server?.stop();
    await nginx?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test('add with a preset and a custom address, key hidden, status live while streaming', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: server.base });
    const page = await ctx.newPage();
    page.setDefaultTimeout(STEP_MS);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await registerInPage(page, 'rosa');
    await page.goto('/settings');
    const section = page.locator('section[aria-labelledby="destinations-title"]');
    await section.getByText('No destinations yet.').waitFor();

    await section.getByLabel('Service').selectOption('Twitch');
    assert.equal(await section.getByLabel('Server URL').inputValue(), 'rtmp://live.twitch.tv/app');
    assert.equal(await section.getByLabel('Name').inputValue(), 'Twitch');

    await section.getByLabel('Name').fill('Home nginx');
    await section.getByLabel('Server URL').fill('http://127.0.0.1/live');
    await section.getByLabel('Stream key', { exact: true }).fill(KEY);
    await section.getByRole('button', { name: 'Add destination' }).click();
    await section
      .getByRole('alert')
      .getByText(/must start with rtmp:\/\/ or rtmps:\/\//)
      .waitFor();

    await section.getByLabel('Server URL').fill(nginx.rtmpBase);
    await section.getByRole('button', { name: 'Add destination' }).click();
    const row = section.getByTestId('destinations').locator('tbody tr');
    await row.getByText('Home nginx').waitFor();
    await row.getByTestId('destination-status').getByText('Waits for you to go live').waitFor();
    assert.equal(await section.getByLabel('Stream key', { exact: true }).inputValue(), '', 'the key field is emptied');
    assert.ok(!(await page.content()).includes(KEY), 'the key is nowhere on the page');

    const channel = await page.evaluate(async () => (await fetch('/api/me/channel')).json());
    pub = publish(`${server.rtmpBase}/${channel.streamKey}`);
    await row
      .getByTestId('destination-status')
      .getByText(/^Live, [1-9]\d* kb\/s/)
      .waitFor({ timeout: 40_000 });

    pub.proc.kill('SIGINT');
    await pub.exit;
    await row.getByTestId('destination-status').getByText('Waits for you to go live').waitFor({ timeout: 30_000 });

    await row.getByRole('button', { name: /Delete destination/ }).click();
    await section.getByText('No destinations yet.').waitFor();
    assert.deepEqual(errors, []);
    await ctx.close();
  });
});

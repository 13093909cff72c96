// The home page's live lists in a real browser (Chromium) against a real server with a real ffmpeg publisher: a
// follower's "Following, live now" and a visitor's "Live now" show the channel within 2 s of it going live and drop
// it within 2 s of its end (the lists poll only every 30 s: this is the chat connection's events). And the settings
// page's webhooks: add one, send a test and see how it went, the URL shown masked, a bad URL refused, delete.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { builtApp, CHROMIUM, CHROMIUM_ARGS, registerInPage } from '../server/test-support/browser.js';
import { waitFor } from '../server/test-support/process.js';
import { newStreamer, publish, startTestServer, type Publisher, type TestServer } from '../server/test-support/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../server/test-support/webhook-receiver.js';

const STEP_MS = 20_000;
/** How soon after the server's own event a list must show it ("at once": the fallback poll is 30 s). */
const PROMPT_MS = 2000;

let server: TestServer;
let browser: Browser;
let profileDir: string;
const contexts: BrowserContext[] = [];
const publishers: Publisher[] = [];
const pageErrors: string[] = [];

async function newPage(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: server.base });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  return page;
}

/**
 * When the server says `channel` went `event`; fails after 90 s, saying what did not come (CI once hung here). A
 * stream that ends before its first segment ends as 'ended-empty': for the lists that is an end like any other.
 */
function when(event: 'live' | 'ended', channel: string): Promise<number> {
  const names = event === 'ended' ? (['ended', 'ended-empty'] as const) : (['live'] as const);
  const at = new Promise<number>((resolve, reject) => {
    const off = () => {
      for (const name of names) server.streams.off(name, on);
    };
    const on = (e: { channel: string }) => {
      if (e.channel !== channel) return;
      clearTimeout(timer);
      off();
      resolve(Date.now());
    };
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `no '${names.join("' or '")}' for ${channel} within 90 s (stream now: ${JSON.stringify(server.streams.get(channel)?.segments ?? 'none')} segments)`,
        ),
      );
    }, 90_000);
    for (const name of names) server.streams.on(name, on);
  });
  // Awaited later: a failure before then is not an unhandled rejection.
  at.catch(() => {});
  return at;
}

/** Chat connections the server holds now: signed-in usernames, and how many are anonymous. */
function chatConnections(): { users: string[]; anonymous: number } {
  const sockets = [...server.chat.io.of('/').sockets.values()];
  const users = sockets.flatMap((s) => (s.data.identity?.kind === 'user' ? [s.data.identity.username] : []));
  return { users, anonymous: sockets.filter((s) => !s.data.identity).length };
}

describe('live lists and webhook settings in Chromium', { timeout: 240_000 }, () => {
  before(async () => {
    builtApp('viewer');
    server = await startTestServer({ ONAIR_GRACE_SECONDS: '0', ONAIR_WEBHOOKS_ALLOW_PRIVATE: '1' });
    profileDir = mkdtempSync(path.join(tmpdir(), 'onair-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profileDir } });
  });

  after(async () => {
    for (const p of publishers) p.proc.kill('SIGKILL');
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test('"Following, live now" and "Live now" show a channel within 2 s of going live and drop it within 2 s of its end', async () => {
    const star = await newStreamer(server.base, 'gina');
    const fan = await newPage();
    await registerInPage(fan, 'fred');
    const followed = await fan.evaluate(async () => (await fetch('/api/channels/gina/follow', { method: 'POST' })).status);
    assert.equal(followed, 200);
    const visitor = await newPage();

    await fan.goto('/');
    await visitor.goto('/');
    const following = fan.locator('section[aria-labelledby="following-title"]');
    await following.getByText('Nobody you follow is live right now.').waitFor();
    const fanLive = fan.locator('section[aria-labelledby="live-title"]');
    const visitorLive = visitor.locator('section[aria-labelledby="live-title"]');
    await visitorLive.getByText('Nobody is live right now.').waitFor();
    // Both pages hold their chat connection before the stream starts (events are not replayed to late joiners).
    await waitFor('both pages connected to chat', () => {
      const c = chatConnections();
      return c.users.includes('fred') && c.anonymous >= 1;
    });

    const card = (where: typeof following) => where.getByRole('link', { name: /by gina, live/ });
    const liveAt = when('live', 'gina');
    const endedAt = when('ended', 'gina');
    const pub = publish(`${server.rtmpBase}/${star.channel.streamKey}`);
    publishers.push(pub);
    const started = await liveAt;
    await Promise.all([
      card(following).waitFor({ timeout: 10_000 }),
      card(fanLive).waitFor({ timeout: 10_000 }),
      card(visitorLive).waitFor({ timeout: 10_000 }),
    ]);
    const shownAfter = Date.now() - started;
    assert.ok(shownAfter < PROMPT_MS, `listed ${shownAfter} ms after going live`);
    await fan.getByTestId('toast').filter({ hasText: 'gina is live' }).waitFor();

    pub.proc.kill('SIGINT');
    const ended = await endedAt;
    await Promise.all([
      following.getByText('Nobody you follow is live right now.').waitFor({ timeout: 10_000 }),
      visitorLive.getByText('Nobody is live right now.').waitFor({ timeout: 10_000 }),
      card(fanLive).waitFor({ state: 'detached', timeout: 10_000 }),
    ]);
    const goneAfter = Date.now() - ended;
    assert.ok(goneAfter < PROMPT_MS, `dropped ${goneAfter} ms after the end`);
    assert.deepEqual(pageErrors, []);
  });

  test('settings: add a webhook, send a test and see it delivered, the URL masked; a bad URL is refused; delete', async () => {
    let receiver: WebhookReceiver | undefined;
    try {
      receiver = await startWebhookReceiver();
      const page = await newPage();
      await registerInPage(page, 'sam');
      await page.goto('/settings');
      const section = page.locator('section[aria-labelledby="webhooks-title"]');
      await section.getByText('No webhooks yet.').waitFor();

      await section.getByLabel('Webhook URL').fill('ftp://example.com/hook');
      await section.getByRole('button', { name: 'Add webhook' }).click();
      await section.getByRole('alert').getByText('Only http:// and https:// webhook addresses are supported.').waitFor();

      const url = receiver.url('/api/webhooks/42/SamsSecretDiscordToken');
      await section.getByLabel('Webhook URL').fill(url);
      await section.getByLabel('Format').selectOption('discord');
      await section.getByRole('button', { name: 'Add webhook' }).click();
      const row = section.getByTestId('webhooks').locator('tbody tr');
      await row.waitFor();
      assert.equal(await row.count(), 1);
      const text = (await section.textContent()) ?? '';
      assert.ok(!text.includes('SamsSecretDiscordToken'), 'the token is not shown');
      assert.match(text, /…oken/);
      await row.getByTestId('webhook-last').getByText('Nothing sent yet').waitFor();

      await row.getByRole('button', { name: /Send a test/ }).click();
      await row
        .getByTestId('webhook-last')
        .getByText(/Test delivered \(HTTP 204\)/)
        .waitFor();
      assert.equal(receiver.received.length, 1);
      assert.match(receiver.received[0].body.content, /^Test from Onair: \*\*sam\*\*/);

      await row.getByRole('button', { name: /Delete webhook/ }).click();
      await section.getByText('No webhooks yet.').waitFor();
      assert.deepEqual(pageErrors, []);
    } finally {
      await receiver?.close();
    }
  });
});

// Chat modes and moderators in Chromium with real browser contexts against a real server: the owner sets modes on
// the settings page (and through the API), the viewer's input box shows them and the server refuses what they
// forbid (slow mode with a countdown, blocked look-alike spellings, followers only, the first-message delay,
// signed-in only for a guest from an invite); a moderator appointed from the chat's user menu gains the menu at once,
// bans a guest and hides their messages, switches slow mode from the chat panel (exempt from it), loses both when
// removed; the settings page lists moderators and the log; a message deleted while the chat joins stays deleted.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { builtApp, CHROMIUM, CHROMIUM_ARGS, registerInPage } from '../server/test-support/browser.js';
import type { ChatMessage } from '../server/api/chat.js';
import { connectChat, request } from '../server/test-support/chat-client.js';
import { waitFor } from '../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../server/test-support/server.js';

const SHOTS = path.join(tmpdir(), 'onair-screenshots');
const STEP_MS = 20_000;

let browser: Browser;
let profileDir: string;
let server: TestServer;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

async function newPage(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: server.base, deviceScaleFactor: 1 });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  return page;
}

/** A JSON request from inside the page (its cookies sign it). */
async function fetchIn(page: Page, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  return page.evaluate(
    async ([m, u, b]) => {
      const r = await fetch(u, {
        method: m,
        headers: b === undefined ? {} : { 'content-type': 'application/json' },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
    [method, url, body] as const,
  );
}

const openChat = async (page: Page, channel: string) => {
  await page.goto(`/c/${channel}`);
  await page.locator('[data-testid="chat"][data-status="joined"]').waitFor();
};
const say = async (page: Page, text: string) => {
  await page.getByLabel('Send a message').fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
};
const chatText = (page: Page) => page.locator('.chat__list').innerText();
const modes = (page: Page) => page.getByTestId('chat-modes');
const refusal = (page: Page, text: string | RegExp) => page.locator('.chat [role="alert"]').filter({ hasText: text }).waitFor();

describe('chat modes and moderators in Chromium', { timeout: 300_000 }, () => {
  before(async () => {
    builtApp('viewer');
    mkdirSync(SHOTS, { recursive: true });
    profileDir = mkdtempSync(path.join(tmpdir(), 'onair-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profileDir } });
    server = await startTestServer();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test('each mode is shown in the input box and enforced by the server; moderators come and go at once', async () => {
    const owner = await newPage();
    await registerInPage(owner, 'olga');
    const viewer = await newPage();
    await registerInPage(viewer, 'vic');

    // Slow mode and blocked terms from the settings page, whose saved modes arrive late (as on a busy machine): the
    // form must not take typing that the load would then overwrite.
    await owner.route('**/api/channels/olga/chat-settings', async (route) => {
      if (route.request().method() === 'GET') await new Promise((r) => setTimeout(r, 1500));
      await route.continue().catch(() => {}); // a page closed meanwhile
    });
    await owner.goto('/settings');
    const form = owner.getByTestId('chat-modes-form');
    await form.getByLabel(/Slow mode/).fill('3');
    await form.getByLabel(/Blocked terms/).fill('darn*');
    await form.getByRole('button', { name: 'Save chat modes' }).click();
    await form.getByText('Chat modes saved').waitFor();
    await owner.unroute('**/api/channels/olga/chat-settings');
    // The server holds the modes before anyone joins, so a failure below is the page's, not the save's.
    assert.equal((await fetchIn(viewer, 'GET', '/api/channels/olga/chat-settings')).body.slowModeSeconds, 3);
    // The viewer's chat answers (Socket.IO acks: engine.io '4' message, '3' ack) can be held back, as on a slow
    // connection: see 'moderator two' below.
    let ackDelayMs = 0;
    await viewer.routeWebSocket(/\/socket\.io\//, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((m) => upstream.send(m));
      upstream.onMessage((m) => {
        if (ackDelayMs > 0 && typeof m === 'string' && /^43\d/.test(m)) setTimeout(() => ws.send(m), ackDelayMs);
        else ws.send(m);
      });
    });
    await openChat(owner, 'olga');
    await openChat(viewer, 'olga');
    await modes(viewer).waitFor();
    assert.equal(await modes(viewer).innerText(), 'Slow mode: 3 s');

    await say(viewer, 'hello all');
    await owner.locator('.chat__text', { hasText: 'hello all' }).waitFor();
    await viewer
      .getByTestId('chat-modes')
      .getByText(/you can send again in \d s/)
      .waitFor();
    assert.equal(await viewer.getByRole('button', { name: 'Send', exact: true }).isDisabled(), true);
    await viewer.locator('.chat__wait').waitFor({ state: 'detached', timeout: 5000 });
    await say(viewer, 'DARNED thing');
    await refusal(viewer, 'a word or phrase this channel does not allow');
    await viewer.locator('.chat').screenshot({ path: path.join(SHOTS, 'chat-blocked-term.png') });

    // Followers only, through the API.
    assert.equal(
      (await fetchIn(owner, 'PATCH', '/api/channels/olga/chat-settings', { slowModeSeconds: null, blockedTerms: [], followersOnlyMinutes: 0 }))
        .status,
      200,
    );
    await modes(viewer).getByText('Followers only').waitFor();
    await say(viewer, 'let me in');
    await refusal(viewer, 'Only followers can chat');
    assert.ok((await fetchIn(viewer, 'POST', '/api/channels/olga/follow')).status < 300);
    await say(viewer, 'now I follow');
    await owner.locator('.chat__text', { hasText: 'now I follow' }).waitFor();

    // First-message delay: vic's account is minutes old.
    await fetchIn(owner, 'PATCH', '/api/channels/olga/chat-settings', { followersOnlyMinutes: null, firstMessageDelayMinutes: 5 });
    await modes(viewer).getByText('New accounts wait 5 min').waitFor();
    await say(viewer, 'too new');
    await refusal(viewer, /New accounts can chat here 5 minutes after signing up; you can in [45] minutes/);
    await fetchIn(owner, 'PATCH', '/api/channels/olga/chat-settings', { firstMessageDelayMinutes: null });
    await viewer.getByTestId('chat-modes').waitFor({ state: 'detached' });

    // Signed-in only: a guest from an invite is refused, the viewer is not.
    const invite = await fetchIn(owner, 'POST', '/api/me/invites', {});
    assert.equal(invite.status, 201);
    const guest = await newPage();
    await guest.goto(`/i/${invite.body.token}`);
    await guest.getByLabel('Your name').fill('Gus');
    await guest.getByRole('button', { name: 'Watch as a guest' }).click();
    await guest.locator('[data-testid="chat"][data-status="joined"]').waitFor();
    await say(guest, 'guest says hi');
    await owner.locator('.chat__text', { hasText: 'guest says hi' }).waitFor();
    await fetchIn(owner, 'PATCH', '/api/channels/olga/chat-settings', { signedInOnly: true });
    await modes(guest).getByText('Signed-in only').waitFor();
    await say(guest, 'guest again');
    await refusal(guest, 'Only signed-in users can chat here');
    await say(viewer, 'signed in is fine');
    await owner.locator('.chat__text', { hasText: 'signed in is fine' }).waitFor();

    // The owner appoints vic from the chat's user menu: vic's open page gets the menu at once.
    await say(owner, 'welcome');
    assert.equal(await viewer.getByRole('button', { name: 'Moderate olga' }).count(), 0);
    await owner.getByRole('button', { name: 'Moderate vic' }).first().click();
    await owner.getByRole('menuitem', { name: 'Make moderator' }).click();
    await owner.getByRole('status').filter({ hasText: 'vic is now a moderator.' }).waitFor();
    await viewer.getByRole('button', { name: 'Moderate olga' }).first().waitFor();

    // vic bans the guest and hides the guest's messages: gone from the owner's page too.
    await viewer.getByRole('button', { name: 'Moderate Gus' }).first().click();
    await viewer.getByRole('menuitem', { name: 'Ban and hide messages' }).click();
    await guest.getByText('You were removed from this chat.').waitFor();
    await owner.waitForFunction(() => !document.querySelector('.chat__list')?.textContent?.includes('guest says hi'));
    assert.ok(!(await chatText(viewer)).includes('guest says hi'));

    // A moderator switches modes from the chat panel, and is exempt from them.
    await viewer.getByRole('button', { name: 'Chat modes' }).click();
    await viewer.getByTestId('chat-mode-controls').getByLabel('Slow mode').selectOption('10');
    await modes(owner).getByText('Slow mode: 10 s · Signed-in only').waitFor();
    await owner.locator('.chat__system', { hasText: 'vic changed the chat modes: slow mode 10 s, signed-in only.' }).waitFor();
    // The next message is typed while the last one's answer is still on its way: the answer must not erase it.
    ackDelayMs = 1000;
    await say(viewer, 'moderator one');
    await viewer.getByLabel('Send a message').fill('moderator two');
    await viewer.locator('.chat__text', { hasText: 'moderator one' }).waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    ackDelayMs = 0;
    assert.equal(await viewer.getByLabel('Send a message').inputValue(), 'moderator two', 'typed while the last message was answered');
    await viewer.getByRole('button', { name: 'Send', exact: true }).click();
    await owner.locator('.chat__text', { hasText: 'moderator two' }).waitFor();

    // Removed again: the menu and the mode controls go at once.
    await owner.getByRole('button', { name: 'Moderate vic' }).first().click();
    await owner.getByRole('menuitem', { name: 'Remove moderator' }).click();
    await viewer.getByRole('button', { name: 'Moderate olga' }).first().waitFor({ state: 'detached' });
    await viewer.getByRole('button', { name: 'Chat modes' }).waitFor({ state: 'detached' });
    await viewer.getByTestId('chat-mode-controls').waitFor({ state: 'detached' });

    // Settings: appoint by username, and the log says who did what to whom.
    await owner.goto('/settings');
    const mods = owner.getByTestId('moderators');
    await mods.getByText('No moderators yet.').waitFor();
    await mods.getByLabel('Moderator username').fill('vic');
    await mods.getByRole('button', { name: 'Add moderator' }).click();
    await mods.getByRole('button', { name: 'Remove moderator vic' }).waitFor();
    await viewer.getByRole('button', { name: 'Moderate olga' }).first().waitFor();
    const log = owner.getByTestId('moderation-log');
    await log.getByRole('button', { name: 'Refresh' }).click();
    await log.getByText(/vic banned Gus/).waitFor();
    await log.getByText(/vic changed the chat modes — slow mode 10 s, signed-in only/).waitFor();
    await log.getByText(/olga removed as moderator: vic/).waitFor();
    await log
      .getByText(/olga made a moderator: vic/)
      .first()
      .waitFor();
    await owner.getByRole('region', { name: 'Chat moderation' }).screenshot({ path: path.join(SHOTS, 'settings-chat-moderation.png') });
  });

  test('a message deleted while the chat joins stays deleted when the history arrives', async () => {
    // The server joins the room, then reads the history, then answers: a deletion in between reaches the page before
    // the answer whose history still holds the message. Here the join's answer is held back at the page's WebSocket
    // until the deletion has passed it, which puts the two in that order every time.
    const dora = await newStreamer(server.base, 'dora');
    const doraChat = await connectChat(server.base, { token: dora.token });
    try {
      assert.equal((await request<{ ok: boolean }>(doraChat, 'join', { channel: 'dora' })).ok, true);
      const sent: Record<string, number> = {};
      for (const text of ['stays here', 'goes away']) {
        const ack = await request<{ ok: boolean; message: ChatMessage }>(doraChat, 'send', { channel: 'dora', text });
        assert.equal(ack.ok, true, JSON.stringify(ack));
        sent[text] = ack.message.id;
      }
      const viewer = await newPage();
      await registerInPage(viewer, 'wanda');
      let upgraded = false;
      let holdJoinAnswer = false;
      let sendHeldAnswer: () => void = () => {};
      let answerHeld: () => void = () => {};
      const held = new Promise<void>((resolve) => (answerHeld = resolve));
      let deletionPassed: () => void = () => {};
      const deletionSeen = new Promise<void>((resolve) => (deletionPassed = resolve));
      await viewer.routeWebSocket(/\/socket\.io\//, (ws) => {
        const upstream = ws.connectToServer();
        ws.onMessage((m) => {
          if (m === '5') upgraded = true; // engine.io's upgrade: from here every packet goes over this socket
          upstream.send(m);
        });
        upstream.onMessage((m) => {
          const text = typeof m === 'string' ? m : '';
          if (holdJoinAnswer && /^43\d/.test(text) && text.includes('goes away')) {
            holdJoinAnswer = false;
            sendHeldAnswer = () => ws.send(m);
            answerHeld();
            return;
          }
          if (text.startsWith('42["deleted"')) deletionPassed();
          ws.send(m);
        });
      });
      // The viewer's socket joins its own channel's chat first and moves to WebSocket; then the page goes to dora's
      // channel without reloading (the app's router), so that join goes over the routed WebSocket.
      await openChat(viewer, 'wanda');
      await waitFor('the chat socket on WebSocket', async () => upgraded, STEP_MS, 50);
      holdJoinAnswer = true;
      await viewer.evaluate(() => {
        history.pushState(null, '', '/c/dora');
        dispatchEvent(new PopStateEvent('popstate'));
      });
      await held;
      const del = await request<{ ok: boolean }>(doraChat, 'delete', { channel: 'dora', messageId: sent['goes away'] });
      assert.equal(del.ok, true, JSON.stringify(del));
      await deletionSeen;
      sendHeldAnswer();
      await viewer.locator('[data-testid="chat"][data-status="joined"]').waitFor();
      await viewer.locator('.chat__text', { hasText: 'stays here' }).waitFor();
      // Anything the answer's history brought back would be in the list by now: it is shown in the same render.
      assert.deepEqual(await viewer.locator('.chat__text').allTextContents(), ['stays here']);
    } finally {
      doraChat.disconnect();
    }
  });

  test('no page error', () => {
    assert.deepEqual(pageErrors, []);
  });
});

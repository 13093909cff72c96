// The viewer app in Chromium against real servers: channel tags as chips that show what will be saved (a
// several-word tag stays one), a run of "is live" / "has ended" lines folded in the chat, and the create-account
// card under each ONAIR_SIGNUPS mode (signing up on an invite page when sign-ups are by invitation).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AccountsService } from '../server/db/accounts.js';
import { ChatRepo } from '../server/db/chat.js';
import { builtApp, CHROMIUM, CHROMIUM_ARGS, registerInPage } from '../server/test-support/browser.js';
import { api, startTestServer, type TestServer } from '../server/test-support/server.js';

const SHOTS = path.join(tmpdir(), 'onair-screenshots');
const STEP_MS = 20_000;

let browser: Browser;
let profileDir: string;
const servers: TestServer[] = [];
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

async function newPage(base: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base, deviceScaleFactor: 1 });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  return page;
}

/** The chips' tags, in order, and which of them are still being typed. */
const chips = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="tag-chips"] [data-tag]')].map((li) => ({
      tag: li.getAttribute('data-tag'),
      typed: li.classList.contains('tag--pending'),
    })),
  );

describe('tags, chat folding and sign-up modes in Chromium', { timeout: 240_000 }, () => {
  before(async () => {
    builtApp('viewer');
    mkdirSync(SHOTS, { recursive: true });
    profileDir = mkdtempSync(path.join(tmpdir(), 'onair-chromium-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, HOME: profileDir } });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    for (const s of servers) await s.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test('settings: "Chill Vibes" is one chip and one saved tag; a bad tag is shown and nothing is sent', async () => {
    const s = await startTestServer();
    servers.push(s);
    const page = await newPage(s.base);
    await registerInPage(page, 'tagger');
    await page.goto('/settings');
    const field = page.getByLabel('Tags', { exact: true });
    await field.fill('Chill Vibes, Music');
    assert.deepEqual(await chips(page), [
      { tag: 'chill vibes', typed: false },
      { tag: 'music', typed: true },
    ]);
    await field.press('Enter');
    assert.deepEqual(await chips(page), [
      { tag: 'chill vibes', typed: false },
      { tag: 'music', typed: false },
    ]);
    assert.equal(await page.getByText('Saved.').count(), 0, 'Enter in the tag field makes a chip, it does not save');

    await field.fill('c++');
    await page.getByTestId('tag-problem').filter({ hasText: 'The tag "c++" can only use letters a–z, digits, spaces and "-".' }).waitFor();
    await page.getByRole('button', { name: 'Save channel' }).click();
    await page.getByRole('status').filter({ hasText: 'can only use letters' }).waitFor();
    const mine = await page.evaluate(() => fetch('/api/me/channel').then((r) => r.json()));
    assert.deepEqual(mine.tags, [], 'a refused tag sends nothing');

    await field.fill('');
    await page.getByRole('button', { name: 'Remove tag music' }).click();
    await field.fill('Lo  Fi');
    assert.deepEqual(await chips(page), [
      { tag: 'chill vibes', typed: false },
      { tag: 'lo fi', typed: true },
    ]);
    await page.getByRole('button', { name: 'Save channel' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const saved = await page.evaluate(() => fetch('/api/me/channel').then((r) => r.json()));
    assert.deepEqual(saved.tags, ['chill vibes', 'lo fi'], 'saved exactly as the chips showed');
    await page.locator('form[aria-labelledby="channel-title"]').screenshot({ path: path.join(SHOTS, 'settings-tag-chips.png') });

    await page.reload();
    await page.getByTestId('tag-chips').waitFor();
    assert.deepEqual(await chips(page), [
      { tag: 'chill vibes', typed: false },
      { tag: 'lo fi', typed: false },
    ]);
    await page.goto('/c/tagger');
    await page.getByRole('link', { name: '#chill vibes', exact: true }).waitFor();
  });

  test('chat: three restarts fold into "Live 3 times between …" with the latest start and end below; the toggle shows the rest', async () => {
    const s = servers[0];
    const channelId = (await s.access.channel('tagger'))!.id;
    await new ChatRepo(s.db).insertMessage({ channelId, userId: null, guestId: 'g-1', authorName: 'Sam', text: 'hello before' });
    for (let i = 0; i < 3; i++) {
      await s.chat.streamStarted('tagger', `take ${i + 1}`);
      await s.chat.streamEnded('tagger');
    }
    const page = await newPage(s.base);
    await page.goto('/c/tagger');
    const fold = page.getByTestId('chat-fold');
    await fold.waitFor();
    assert.match(await fold.innerText(), /^Live 3 times between \S.* and \S.*Show 4 more$/s);
    const shownNotices = () => page.locator('.chat__msg--system:not(.chat__fold)').allInnerTexts();
    assert.deepEqual(await shownNotices(), ['tagger is live: take 3', 'The stream has ended.']);
    await page.locator('.chat').screenshot({ path: path.join(SHOTS, 'chat-folded.png') });

    await fold.getByRole('button', { name: 'Show 4 more' }).click();
    assert.deepEqual(await shownNotices(), [
      'tagger is live: take 1',
      'The stream has ended.',
      'tagger is live: take 2',
      'The stream has ended.',
      'tagger is live: take 3',
      'The stream has ended.',
    ]);
    assert.equal(await fold.getByRole('button', { name: 'Hide earlier' }).getAttribute('aria-expanded'), 'true');
    await fold.getByRole('button', { name: 'Hide earlier' }).click();

    // A fourth start arrives while the page is open: the same fold counts it.
    await s.chat.streamStarted('tagger', 'take 4');
    await page.waitForFunction(() => /Live 4 times/.test(document.querySelector('[data-testid="chat-fold"]')?.textContent ?? ''));
    assert.deepEqual(await shownNotices(), ['tagger is live: take 4']);
    assert.equal(await page.getByText('hello before').count(), 1, 'the conversation before the run stays in view');
  });

  test('sign-ups by invitation: the home page says so, and the invite page creates the account with the invite', async () => {
    const s = await startTestServer({ ONAIR_SIGNUPS: 'invite' });
    servers.push(s);
    await new AccountsService(s.db).createUserWithChannel('host', 'host-password-1');
    const token = (await api(s.base, 'POST', '/api/auth/login', { username: 'host', password: 'host-password-1' })).body.token;
    await api(s.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, token);
    const invite = String((await api(s.base, 'POST', '/api/me/invites', {}, token)).body.url).split('/i/')[1];

    const page = await newPage(s.base);
    await page.goto('/');
    const card = page.locator('[data-testid="signup-mode"][data-mode="invite"]');
    await card.getByText('Sign-ups here are by invitation.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Create an account' }).count(), 0, 'no form to fill in vain');
    await card.screenshot({ path: path.join(SHOTS, 'signup-invite-only.png') });

    await page.goto(`/i/${invite}`);
    const form = page.getByRole('form', { name: 'Create an account' });
    await form.getByTestId('signup-with-invite').waitFor();
    await form.getByLabel('Username').fill('newfriend');
    await form.getByLabel('Password').fill('newfriend-password');
    await page.screenshot({ path: path.join(SHOTS, 'invite-signup.png') });
    await form.getByRole('button', { name: 'Create an account' }).click();
    await page.waitForURL('**/c/host');
    const seen = await page.evaluate(() => fetch('/api/channels/host').then((r) => r.json()));
    assert.equal(seen.canWatch, true, 'the new account may watch the invite-only channel');
    const me = await page.evaluate(() => fetch('/api/me').then((r) => r.json()));
    assert.equal(me.user.username, 'newfriend');
  });

  test('sign-ups closed: the create-account card says the operator makes accounts', async () => {
    const s = await startTestServer({ ONAIR_SIGNUPS: 'closed' });
    servers.push(s);
    const page = await newPage(s.base);
    await page.goto('/');
    const card = page.locator('[data-testid="signup-mode"][data-mode="closed"]');
    await card.getByText('Sign-ups are closed on this server.').waitFor();
    assert.match(await card.innerText(), /operator creates the accounts/);
    assert.equal(await page.getByRole('button', { name: 'Create an account' }).count(), 0);
    await page.getByRole('form', { name: 'Log in' }).waitFor();
  });

  test('no page error', () => {
    assert.deepEqual(pageErrors, []);
  });
});

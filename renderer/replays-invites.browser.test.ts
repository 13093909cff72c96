// Replays and invites in a real browser (Debian's Chromium through playwright-core) against a real Onair server
// with real ffmpeg publishers: the replay page's Share button (copy, or the Web Share API where the browser has
// it), the owner renaming and deleting a replay, a private replay opened by someone without access, and an invite
// link copied again after a reload and from another browser.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { builtApp, CHROMIUM, CHROMIUM_ARGS, registerInPage } from '../server/test-support/browser.js';
import { waitFor } from '../server/test-support/process.js';
import { api, publish, startTestServer, type Publisher, type TestServer } from '../server/test-support/server.js';

const STEP_MS = 20_000;
const password = (u: string) => `pw-${u}-123456`;

let server: TestServer;
let browser: Browser;
let profileDir: string;
const contexts: BrowserContext[] = [];
const publishers: Publisher[] = [];
const pageErrors: string[] = [];

async function newPage(): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: server.base });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  return { ctx, page };
}

/** Signs in through the page's own fetch (another browser of the same account). */
async function loginInPage(page: Page, username: string) {
  await page.goto('/settings');
  const status = await page.evaluate(
    async ([u, p]) => {
      const body = JSON.stringify({ username: u, password: p, session: 'cookie' });
      return (await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status;
    },
    [username, password(username)] as const,
  );
  assert.equal(status, 200);
}

/** A streamer account with a bearer token for the API, and one finished stream: its replay's id. */
async function streamerWithReplay(username: string, title: string): Promise<{ token: string; replayId: string }> {
  const reg = await api(server.base, 'POST', '/api/auth/register', { username, password: password(username) });
  assert.equal(reg.status, 201);
  const token = reg.body.token as string;
  await api(server.base, 'PATCH', '/api/me/channel', { title }, token);
  const key = (await api(server.base, 'GET', '/api/me/channel', undefined, token)).body.streamKey as string;
  const pub = publish(`${server.rtmpBase}/${key}`, { seconds: 3, size: '320x180' });
  publishers.push(pub);
  const replayId = await waitFor(`${username} live`, () => server.streams.get(username)?.streamId, 20_000, 50);
  assert.equal(await pub.exit, 0, pub.stderr());
  await server.replayRecorded(replayId);
  return { token, replayId };
}

const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

describe('replays and invites in Chromium', { timeout: 240_000 }, () => {
  before(async () => {
    builtApp('viewer');
    server = await startTestServer({ ONAIR_GRACE_SECONDS: '0' });
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

  test('Share on a replay page copies its link (no token) and says Copied; with the Web Share API it opens the share sheet', async () => {
    const { replayId } = await streamerWithReplay('sharer', 'Bridge build timelapse');
    const link = `${server.base}/replay/${replayId}`;

    // Desktop Chromium on Linux has no navigator.share: the link goes to the clipboard.
    const { page } = await newPage();
    await page.goto(`/replay/${replayId}`);
    await page.getByRole('heading', { name: 'Bridge build timelapse' }).waitFor();
    assert.equal(await page.evaluate(() => typeof navigator.share), 'undefined');
    await page.getByTestId('share-button').click();
    await page.getByTestId('share-button').getByText('Copied').waitFor();
    await page.getByTestId('share-status').getByText('Link copied').waitFor();
    assert.equal(await clipboard(page), link);
    assert.doesNotMatch(await clipboard(page), /[?&]t=|token/);

    // A browser with the Web Share API gets its share sheet with the title and the same link.
    const { page: phone } = await newPage();
    // A string, not a function: tsx's helpers would not exist in the page.
    await phone.addInitScript(`
      window.shared = [];
      Object.defineProperty(navigator, 'share', { value: async (data) => { window.shared.push(data); }, configurable: true });
      Object.defineProperty(navigator, 'canShare', { value: () => true, configurable: true });
    `);
    await phone.goto(`/replay/${replayId}`);
    // A busy machine (CI runs two browser tests at once) can take a while to bring the page up.
    await phone.getByRole('heading', { name: 'Bridge build timelapse' }).waitFor({ timeout: 45_000 });
    await phone.getByTestId('share-button').click();
    await phone.waitForFunction(() => (window as unknown as { shared: unknown[] }).shared.length === 1);
    assert.deepEqual(await phone.evaluate(() => (window as unknown as { shared: unknown[] }).shared[0]), {
      title: 'Bridge build timelapse',
      url: link,
    });
    assert.equal(await phone.getByTestId('share-button').textContent(), 'Share', 'no copy when the share sheet opened');
  });

  test('the owner renames a replay (bad titles explained), then deletes it after confirming; its viewers are told it is gone', async () => {
    const { page: owner } = await newPage();
    await registerInPage(owner, 'keeper');
    const token = (await api(server.base, 'POST', '/api/auth/login', { username: 'keeper', password: password('keeper') })).body.token as string;
    await api(server.base, 'PATCH', '/api/me/channel', { title: 'Raw take' }, token);
    const key = (await api(server.base, 'GET', '/api/me/channel', undefined, token)).body.streamKey as string;
    const pub = publish(`${server.rtmpBase}/${key}`, { seconds: 3, size: '320x180' });
    publishers.push(pub);
    const replayId = await waitFor('keeper live', () => server.streams.get('keeper')?.streamId, 20_000, 50);
    assert.equal(await pub.exit, 0, pub.stderr());
    await server.replayRecorded(replayId);

    const { page: viewer } = await newPage();
    await viewer.goto(`/replay/${replayId}`);
    await viewer.getByRole('heading', { name: 'Raw take' }).waitFor();
    assert.equal(await viewer.getByTestId('replay-manage').count(), 0, 'only the owner gets rename and delete');

    await owner.goto(`/replay/${replayId}`);
    const manage = owner.getByTestId('replay-manage');
    await manage.getByRole('button', { name: 'Rename' }).click();
    const form = owner.getByRole('form', { name: 'Rename replay' });
    await form.getByLabel('Replay title').fill('   ');
    await form.getByRole('button', { name: 'Save title' }).click();
    await manage.getByRole('alert').getByText('A replay needs a title.').waitFor();
    await form.getByLabel('Replay title').fill('\u202etxt.exe');
    await form.getByRole('button', { name: 'Save title' }).click();
    await manage.getByRole('alert').filter({ hasText: 'bidirectional' }).waitFor();
    await form.getByLabel('Replay title').fill('Final cut 🎬');
    await form.getByRole('button', { name: 'Save title' }).click();
    await owner.getByRole('heading', { name: 'Final cut 🎬' }).waitFor();
    assert.equal(await owner.title(), 'Final cut 🎬 · Onair');
    assert.equal((await api(server.base, 'GET', `/api/replays/${replayId}`)).body.title, 'Final cut 🎬');

    await manage.getByRole('button', { name: 'Delete' }).click();
    const dialog = owner.getByRole('alertdialog');
    await dialog.getByText('Delete this replay for good?').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api(server.base, 'GET', `/api/replays/${replayId}`)).status, 200, 'Cancel deletes nothing');
    await manage.getByRole('button', { name: 'Delete' }).click();
    await owner.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete the replay' }).click();
    await owner.waitForURL('**/c/keeper/replays');
    await owner.getByTestId('toast').filter({ hasText: 'Replay “Final cut 🎬” deleted.' }).waitFor();
    await owner.getByText('No replays yet.').waitFor();
    assert.equal((await api(server.base, 'GET', `/api/replays/${replayId}`)).status, 404);

    // Someone who had it open, or opens the link later, is told plainly.
    await viewer.reload();
    const gone = viewer.getByTestId('replay-gone');
    await gone.getByRole('heading', { name: 'This replay is gone' }).waitFor();
    await gone.getByText('Its channel deleted it, or the link is wrong.').waitFor();
    assert.equal(await viewer.title(), 'Replay not found · Onair');
  });

  test('a private replay opened without access says whose it is and how to get in, never its title', async () => {
    const { token, replayId } = await streamerWithReplay('hermit', 'Secret garden tour');
    await api(server.base, 'PATCH', '/api/me/channel', { visibility: 'followers' }, token);

    const { page: visitor } = await newPage();
    await visitor.goto(`/replay/${replayId}`);
    const card = visitor.getByTestId('private-card');
    await card.getByRole('heading', { name: 'This replay is for followers' }).waitFor();
    assert.equal(await card.getAttribute('data-visibility'), 'followers');
    await card.getByText('Only people who follow hermit can watch.').waitFor();
    const signIn = card.getByRole('link', { name: 'Sign in' });
    assert.equal(await signIn.getAttribute('href'), `/?next=${encodeURIComponent(`/replay/${replayId}`)}#sign-in`);
    await visitor.getByRole('link', { name: 'Go to hermit’s channel' }).waitFor();
    assert.equal(await visitor.title(), 'Private replay · Onair');
    assert.ok(!(await visitor.content()).includes('Secret garden'), 'no title of a private replay');

    // Signed in: follow from the card, and the replay plays.
    await registerInPage(visitor, 'gardener');
    await visitor.goto(`/replay/${replayId}`);
    await visitor.getByTestId('private-card').getByRole('button', { name: 'Follow hermit' }).click();
    await visitor.getByRole('heading', { name: 'Secret garden tour' }).waitFor();
    await visitor.getByTestId('player').waitFor();

    // Invite-only: following is not enough; the card says to ask the streamer for an invite.
    await api(server.base, 'PATCH', '/api/me/channel', { visibility: 'invite' }, token);
    await visitor.reload();
    const invite = visitor.getByTestId('private-card');
    await invite.getByRole('heading', { name: 'This replay is private' }).waitFor();
    await invite
      .getByTestId('ask-invite')
      .getByText('Your account has no invite to hermit’s channel. Ask the streamer, hermit, for an invite link')
      .waitFor();
    const { page: stranger } = await newPage();
    await stranger.goto(`/replay/${replayId}`);
    await stranger.getByTestId('ask-invite').getByText('Ask the streamer, hermit, for an invite link and open it').waitFor();
    await stranger.getByTestId('private-card').getByRole('link', { name: 'Sign in' }).waitFor();
    assert.ok(!(await stranger.content()).includes('Secret garden'));
    // The channel's replay list and watch page say the same, not a dead end.
    await stranger.goto('/c/hermit/replays');
    await stranger.getByTestId('private-card').getByRole('heading', { name: 'These replays are private' }).waitFor();
    await stranger.goto('/c/hermit');
    await stranger.getByTestId('private-card').getByRole('heading', { name: 'This stream is private' }).waitFor();
  });

  test('an invite link is copied again after a reload, and from another browser of the same account', async () => {
    const { page: owner } = await newPage();
    await registerInPage(owner, 'host');
    await owner.goto('/settings');
    await owner.getByRole('button', { name: 'Create invite link' }).click();
    const link = (await owner.locator('.created-invite code').textContent())!;
    const token = link.split('/i/')[1];
    assert.match(link, new RegExp(`^${server.base.replace(/\./g, '\\.')}/i/[A-Za-z0-9_-]{43}$`));
    const row = owner.getByTestId('invites').locator('tr[data-invite-id]').first();
    const id = await row.getAttribute('data-invite-id');

    await owner.reload();
    await owner.getByTestId('invites').waitFor();
    assert.equal(await owner.locator('.created-invite').count(), 0);
    assert.ok(!(await owner.content()).includes(token), 'no link sits in the page until Copy asks for it');
    await owner.getByRole('button', { name: `Copy invite link ${id}` }).click();
    await owner
      .getByRole('button', { name: `Copy invite link ${id}` })
      .getByText('Copied')
      .waitFor();
    assert.equal(await clipboard(owner), link);

    const { page: laptop } = await newPage();
    await loginInPage(laptop, 'host');
    await laptop.goto('/settings');
    await laptop.getByRole('button', { name: `Copy invite link ${id}` }).click();
    await laptop
      .getByRole('button', { name: `Copy invite link ${id}` })
      .getByText('Copied')
      .waitFor();
    assert.equal(await clipboard(laptop), link);

    // The copied link works for a guest; a revoked invite has nothing left to copy.
    const { page: guest } = await newPage();
    await guest.goto(new URL(link).pathname);
    await guest.getByRole('button', { name: 'Watch as a guest' }).waitFor();
    await owner.getByRole('button', { name: `Revoke invite ${id}` }).click();
    await owner.locator(`tr[data-invite-id="${id}"].revoked`).waitFor();
    assert.equal(await owner.getByRole('button', { name: `Copy invite link ${id}` }).count(), 0);
  });

  test('no page error', () => {
    assert.deepEqual(pageErrors, []);
  });
});

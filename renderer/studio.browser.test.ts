// Onair Studio's UI in Chromium through the dev bridge (no Electron): a real Onair server (startTestServer), the dev
// bridge hosting the Studio core and the pipeline, the built Studio. Registers through the UI, picks the test
// pattern, goes live, watches the program preview and the health figures change, chats with a viewer
// (socket.io-client), copies the invite link twice (one invite), stops (the figures go back to dashes).
import os from 'node:os';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { OBSWebSocket } from 'obs-websocket-js/json';
import { io, type Socket } from 'socket.io-client';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import { CHAT_PATH, type ChatMessage } from '../server/api/chat.js';
import { builtApp, launchChromium, newTestPage, turnOnRemoteControl } from '../server/test-support/browser.js';
import { ffmpegPath as FFMPEG, waitFor } from '../server/test-support/process.js';
import { api, newStreamer, type TestServer } from '../server/test-support/server.js';
import { startStudioServer } from '../server/test-support/studio.js';

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
    server = await startStudioServer({
      ONAIR_METRICS_SECONDS: '1',
      // The channel's server-side restream goes to another channel of this same server (a loopback address).
      ONAIR_RESTREAM_ALLOW_PRIVATE: '1',
    });
    bridge = await startDevBridge({ staticDir: DIST, ffmpegPath: FFMPEG });
    browser = await launchChromium();
    page = await newTestPage(browser, {
      viewport: { width: 1440, height: 900 },
      grant: { origin: bridge.url, permissions: ['clipboard-read', 'clipboard-write'] },
      stepMs: STEP_MS,
      errors: pageErrors,
    });
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

    // Test pattern, low-bandwidth preset (a keyframe a second, as the README advises), and a preview frame grabbed
    // by main. Off air, every health figure is a dash.
    await page.getByTestId('source').selectOption('test');
    await page.getByTestId('preset').selectOption('Low bandwidth 480p');
    assert.equal(await page.getByLabel('Keyframe (s)').inputValue(), '1');
    await page.locator('[data-testid="preview"] img').waitFor();
    const dashes = async () => page.locator('[data-testid^="health-"]').allTextContents();
    assert.deepEqual([...new Set(await dashes())], ['—']);

    // The microphone is picked from a list: none, the devices ffmpeg lists here, or "Other…" with a name typed in.
    const mic = page.getByTestId('microphone');
    const micOptions = await mic.locator('option').allTextContents();
    assert.equal(micOptions[0], 'No microphone');
    assert.equal(micOptions.at(-1), 'Other…');
    assert.equal(await mic.inputValue(), 'none');
    await mic.selectOption({ label: 'Other…' });
    await page.getByLabel('Microphone device name').fill('my-usb-mic');
    await mic.selectOption({ label: 'No microphone' });
    assert.equal(await page.getByLabel('Microphone device name').count(), 0);

    // Another destination (multistream): added from a preset, its key shown masked only; switched off, it is not sent to.
    await page.getByText(/^Also stream to/).click();
    const addForm = page.getByRole('form', { name: 'Add a destination' });
    await addForm.getByLabel('Service').selectOption('YouTube');
    assert.equal(await addForm.getByLabel('Server URL').inputValue(), 'rtmp://a.rtmp.youtube.com/live2');
    await addForm.getByLabel('Stream key').fill('yt-secret-key-abcdef123');
    await addForm.getByRole('button', { name: 'Add destination' }).click();
    const destination = page.getByTestId('studio-destinations').locator('li').filter({ hasText: 'YouTube' });
    await destination.getByText('key yt-s••••••••f123').waitFor();
    assert.ok(!(await page.content()).includes('yt-secret-key-abcdef123'), 'the key is not in the page');
    await destination.getByLabel('Send to YouTube').uncheck();
    await destination.getByText('Off', { exact: true }).waitFor();

    // A restream destination set on the server (as in the web settings): the Studio lists it with its state.
    const relay = await newStreamer(server.base, `${username}r`);
    const login = await api(server.base, 'POST', '/api/auth/login', { username, password: `pw-${username}-123456` });
    const created = await api(
      server.base,
      'POST',
      '/api/me/destinations',
      { name: 'Relay', url: `rtmp://127.0.0.1:${server.rtmpPort}/live`, key: relay.channel.streamKey },
      login.body.token,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const restream = page.getByTestId('server-restream').filter({ hasText: 'Relay' });
    await restream.getByText(`127.0.0.1:${server.rtmpPort}: Waits for you to go live`).waitFor();
    assert.ok(!(await page.content()).includes(relay.channel.streamKey), 'the relay key is not in the page');

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

    // Recorded from Go Live, into a folder of the test's; with ffmpeg encoding the Record button is there while live.
    const recordDir = mkdtempSync(path.join(os.tmpdir(), 'onair-studio-record-'));
    await page.getByLabel(/Also record to/).fill(path.join(recordDir, 'studio.mkv'));
    assert.equal(await page.getByTestId('record-toggle').count(), 0, 'no Record button off air with ffmpeg encoding');
    const recordLine = (state: string, name: string) => page.locator(`[data-testid="recording"][data-state="${state}"]`, { hasText: name });

    // Go Live.
    await page.getByRole('button', { name: 'Go Live' }).click();
    await page.locator('[data-testid="state"][data-state="live"]').waitFor({ timeout: 30_000 });
    assert.match((await page.getByTestId('state').textContent()) ?? '', /Live \d\d:\d\d/);
    await page
      .locator('[data-testid="server-restream"][data-state="live"]')
      .getByText(/Live, \d+ kb\/s/)
      .waitFor({ timeout: 30_000 });
    await waitFor(
      'the relay channel live',
      async () => (await api(server.base, 'GET', `/api/channels/${relay.channel.name}`)).body.live === true,
      STEP_MS,
      250,
    );

    // Health figures that change over time.
    await page.waitForFunction(() => /\d+ kb\/s/.test(document.querySelector('[data-testid="health-bitrate"]')?.textContent ?? ''), undefined, {
      timeout: 15_000,
    });
    const up1 = await page.getByTestId('health-uptime').textContent();
    await page.waitForFunction((u) => document.querySelector('[data-testid="health-uptime"]')?.textContent !== u, up1, { timeout: 10_000 });
    const fps = Number(await page.getByTestId('health-fps').textContent());
    assert.ok(fps > 0, `fps ${fps}`);

    // Stop recording while live, then start again: the stream goes on, the second file beside the first.
    await recordLine('recording', 'studio.mkv').waitFor();
    await page.getByTestId('record-toggle').filter({ hasText: 'Stop recording' }).click();
    await recordLine('stopped', 'studio.mkv').waitFor({ timeout: STEP_MS });
    await page.getByTestId('record-toggle').filter({ hasText: 'Start recording' }).click();
    await recordLine('recording', 'studio-2.mkv').waitFor({ timeout: STEP_MS });
    assert.equal(await page.getByTestId('state').getAttribute('data-state'), 'live', 'still live');

    // The preview while live is the program, what is being sent: a new picture about twice a second.
    await page.locator('[data-testid="preview"][data-mode="program"]').getByText('Program: what is being sent').waitFor();
    const program = page.getByTestId('program');
    await program.waitFor();
    const pictures = new Set<string>();
    for (let i = 0; i < 30 && pictures.size < 4; i++) {
      pictures.add((await program.getAttribute('src')) ?? '');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(pictures.size >= 4, `${pictures.size} different program pictures in 6 s`);

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

    // Invite link through main: made on the first copy (a week, 50 uses, said so), the same link on the next.
    await page.getByRole('button', { name: 'Copy invite link' }).click();
    const invite = page.getByTestId('invite');
    await invite.and(page.locator('[data-reused="false"]')).waitFor();
    const link = (await page.getByTestId('invite-url').textContent()) ?? '';
    // The server was reached at 127.0.0.1 (ONAIR_PUBLIC_URL unset): the link a friend gets carries that address.
    assert.match(link, new RegExp(`^${server.base.replace(/\./g, '\\.')}/i/[\\w-]+$`));
    assert.match((await invite.textContent()) ?? '', /Invite link copied: valid until .+ · 0 of 50 uses\. A new link\./);
    // ...which only this computer opens: the Studio says so and how to get a link friends can open.
    assert.match(
      (await page.getByTestId('loopback-note').textContent()) ?? '',
      /it points at 127\.0\.0\.1\. For friends, sign in with this computer's network address/,
    );
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    await page.getByRole('button', { name: 'Copy invite link' }).click();
    await invite.and(page.locator('[data-reused="true"]')).waitFor();
    assert.equal(await page.getByTestId('invite-url').textContent(), link);
    assert.match((await invite.textContent()) ?? '', /The same link as before\./);

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

    // The live stream's dashboard, the viewer app's charts fed by the server's samples of this stream.
    const dashboard = page.getByTestId('studio-dashboard');
    await dashboard.getByTestId('chart-bitrate').locator('canvas').waitFor({ timeout: 20_000 });
    // The line grows a sample a second: wait for a few (a busy machine draws the chart before its second sample).
    const linePixels = () =>
      dashboard.getByTestId('chart-bitrate').evaluate((el) => {
        const c = el.querySelector('canvas')!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4)
          if (d[i + 3] > 200 && Math.abs(d[i] - 0x4c) < 12 && Math.abs(d[i + 1] - 0xc3) < 12 && Math.abs(d[i + 2] - 0xff) < 12) n++;
        return n;
      });
    let drawn = await linePixels();
    for (const until = Date.now() + 20_000; drawn <= 50 && Date.now() < until; drawn = await linePixels()) await page.waitForTimeout(500);
    assert.ok(drawn > 50, `the bitrate line: ${drawn} pixels`);

    // The monitor: the channel as viewers get it, invite-only here, so through a media token main fetched.
    const token = login.body.token as string;
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
    await page.getByRole('button', { name: 'Show what is being sent' }).click();
    await page.getByTestId('program').waitFor();
    await api(server.base, 'PATCH', '/api/me/channel', { visibility: 'public' }, token);

    // Stop: the figures go back to dashes (nothing frozen), the preview back to the source.
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.locator('[data-testid="state"][data-state="ended"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="health"][data-state="idle"]').waitFor();
    assert.deepEqual([...new Set(await dashes())], ['—']);
    await page.locator('[data-testid="preview"][data-mode="source"] img').waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual([...new Set(await dashes())], ['—'], 'still dashes: no late figure brought them back');
    await restream.getByText('Waits for you to go live').waitFor({ timeout: 15_000 });
    // The stream's end ended the second recording; both files hold the stream.
    await recordLine('stopped', 'studio-2.mkv').waitFor();
    for (const name of ['studio.mkv', 'studio-2.mkv']) assert.ok(statSync(path.join(recordDir, name)).size > 10_000, name);
    await page.getByLabel(/Also record to/).fill('');
    rmSync(recordDir, { recursive: true, force: true });

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
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.locator('[data-testid="state"][data-state="ended"]').waitFor({ timeout: 15_000 });
    await warning.waitFor({ state: 'detached', timeout: 15_000 });
    assert.deepEqual(pageErrors, []);
  });

  test('remote control: turned on in the Studio, an obs-websocket client starts and stops the stream the window set up', async () => {
    await page.getByLabel('Keyframe (s)').fill('1');
    const { url, password } = await turnOnRemoteControl(page);
    const obs = new OBSWebSocket();
    await obs.connect(url, password);
    try {
      await page.getByTestId('control-connect-info').filter({ hasText: '1 connected' }).waitFor();
      await obs.call('StartStream');
      await page.locator('[data-testid="state"][data-state="live"]').waitFor({ timeout: 30_000 });
      await assert.rejects(obs.call('StartStream'), (e: { code?: number }) => e.code === 500, 'already running');
      assert.equal((await obs.call('GetStreamStatus')).outputActive, true);
      // Scenes: the first-run ones, switched from the tool (the Studio's program follows, the tool hears of it);
      // a scene made with a colour input, OBS's 0xAABBGGRR colour kept; the layer hidden; the scene removed.
      const list = await obs.call('GetSceneList');
      assert.deepEqual(
        list.scenes.map((sc) => sc.sceneName),
        ['Screen + camera', 'Camera', 'Be right back'],
      );
      const switched: string[] = [];
      obs.on('CurrentProgramSceneChanged', (e) => switched.push(e.sceneName));
      await obs.call('SetCurrentProgramScene', { sceneName: 'Be right back' });
      assert.equal((await obs.call('GetCurrentProgramScene')).sceneName, 'Be right back');
      await waitFor('the switch heard', () => switched.includes('Be right back'), 5000, 50);
      await obs.call('CreateScene', { sceneName: 'Intro' });
      await assert.rejects(obs.call('CreateScene', { sceneName: 'Intro' }), (e: { code?: number }) => e.code === 601);
      const made = await obs.call('CreateInput', {
        sceneName: 'Intro',
        inputName: 'Red',
        inputKind: 'color_source_v3',
        inputSettings: { color: 0xff0000ff },
      });
      assert.equal((await obs.call('GetInputSettings', { inputName: 'Red' })).inputSettings.color, 0xff0000ff);
      const items = (await obs.call('GetSceneItemList', { sceneName: 'Intro' })).sceneItems;
      assert.deepEqual(
        items.map((it) => [it.sourceName, it.sceneItemId, it.sceneItemEnabled]),
        [['Red', made.sceneItemId, true]],
      );
      await obs.call('SetSceneItemEnabled', { sceneName: 'Intro', sceneItemId: made.sceneItemId, sceneItemEnabled: false });
      assert.equal((await obs.call('GetSceneItemList', { sceneName: 'Intro' })).sceneItems[0].sceneItemEnabled, false);
      assert.ok((await obs.call('GetInputList')).inputs.some((i) => i.inputName === 'Red'));
      await assert.rejects(
        obs.call('CreateInput', { sceneName: 'Intro', inputName: 'X', inputKind: 'vlc_source' }),
        (e: { code?: number }) => e.code === 605,
      );
      // OBS's browser source: a web page layer. Without an http(s) url it is refused naming the field.
      await assert.rejects(
        obs.call('CreateInput', { sceneName: 'Intro', inputName: 'X', inputKind: 'browser_source', inputSettings: { url: 'file:///etc/passwd' } }),
        (e: { code?: number; message?: string }) => e.code === 400 && /`url`, an http or https address/.test(e.message ?? ''),
      );
      await obs.call('CreateInput', {
        sceneName: 'Intro',
        inputName: 'Page',
        inputKind: 'browser_source',
        inputSettings: { url: 'http://127.0.0.1:9/overlay.html' },
      });
      assert.deepEqual(await obs.call('GetInputSettings', { inputName: 'Page' }), {
        inputKind: 'browser_source',
        inputSettings: { url: 'http://127.0.0.1:9/overlay.html', width: 800, height: 600 },
      });
      await obs.call('SetInputSettings', { inputName: 'Page', inputSettings: { width: 1280, height: 720 } });
      assert.deepEqual((await obs.call('GetInputSettings', { inputName: 'Page' })).inputSettings, {
        url: 'http://127.0.0.1:9/overlay.html',
        width: 1280,
        height: 720,
      });
      await obs.call('RemoveInput', { inputName: 'Page' });
      await obs.call('RemoveScene', { sceneName: 'Intro' });
      await obs.call('RemoveInput', { inputName: 'Red' });
      assert.ok(!(await obs.call('GetInputList')).inputs.some((i) => i.inputName === 'Red'));
      await obs.call('SetCurrentProgramScene', { sceneName: 'Screen + camera' });
      // With ffmpeg there is no canvas: the picture is the preset's, at the FPS field's rate; nothing changes while live.
      assert.deepEqual(await obs.call('GetVideoSettings'), {
        fpsNumerator: 30,
        fpsDenominator: 1,
        baseWidth: 854,
        baseHeight: 480,
        outputWidth: 854,
        outputHeight: 480,
      });
      await assert.rejects(obs.call('SetVideoSettings', { fpsNumerator: 25, fpsDenominator: 1 }), (e: { code?: number }) => e.code === 500);
      const vertical = await obs.call('CallVendorRequest', { vendorName: 'onair', requestType: 'GetVerticalOutput' });
      assert.deepEqual(vertical.responseData, { enabled: false, width: 720, height: 1280, active: false, destination: null });
      // The mixer's inputs, as OBS names them: mute and volume set from the tool are the Mixer panel's settings, and
      // the tool hears of changes (its own included) as events.
      const special = await obs.call('GetSpecialInputs');
      assert.equal(special.mic1, 'Microphone');
      assert.equal(special.desktop1, 'Desktop audio');
      const mutes: boolean[] = [];
      obs.on('InputMuteStateChanged', (e) => mutes.push(e.inputMuted));
      await obs.call('SetInputMute', { inputName: 'Microphone', inputMuted: true });
      assert.equal((await obs.call('GetInputMute', { inputName: 'Microphone' })).inputMuted, true);
      await obs.call('SetInputVolume', { inputName: 'Microphone', inputVolumeDb: -6 });
      const vol = await obs.call('GetInputVolume', { inputName: 'Microphone' });
      assert.equal(vol.inputVolumeDb, -6);
      assert.ok(Math.abs(vol.inputVolumeMul - 0.501) < 0.01, String(vol.inputVolumeMul));
      assert.equal((await obs.call('ToggleInputMute', { inputName: 'Microphone' })).inputMuted, false);
      await assert.rejects(obs.call('GetInputMute', { inputName: 'Nope' }), (e: { code?: number }) => e.code === 600);
      await waitFor('both mute changes heard', () => mutes.length === 2, 5000, 50);
      assert.deepEqual(mutes, [true, false]);
      await obs.call('StopStream');
      await page.locator('[data-testid="state"][data-state="ended"]').waitFor({ timeout: 15_000 });
      // Stopped, the rate is ffmpeg's FPS field; the picture's size stays the preset's.
      await obs.call('SetVideoSettings', { fpsNumerator: 25, fpsDenominator: 1 });
      assert.equal(await page.getByTestId('fps').inputValue(), '25');
      await assert.rejects(obs.call('SetVideoSettings', { baseWidth: 1280, baseHeight: 720 }), (e: { code?: number }) => e.code === 400);
    } finally {
      await obs.disconnect();
    }
    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.getByText('Remote control (off)').waitFor();
    assert.deepEqual(pageErrors, []);
  });

  test("the Studio's settings are there at the next start, and one no longer right falls back on its own", async () => {
    // Set in the tests above: the preset and its FPS (25, from the remote control). Set here: the rest.
    await page.getByLabel('Bitrate (kb/s)').fill('1500');
    await page.getByLabel('Keyframe (s)').fill('2');
    await page.getByLabel(/Also record to/).fill('/home/me/Videos/show.mkv');
    const shown = async () => ({
      preset: await page.getByTestId('preset').inputValue(),
      bitrate: await page.getByLabel('Bitrate (kb/s)').inputValue(),
      fps: await page.getByTestId('fps').inputValue(),
      keyframe: await page.getByLabel('Keyframe (s)').inputValue(),
      record: await page.getByLabel(/Also record to/).inputValue(),
      source: await page.getByTestId('source').inputValue(),
    });
    const before = await shown();
    assert.deepEqual(before, {
      preset: 'Low bandwidth 480p',
      bitrate: '1500',
      fps: '25',
      keyframe: '2',
      record: '/home/me/Videos/show.mkv',
      source: 'test',
    });
    await page.reload();
    await page.getByTestId('account').waitFor();
    assert.deepEqual(await shown(), before, 'kept through a new start');
    // Storage written by another version, or by hand: each field is checked on its own.
    await page.evaluate(() => {
      const saved = JSON.parse(localStorage.getItem('onair.studio.settings')!);
      Object.assign(saved.state, { preset: 'Ultra 8K', bitrateKbps: 999_999, sourceId: 'a camera unplugged since', keyframeSeconds: 'two' });
      localStorage.setItem('onair.studio.settings', JSON.stringify(saved));
    });
    await page.reload();
    await page.getByTestId('account').waitFor();
    assert.deepEqual(await shown(), {
      preset: 'Smooth 720p30',
      bitrate: '3500',
      fps: '25',
      keyframe: '1',
      record: '/home/me/Videos/show.mkv',
      source: 'test',
    });
    assert.deepEqual(pageErrors, []);
  });
});

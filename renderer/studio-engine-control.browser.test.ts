// The engine mode ("Encode with: This app") driven by a remote control as OBS tools drive it, and its figures: the
// built Studio in Chromium (fake microphone and screen; the camera a file of moving noise, so that the encoder spends
// the bitrate it is given) through the dev bridge, a real Onair server, and obs-websocket-js. StartStream answers at once although the page's encoder takes a while to start, and
// StreamStateChanged says STARTING then STARTED; a second StartStream answers 500. While live, GetStreamStatus's
// outputBytes grows with what the server receives, and the health line's bitrate is the configured one (video and
// audio) and the server's. StopStream answers at once too: STOPPING, then STOPPED once the page has stopped. While
// live, a recording starts and stops on its own (StartRecord, StopRecord, ToggleRecord, the window's Record button).
// With no stream, StartRecord (or the button) starts the encoder for a recording alone, which a stream joins and leaves.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { OBSWebSocket, EventSubscription } from 'obs-websocket-js/json';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import { AUTOPLAY_ARG, builtApp, FAKE_MEDIA_ARGS, launchChromium, newTestPage, turnOnRemoteControl } from '../server/test-support/browser.js';
import { ffmpegPath as FFMPEG, ffprobePath as FFPROBE, runOk, waitFor } from '../server/test-support/process.js';
import type { TestServer } from '../server/test-support/server.js';
import { NOT_RECORDING, signUpInStudio, startStudioServer } from '../server/test-support/studio.js';

const STEP_MS = 30_000;
const PRESET = { name: 'Low bandwidth 480p', videoKbps: 1200, fps: 30 };
/** The engine's AAC (electron/main/core/studio-broadcast.ts). */
const AUDIO_KBPS = 128;
/** The screen source opens without a picker. */
const SCREEN_ARG = '--auto-select-desktop-capture-source=Entire screen';
/**
 * Two seconds of moving noise, looped by Chromium as the camera. Chromium's own fake camera is a plain picture that
 * H.264 codes in a fraction of any bitrate: the figures would then say little about the configured one.
 */
const NOISE_Y4M = ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-t', '2', '-pix_fmt', 'yuv420p'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('engine mode under a remote control: StartStream at once, real figures', { timeout: 240_000 }, () => {
  let server: TestServer;
  let bridge: DevBridge;
  let browser: Browser;
  let page: Page;
  let work: string;
  const pageErrors: string[] = [];
  const username = `ctl${Date.now().toString(36).slice(-6)}`;
  /** The remote control, turned on by the first test. */
  let control = { url: '', password: '' };
  /**
   * Empties "Also record to" after a test. The field is locked while an output runs, so after a failure midway this
   * gives up quietly: the failure itself is what the run must show, not a timeout of this fill.
   */
  const clearRecordPath = () =>
    page
      .getByLabel(/Also record to/)
      .fill('', { timeout: 5000 })
      .catch(() => {});

  before(async () => {
    const dist = builtApp('studio', 'stale');
    work = mkdtempSync(path.join(tmpdir(), 'onair-engine-control-'));
    server = await startStudioServer();
    bridge = await startDevBridge({ staticDir: dist, ffmpegPath: FFMPEG, dataDir: work });
    const camera = path.join(work, 'noise.y4m');
    await runOk(FFMPEG, ['-v', 'error', '-y', ...NOISE_Y4M, camera]);
    await signUpInStudio(bridge.core, server.base, username);
    browser = await launchChromium([...FAKE_MEDIA_ARGS, SCREEN_ARG, AUTOPLAY_ARG, `--use-file-for-fake-video-capture=${camera}`]);
    page = await newTestPage(browser, {
      viewport: { width: 1440, height: 900 },
      grant: { origin: bridge.url, permissions: ['camera', 'microphone'] },
      stepMs: STEP_MS,
      errors: pageErrors,
    });
  });

  after(async () => {
    await bridge?.core.dispose().catch(() => {});
    await browser?.close().catch(() => {});
    await bridge?.close().catch(() => {});
    await server?.stop().catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('StartStream: success at once, STARTING then STARTED, 500 again; outputBytes and the bitrate are what was sent', async () => {
    // The scenes the window loads from main at start are held back until the requests below have been answered.
    let releaseScenes = () => {};
    const scenesHeld = new Promise<void>((resolve) => (releaseScenes = resolve));
    const SCENES_LOAD = `${bridge.url}/bridge/invoke/scenes%3Aload`;
    let continued: Promise<void> | undefined;
    await page.route(SCENES_LOAD, (route) => (continued = scenesHeld.then(() => route.continue())));
    // As the headless Studio opens it: the engine encodes, the screen source opens without a picker.
    await page.goto(`${bridge.url}/?encode=engine&screen=direct`);
    await page.getByTestId('account').filter({ hasText: username }).waitFor();
    await page.getByTestId('preset').selectOption(PRESET.name);
    control = await turnOnRemoteControl(page);
    const { url, password } = control;
    const obs = new OBSWebSocket();
    await obs.connect(url, password, { rpcVersion: 1, eventSubscriptions: EventSubscription.Outputs | EventSubscription.Scenes });
    try {
      // While the scenes load, the window answers scene, vendor and video requests 604 in words, and changes nothing.
      const loading = (e: { code?: number; message?: string }) => e.code === 604 && /still loading/.test(e.message ?? '');
      const firstAnswer = await waitFor(
        'the window answers while its scenes load',
        () =>
          obs.call('GetSceneList').then(
            () => 'a scene list',
            (e: { code?: number; message?: string }) => (e.code === 702 ? null : e),
          ),
        STEP_MS,
        200,
      );
      assert.ok(typeof firstAnswer === 'object' && loading(firstAnswer), `604 while loading, not ${JSON.stringify(firstAnswer)}`);
      await assert.rejects(obs.call('SetVideoSettings', { fpsNumerator: 60, fpsDenominator: 1 }), loading);
      await assert.rejects(obs.call('CallVendorRequest', { vendorName: 'onair', requestType: 'GetVerticalOutput' }), loading);
      releaseScenes();
      await continued;
      await page.unroute(SCENES_LOAD);
      // The page's workspace (scenes, sources, compositor) is up once it answers a scene request.
      await waitFor(
        'the window answers',
        () => obs.call('GetSceneList').catch((e: { code?: number }) => (e.code === 702 ? null : Promise.reject(e))),
        STEP_MS,
        200,
      );
      // The camera alone on air: the noise fills the picture.
      await obs.call('SetCurrentProgramScene', { sceneName: 'Camera' });

      // Video settings as OBS tools read and set them: the canvas, the preset's output size, the canvases' rate.
      const video = { fpsNumerator: 30, fpsDenominator: 1, baseWidth: 1280, baseHeight: 720, outputWidth: 854, outputHeight: 480 };
      assert.deepEqual(await obs.call('GetVideoSettings'), video);
      const refused = (data: Record<string, number>, code: number) =>
        assert.rejects(obs.call('SetVideoSettings', data), (e: { code?: number }) => e.code === code, JSON.stringify(data));
      await refused({ fpsNumerator: 60 }, 300);
      await refused({ fpsNumerator: 25000, fpsDenominator: 1001 }, 402);
      await refused({ fpsNumerator: 60, fpsDenominator: 1, baseWidth: 1000, baseHeight: 1000 }, 402);
      await refused({ outputWidth: 1280, outputHeight: 720 }, 400);
      assert.deepEqual(await obs.call('GetVideoSettings'), video, 'a refused request changes nothing');
      await obs.call('SetVideoSettings', { fpsNumerator: 60, fpsDenominator: 1, baseWidth: 1920, baseHeight: 1080 });
      assert.deepEqual(await obs.call('GetVideoSettings'), { ...video, fpsNumerator: 60, baseWidth: 1920, baseHeight: 1080 });
      assert.equal(await page.getByTestId('fps').inputValue(), '60', 'the Studio shows the rate set');
      // NTSC's 29.97, as OBS writes it (a capture card in a 60 Hz country): the stream goes out at that rate.
      await obs.call('SetVideoSettings', { fpsNumerator: 30000, fpsDenominator: 1001, baseWidth: 1280, baseHeight: 720 });
      assert.deepEqual(await obs.call('GetVideoSettings'), { ...video, fpsNumerator: 30000, fpsDenominator: 1001 });
      assert.equal(await page.locator('[data-testid="fps"] option:checked').textContent(), '29.97');
      const states: { state: string; active: boolean; at: number }[] = [];
      obs.on('StreamStateChanged', (e) => states.push({ state: e.outputState, active: e.outputActive, at: performance.now() }));

      const t0 = performance.now();
      await obs.call('StartStream');
      const answeredMs = performance.now() - t0;
      const startedBefore = states.some((s) => s.state === 'OBS_WEBSOCKET_OUTPUT_STARTED');
      await assert.rejects(obs.call('StartStream'), (e: { code?: number }) => e.code === 500, 'a second StartStream while starting');
      const early = await obs.call('GetStreamStatus');
      const earlyAt = performance.now();
      await waitFor('STARTED', () => states.some((s) => s.state === 'OBS_WEBSOCKET_OUTPUT_STARTED'), 60_000, 50);
      const liveMs = states.find((s) => s.state === 'OBS_WEBSOCKET_OUTPUT_STARTED')!.at - t0;
      console.log(`StartStream answered in ${answeredMs.toFixed(0)} ms; STARTED after ${liveMs.toFixed(0)} ms`);
      // Answered once starting has begun, not once the page's encoder has started and main's connection is live.
      assert.ok(answeredMs < 2000 && !startedBefore, `StartStream answered in ${answeredMs.toFixed(0)} ms, live before: ${startedBefore}`);
      assert.deepEqual(
        states.map((s) => [s.state, s.active]),
        [
          ['OBS_WEBSOCKET_OUTPUT_STARTING', false],
          ['OBS_WEBSOCKET_OUTPUT_STARTED', true],
        ],
      );
      if (earlyAt < t0 + liveMs) assert.equal(early.outputActive, false, 'not active while starting');
      await assert.rejects(obs.call('StartStream'), (e: { code?: number }) => e.code === 500, 'a second StartStream while live');
      await assert.rejects(
        obs.call('SetVideoSettings', { fpsNumerator: 24, fpsDenominator: 1 }),
        (e: { code?: number }) => e.code === 500,
        'not while live',
      );

      // The server tells players the rate the Studio sent: HLS as a decimal, DASH as the fraction its schema wants.
      const master = await waitFor(
        'a master playlist',
        () => fetch(`${server.base}/hls/${username}/index.m3u8`).then((r) => (r.ok ? r.text() : null)),
        STEP_MS,
        200,
      );
      assert.match(master, /FRAME-RATE=29\.970\b/);
      const mpd = await waitFor(
        'a manifest',
        () => fetch(`${server.base}/dash/${username}/index.mpd`).then((r) => (r.ok ? r.text() : null)),
        STEP_MS,
        200,
      );
      assert.match(mpd, /frameRate="30000\/1001"/);

      // A few seconds of stream; then, over 6 s, the figures as a tool and the health line show them beside the bytes
      // the server received meanwhile.
      await page.locator('[data-testid="state"][data-state="live"]').waitFor();
      await waitFor('bytes sent', async () => (await obs.call('GetStreamStatus')).outputBytes > 0, STEP_MS, 200);
      await sleep(4000);
      const received = () => server.rtmp.stats().streams.find((x) => x.channel === username)?.publisher.bytesIn ?? 0;
      const a = await obs.call('GetStreamStatus');
      const from = { at: performance.now(), bytes: received() };
      const shown: { kbps: number; fps: number }[] = [];
      while (performance.now() - from.at < 6000) {
        await sleep(500);
        const kbps = Number(/(\d+) kb\/s/.exec((await page.getByTestId('health-bitrate').textContent()) ?? '')?.[1] ?? NaN);
        shown.push({ kbps, fps: Number(await page.getByTestId('health-fps').textContent()) });
      }
      const b = await obs.call('GetStreamStatus');
      const to = { at: performance.now(), bytes: received() };
      const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
      // A reading between two health reports can show no figure (CI, Node 22: NaN); the average is of the figures shown.
      const figures = shown.filter((x) => Number.isFinite(x.kbps));
      assert.ok(figures.length >= 8, `the health line showed a bitrate in ${figures.length} of ${shown.length} readings`);
      shown.splice(0, shown.length, ...figures);
      const shownKbps = mean(shown.map((x) => x.kbps));
      const fps = mean(shown.map((x) => x.fps));
      const serverKbps = ((to.bytes - from.bytes) * 8) / (to.at - from.at);
      console.log(
        `outputBytes ${a.outputBytes} -> ${b.outputBytes} (server received ${to.bytes}); frames ${b.outputTotalFrames}, ` +
          `skipped ${b.outputSkippedFrames}; shown ${shown.map((x) => x.kbps).join(' ')} kb/s at ${fps.toFixed(1)} fps, ` +
          `the server ${serverKbps.toFixed(0)} kb/s`,
      );
      assert.equal(b.outputActive, true);
      assert.equal(b.outputReconnecting, false);
      assert.ok(b.outputBytes > a.outputBytes, `outputBytes grows: ${a.outputBytes} -> ${b.outputBytes}`);
      assert.ok(b.outputTotalFrames > a.outputTotalFrames && b.outputDuration >= a.outputDuration + 5000, JSON.stringify(b));
      assert.match(b.outputTimecode, /^00:00:\d\d\.\d{3}$/);
      // What the sender says it sent is what the server received, but for the last fraction of a second.
      const perSecond = ((PRESET.videoKbps + AUDIO_KBPS) * 1000) / 8;
      assert.ok(b.outputBytes <= to.bytes * 1.02 && b.outputBytes >= to.bytes - perSecond, `${b.outputBytes} bytes said, ${to.bytes} received`);
      // The bitrate shown is the bytes sent over the last seconds: the server's figure, and the configured one. The
      // encoder spends its bitrate per frame, so on a machine too busy to draw every frame the stream is as much
      // lighter: the video's share is judged at the rate the frames came.
      assert.ok(
        Math.abs(shownKbps - serverKbps) <= 0.25 * serverKbps,
        `shown ${shownKbps.toFixed(0)} kb/s, the server received ${serverKbps.toFixed(0)} kb/s`,
      );
      const configured = PRESET.videoKbps * Math.min(1, fps / (PRESET.fps * 0.9)) + AUDIO_KBPS;
      assert.ok(
        Math.abs(shownKbps - configured) <= 0.25 * configured,
        `shown ${shownKbps.toFixed(0)} kb/s at ${fps.toFixed(1)} fps, configured ${configured.toFixed(0)} kb/s`,
      );

      const t1 = performance.now();
      await obs.call('StopStream');
      const stopAnsweredMs = performance.now() - t1;
      await waitFor('STOPPED', () => states.some((s) => s.state === 'OBS_WEBSOCKET_OUTPUT_STOPPED'), STEP_MS, 50);
      console.log(`StopStream answered in ${stopAnsweredMs.toFixed(0)} ms; STOPPED after ${(states.at(-1)!.at - t1).toFixed(0)} ms`);
      assert.ok(stopAnsweredMs < 2000, `StopStream answered in ${stopAnsweredMs.toFixed(0)} ms`);
      assert.deepEqual(
        states.slice(2).map((s) => [s.state, s.active]),
        [
          ['OBS_WEBSOCKET_OUTPUT_STOPPING', false],
          ['OBS_WEBSOCKET_OUTPUT_STOPPED', false],
        ],
      );
      await page.locator('[data-testid="health"][data-state="idle"]').waitFor();
      assert.equal((await obs.call('GetStreamStatus')).outputActive, false);
    } finally {
      releaseScenes();
      await obs.disconnect();
    }
    assert.deepEqual(pageErrors, []);
  });

  test('recording while live: Start/Stop/ToggleRecord and the Record button; RecordStateChanged as OBS tells it; the stream goes on', async () => {
    assert.ok(control.url, 'the remote control was turned on by the test before');
    const obs = new OBSWebSocket();
    await obs.connect(control.url, control.password, { rpcVersion: 1, eventSubscriptions: EventSubscription.Outputs });
    const told: string[] = [];
    obs.on('RecordStateChanged', (e) => told.push(`${e.outputState.replace('OBS_WEBSOCKET_OUTPUT_', '')} ${path.basename(e.outputPath ?? '-')}`));
    const streamStates: string[] = [];
    obs.on('StreamStateChanged', (e) => streamStates.push(e.outputState));
    const file = (n: string) => path.join(work, n);
    const toldUntil = (n: number) => waitFor(`${n} record states`, () => told.length >= n, STEP_MS, 50);
    try {
      await page.getByLabel(/Also record to/).fill(file('ctl.mkv'));
      await obs.call('StartStream');
      await waitFor('STARTED', () => streamStates.includes('OBS_WEBSOCKET_OUTPUT_STARTED'), 60_000, 50);
      // Recording from Go Live, as "Also record to" says.
      await toldUntil(2);
      assert.deepEqual(told, ['STARTING -', 'STARTED ctl.mkv']);
      await waitFor('bytes recorded', async () => (await obs.call('GetRecordStatus')).outputBytes > 50_000, STEP_MS, 200);
      await assert.rejects(obs.call('StartRecord'), (e: { code?: number }) => e.code === 500, 'already recording');

      // StopRecord answers once the file is finished, with its path; the stream stays live.
      const stopped = await obs.call('StopRecord');
      assert.equal(stopped.outputPath, file('ctl.mkv'));
      assert.deepEqual(told.slice(2), ['STOPPING -', 'STOPPED ctl.mkv']);
      assert.deepEqual(await obs.call('GetRecordStatus'), NOT_RECORDING);
      assert.equal((await obs.call('GetStreamStatus')).outputActive, true, 'the stream goes on');
      await page.locator('[data-testid="recording"][data-state="stopped"]', { hasText: 'ctl.mkv' }).waitFor();

      // Again from the window's button: the next free name.
      await page.getByTestId('record-toggle').filter({ hasText: 'Start recording' }).click();
      await page.locator('[data-testid="recording"][data-state="recording"]', { hasText: 'ctl-2.mkv' }).waitFor();
      await toldUntil(6);
      assert.deepEqual(told.slice(4), ['STARTING -', 'STARTED ctl-2.mkv']);
      await sleep(2500);
      await page.getByTestId('record-toggle').filter({ hasText: 'Stop recording' }).click();
      await page.locator('[data-testid="recording"][data-state="stopped"]', { hasText: 'ctl-2.mkv' }).waitFor();

      // ToggleRecord starts the third; the stream's end ends it.
      assert.deepEqual(await obs.call('ToggleRecord'), { outputActive: true });
      await toldUntil(10);
      assert.deepEqual(told.slice(6), ['STOPPING -', 'STOPPED ctl-2.mkv', 'STARTING -', 'STARTED ctl-3.mkv']);
      await sleep(2500);
      await obs.call('StopStream');
      await toldUntil(12);
      assert.deepEqual(told.slice(10), ['STOPPING -', 'STOPPED ctl-3.mkv']);
      await page.locator('[data-testid="health"][data-state="idle"]').waitFor();
    } finally {
      await clearRecordPath();
      await obs.disconnect();
    }
    // Each file plays: the stream's H.264 and AAC, copied, from the first keyframe (one a second) after its start to its stop.
    for (const name of ['ctl.mkv', 'ctl-2.mkv', 'ctl-3.mkv']) {
      const probe = JSON.parse(
        (await runOk(FFPROBE, ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', file(name)])).stdout,
      );
      assert.deepEqual(probe.streams.map((x: { codec_name: string }) => x.codec_name).sort(), ['aac', 'h264'], name);
      assert.ok(Number(probe.format.duration) >= 1.3, `${name}: ${probe.format.duration} s`);
    }
    assert.deepEqual(pageErrors, []);
  });

  test('recording without a stream: StartRecord offline starts the encoder for it; a stream joins and leaves; the button starts another', async () => {
    assert.ok(control.url, 'the remote control was turned on by the first test');
    const obs = new OBSWebSocket();
    await obs.connect(control.url, control.password, { rpcVersion: 1, eventSubscriptions: EventSubscription.Outputs });
    const told: string[] = [];
    obs.on('RecordStateChanged', (e) => told.push(`${e.outputState.replace('OBS_WEBSOCKET_OUTPUT_', '')} ${path.basename(e.outputPath ?? '-')}`));
    const streamStates: string[] = [];
    obs.on('StreamStateChanged', (e) => streamStates.push(e.outputState.replace('OBS_WEBSOCKET_OUTPUT_', '')));
    const file = (n: string) => path.join(work, n);
    const encoding = () => page.evaluate(() => 'encode' in (globalThis as unknown as { __onairEngineStats(): object }).__onairEngineStats());
    const bytes = async () => (await obs.call('GetRecordStatus')).outputBytes;
    try {
      await page.getByLabel(/Also record to/).fill(file('alone.mkv'));
      assert.equal(await encoding(), false, 'no encoder before');
      // The window starts its encoder for the recording and answers once the file is named.
      await obs.call('StartRecord');
      assert.deepEqual(told, ['STARTING -', 'STARTED alone.mkv']);
      assert.equal(await encoding(), true);
      await page.locator('[data-testid="recording"][data-state="recording"]', { hasText: 'alone.mkv' }).waitFor();
      await page.locator('[data-testid="health"][data-state="idle"]').waitFor();
      assert.equal((await obs.call('GetStreamStatus')).outputActive, false, 'recording, not streaming');
      await waitFor('bytes recorded', async () => (await bytes()) > 50_000, STEP_MS, 200);

      // Go Live joins the encoder running; Stop leaves the recording running.
      await obs.call('StartStream');
      await waitFor('STARTED', () => streamStates.includes('STARTED'), 60_000, 50);
      await waitFor('bytes sent', async () => (await obs.call('GetStreamStatus')).outputBytes > 50_000, STEP_MS, 200);
      await obs.call('StopStream');
      await waitFor('stream STOPPED', () => streamStates.at(-1) === 'STOPPED', STEP_MS, 50);
      // The file grows in steps (256 KiB seen, about two seconds of this stream under load): a wait, not a fixed sleep.
      const before = await bytes();
      await waitFor('the file growing on after the stream stopped', async () => (await bytes()) > before, STEP_MS, 200);
      assert.deepEqual((await obs.call('GetRecordStatus')).outputActive, true);
      assert.equal(await encoding(), true, 'the encoder stays for the recording');
      assert.deepEqual(told, ['STARTING -', 'STARTED alone.mkv'], 'the stream did not touch the recording');

      // The window's button stops it, six and a half seconds in by the recording's own clock, which starts as the
      // file is named, before the encoder's first frame (the file is checked for five); the encoder goes with it.
      await waitFor('6.5 s recorded', async () => (await obs.call('GetRecordStatus')).outputDuration >= 6500, STEP_MS, 200);
      await page.getByTestId('record-toggle').filter({ hasText: 'Stop recording' }).click();
      await page.locator('[data-testid="recording"][data-state="stopped"]', { hasText: 'alone.mkv' }).waitFor();
      await waitFor('the encoder stopped', async () => !(await encoding()), STEP_MS, 100);
      assert.deepEqual(told.slice(2), ['STOPPING -', 'STOPPED alone.mkv']);

      // Offline again, from the button: the next free name; StopRecord answers with it.
      await page.getByTestId('record-toggle').filter({ hasText: 'Start recording' }).click();
      await page.locator('[data-testid="recording"][data-state="recording"]', { hasText: 'alone-2.mkv' }).waitFor();
      await sleep(2500);
      assert.equal((await obs.call('StopRecord')).outputPath, file('alone-2.mkv'));
      await waitFor('the encoder stopped', async () => !(await encoding()), STEP_MS, 100);
    } finally {
      await clearRecordPath();
      await obs.disconnect();
    }
    for (const [name, seconds] of [
      ['alone.mkv', 5],
      ['alone-2.mkv', 2],
    ] as const) {
      const probe = JSON.parse(
        (await runOk(FFPROBE, ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', file(name)])).stdout,
      );
      assert.deepEqual(probe.streams.map((x: { codec_name: string }) => x.codec_name).sort(), ['aac', 'h264'], name);
      assert.ok(Number(probe.format.duration) >= seconds, `${name}: ${probe.format.duration} s`);
    }
    assert.deepEqual(pageErrors, []);
  });
});

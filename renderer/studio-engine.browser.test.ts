// The Studio's own encoder end to end: in Chromium, a 1280x720 canvas the test draws (a colour that changes each
// second, moving blocks, a white flash each second) and an oscillator (a beep on each flash) are encoded by the
// engine (WebCodecs H.264, AAC native or WebAssembly), sent over the dev bridge's media socket to the engine
// sender, published with our RTMP client to a real Onair server, and the server's live HLS is checked with
// ffprobe/ffmpeg: sizes and codecs, keyframes every second, bitrate near the target, the canvas colour, flash and
// beep together; then the server drops the connection and the Studio reconnects and the stream goes on.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import { viteFrontend } from '../electron/dev-bridge/vite-frontend.js';
import { AUTOPLAY_ARG, launchChromium, newTestPage } from '../server/test-support/browser.js';
import { ffmpegPath as FFMPEG, ffprobe as ffprobeJson, ffprobePath, runOk, waitFor } from '../server/test-support/process.js';
import type { TestServer } from '../server/test-support/server.js';
import { startStudioServer } from '../server/test-support/studio.js';
import { extinf } from '../server/test-support/media.js';
import { PATTERN_COLOURS } from './studio/engine/encode/sync-pattern.js';

const STEP_MS = 30_000;
/** The 'Smooth 720p30' preset's bitrate. */
const TARGET_KBPS = 3500;
const FPS = 30;
const COLOURS = PATTERN_COLOURS;

/** In the page: the sync pattern (engine/encode/sync-pattern.ts) and the engine, started; window.__engine. */
async function startInPage(page: Page, o: { serverUrl: string; username: string; fps: number; kbps: number; recordPath?: string }) {
  return page.evaluate(async (o) => {
    // Modules from source through vite (no named functions in here: the test's transpiler would wrap them).
    const paths = ['/src/onair.ts', '/engine/clock.ts', '/engine/encode/engine-session.ts', '/engine/encode/sync-pattern.ts'];
    const [{ onair }, { sessionClock }, { startEngineSession }, { startSyncPattern }] = (await Promise.all(
      paths.map((p) => import(/* @vite-ignore */ p)),
    )) as any[];
    const signedIn = await onair.invoke('session:signIn', {
      serverUrl: o.serverUrl,
      username: o.username,
      password: `pw-${o.username}-123456`,
      register: true,
    });
    if (!signedIn.ok) throw new Error(signedIn.error.message);
    const clock = sessionClock();
    const pattern = startSyncPattern(clock, 1280, 720, o.fps);
    const session = await startEngineSession({
      api: onair,
      settings: {
        source: { kind: 'test' },
        preset: 'Smooth 720p30',
        encoder: 'libx264',
        bitrateKbps: o.kbps,
        fps: o.fps,
        keyframeSeconds: 1,
        ...(o.recordPath ? { recordPath: o.recordPath } : {}),
      },
      canvas: { id: 'horizontal', width: 1280, height: 720, fps: o.fps },
      clock,
      audio: pattern.mix,
    });
    pattern.attach(session.sink, session.tap);
    (window as any).__engine = { session, pattern };
    return { plan: session.plan, audioBackend: session.audioBackend };
  }, o);
}

/** Stops the engine session (ends the broadcast) and the pattern in the page. */
async function stopInPage(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const e = (window as any).__engine;
    if (!e) return;
    (window as any).__engine = undefined;
    await e.session.stop();
    await e.pattern.stop();
  });
}

interface Packet {
  pts: number;
  key: boolean;
  size: number;
}

async function packets(file: string, stream: 'v' | 'a'): Promise<Packet[]> {
  const out = await runOk(ffprobePath, [
    '-v',
    'error',
    '-select_streams',
    stream,
    '-show_entries',
    'packet=pts_time,flags,size',
    '-of',
    'json',
    file,
  ]);
  return (JSON.parse(out.stdout).packets as { pts_time: string; flags: string; size: string }[]).map((p) => ({
    pts: Number(p.pts_time),
    key: p.flags.includes('K'),
    size: Number(p.size),
  }));
}

/** Onsets (s) where a signal rises over `threshold` after at least `quietS` below it. */
function onsets(values: number[], times: number[], threshold: number, quietS: number): number[] {
  const out: number[] = [];
  let lastLoud = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! > threshold) {
      if (times[i]! - lastLoud > quietS) out.push(times[i]!);
      lastLoud = times[i]!;
    }
  }
  return out;
}

describe('Studio engine: WebCodecs encode in the page, sent through the dev bridge, live on the server', { timeout: 280_000 }, () => {
  let server: TestServer;
  let bridge: DevBridge;
  let browser: Browser;
  let page: Page;
  let work: string;
  const pageErrors: string[] = [];
  /** The page's last console lines, printed when the UI does not reach a state. */
  const consoleTail: string[] = [];
  const username = `enc${Date.now().toString(36).slice(-5)}`;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'onair-engine-'));
    server = await startStudioServer();
    bridge = await startDevBridge({ frontend: (s) => viteFrontend(s, { cacheDir: path.join(work, 'vite') }), ffmpegPath: FFMPEG, dataDir: work });
    browser = await launchChromium([AUTOPLAY_ARG]);
    page = await newTestPage(browser, { stepMs: STEP_MS, errors: pageErrors });
    page.on('console', (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && pageErrors.push(`console: ${m.text()}`));
    page.on('console', (m) => consoleTail.push(`${m.type()}: ${m.text()}`) > 40 && consoleTail.shift());
  });

  after(async () => {
    if (page) await stopInPage(page).catch(() => {});
    await browser?.close().catch(() => {});
    await bridge?.close().catch(() => {});
    await server?.stop().catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('encoded in the page, live on the server: sizes, keyframes, bitrate, colour, flash and beep together', async () => {
    await page.goto(bridge.url);
    await page.getByRole('status').filter({ hasText: 'Not live' }).waitFor();
    // Recorded as well: the next test drops the connection, which the recording must not show.
    const started = await startInPage(page, {
      serverUrl: server.base,
      username,
      fps: FPS,
      kbps: TARGET_KBPS,
      recordPath: path.join(work, 'reconnects.mkv'),
    });
    console.log(`engine: ${JSON.stringify(started)}`);
    await waitFor(
      'live on the server',
      async () => (await fetch(`${server.base}/api/channels/${username}`).then((r) => r.json())).live === true,
      STEP_MS,
      250,
    );
    await new Promise((r) => setTimeout(r, 3000)); // a few segments

    const hls = `${server.base}/hls/${username}/index.m3u8`;
    const cap = path.join(work, 'live.mkv');
    await runOk(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-i', hls, '-t', '8', '-c', 'copy', cap], 60_000);

    const probe = JSON.parse((await runOk(ffprobePath, ['-v', 'error', '-show_streams', '-of', 'json', cap])).stdout) as { streams: any[] };
    const v = probe.streams.find((s) => s.codec_type === 'video');
    const a = probe.streams.find((s) => s.codec_type === 'audio');
    assert.deepEqual([v?.codec_name, v?.width, v?.height], ['h264', 1280, 720]);
    assert.deepEqual([a?.codec_name, a?.profile, Number(a?.sample_rate), a?.channels], ['aac', 'LC', 48000, 2]);

    // Keyframes every second (±1 frame), as the server receives them: it cuts a segment at the first keyframe at
    // or after its 1 s target, so with a keyframe each second every video segment lasts one GOP. (ffprobe's own
    // keyframe flags would also count the IDR pictures the encoder adds at scene cuts, sent as ordinary frames.)
    const master = await (await fetch(hls)).text();
    const videoUri = master.split('\n').find((l) => l && !l.startsWith('#') && /v/.test(l)) ?? '';
    const videoList = await (await fetch(new URL(videoUri, hls))).text();
    const gaps = extinf(videoList).slice(1, -1); // the first and the still-open last may be partial
    console.log(`video segments: ${gaps.map((g) => g.toFixed(3)).join(' ')}`);
    const stalls = await page.evaluate(() => (window as any).__engine.pattern.stalls.map((s: { lateUs: number }) => Math.round(s.lateUs / 1000)));
    console.log(`drawing loop stalls (ms late): ${stalls.join(' ')}`);
    assert.ok(gaps.length >= 5, videoList);
    // On a loaded machine the page's drawing loop can stall for a moment: a keyframe that comes a few frames late
    // makes one segment longer and the next one hold two GOPs. One such pair is tolerated, nothing else is.
    const onTime = gaps.filter((g) => Math.abs(g - 1) <= 1 / FPS + 0.005);
    const lengths = gaps.map((g) => g.toFixed(3)).join(', ');
    assert.ok(onTime.length >= gaps.length - 2, `segment (GOP) lengths ${lengths}`);
    assert.ok(
      gaps.every((g) => g <= 2 + 1 / FPS + 0.005),
      `segment (GOP) lengths ${lengths}`,
    );

    // Bitrate within 15% of the target over ≥5 s of the capture.
    const vp = await packets(cap, 'v');
    const from = vp[0]!.pts;
    const to = vp[vp.length - 1]!.pts;
    assert.ok(to - from >= 5, `${to - from} s measured`);
    const bits = vp.filter((p) => p.pts >= from && p.pts < to).reduce((s, p) => s + p.size * 8, 0);
    const kbps = bits / (to - from) / 1000;
    const frames = vp.filter((p) => p.pts >= from && p.pts < to).length;
    const fps = frames / (to - from);
    console.log(`video bitrate ${kbps.toFixed(0)} kb/s over ${(to - from).toFixed(2)} s (target ${TARGET_KBPS}), ${fps.toFixed(1)} fps`);
    // The encoder spends the bitrate per frame at the configured rate: when a machine too busy to draw (the page's
    // timers stalled) delivers fewer frames, the stream is as much lighter. Judged at the rate the frames came.
    const perFrameKbps = fps >= FPS * 0.9 ? kbps : (kbps * FPS) / fps;
    assert.ok(
      Math.abs(perFrameKbps - TARGET_KBPS) / TARGET_KBPS <= 0.15,
      `bitrate ${kbps.toFixed(0)} kb/s at ${fps.toFixed(1)} fps vs ${TARGET_KBPS}`,
    );

    // The decoded picture: per frame, the mean brightness (flashes) and the centre colour.
    const frameTimes = JSON.parse(
      (await runOk(ffprobePath, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'frame=pts_time', '-of', 'json', cap])).stdout,
    ).frames.map((f: { pts_time: string }) => Number(f.pts_time)) as number[];
    const small = path.join(work, 'small.rgb');
    await runOk(FFMPEG, [
      '-v',
      'error',
      '-y',
      '-i',
      cap,
      '-map',
      '0:v',
      '-fps_mode',
      'passthrough',
      '-vf',
      'crop=320:160:480:280,scale=8:4',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      small,
    ]);
    const rgb = readFileSync(small);
    const perFrame = 8 * 4 * 3;
    assert.equal(rgb.length / perFrame, frameTimes.length, 'one picture per frame');
    const means: number[] = [];
    const centre: [number, number, number][] = [];
    for (let i = 0; i < frameTimes.length; i++) {
      const px = rgb.subarray(i * perFrame, (i + 1) * perFrame);
      const sum = [0, 0, 0];
      for (let j = 0; j < px.length; j += 3) for (let c = 0; c < 3; c++) sum[c]! += px[j + c]!;
      const avg = sum.map((s) => s / (px.length / 3)) as [number, number, number];
      centre.push(avg);
      means.push((avg[0] + avg[1] + avg[2]) / 3);
    }
    const plain = centre.filter((_, i) => means[i]! < 200);
    const matches = plain.filter((c) => COLOURS.some((k) => k.every((x, j) => Math.abs(x - c[j]!) <= 25)));
    assert.ok(
      matches.length >= plain.length * 0.9,
      `canvas colours in the decoded picture: ${JSON.stringify(plain.slice(0, 5).map((c) => c.map(Math.round)))}`,
    );
    assert.ok(new Set(matches.map((c) => COLOURS.findIndex((k) => k.every((x, j) => Math.abs(x - c[j]!) <= 25)))).size >= 2, 'the colour changes');

    // Flash and beep onsets, each within 22 ms of the other.
    // Each flash is frames 15-17 of a second. A frame the encoder dropped (a busy machine) leaves a gap in the
    // timestamps: when the first white frame follows such a gap and the run is short, the flash began in the gap.
    const frameS = 1 / FPS;
    const flashes = onsets(means, frameTimes, 200, 0.5).map((t) => {
      const i = frameTimes.indexOf(t);
      let run = 0;
      while (i + run < frameTimes.length && means[i + run]! >= 200) run++;
      const missing = i > 0 ? Math.max(0, Math.round((t - frameTimes[i - 1]!) / frameS) - 1) : 0;
      return t - Math.min(missing, Math.max(0, 3 - run)) * frameS;
    });
    const pcmFile = path.join(work, 'audio.f32');
    await runOk(FFMPEG, ['-v', 'error', '-y', '-i', cap, '-map', '0:a', '-ac', '1', '-f', 'f32le', pcmFile]);
    const pcm = new Float32Array(readFileSync(pcmFile).buffer.slice(0));
    const audioStart = Number(a.start_time);
    const env: number[] = [];
    const envTimes: number[] = [];
    for (let i = 0; i < pcm.length; i += 48) {
      let peak = 0;
      for (let j = i; j < Math.min(pcm.length, i + 48); j++) peak = Math.max(peak, Math.abs(pcm[j]!));
      env.push(peak);
      envTimes.push(audioStart + i / 48_000);
    }
    const beeps = onsets(env, envTimes, 0.2, 0.5);
    // Audio and video are separate renditions: the capture may start one before the other. Flashes outside the
    // audio's span have no beep to pair with.
    const audioEnd = audioStart + pcm.length / 48_000;
    const pairs = flashes
      .filter((f) => f > audioStart + 0.05 && f < audioEnd - 0.15)
      .map((f) => [f, beeps.reduce((best, b) => (Math.abs(b - f) < Math.abs(best - f) ? b : best), Infinity)] as const)
      // A beep is the flash's within half a period; the audio's very first one may be lost in the encoder's start-up,
      // and pairing that flash with the next second's beep would report 1000 ms, not a sync error.
      .filter(([f, b], i) => Math.abs(b - f) < 0.5 || i > 0);
    const offsets = pairs.map(([f, b]) => Math.round((b - f) * 1000));
    console.log(`flash -> beep offsets (ms): ${offsets.join(' ')}`);
    assert.ok(pairs.length >= 5, `flashes at ${flashes.join(', ')}, audio from ${audioStart} to ${audioEnd}`);
    for (const o of offsets) assert.ok(Math.abs(o) <= 22, `flash and beep ${o} ms apart (${offsets.join(', ')})`);
    // Tighter on the middle one: without the AAC priming compensation every beep would be 21 ms late.
    const median = [...offsets].sort((x, y) => x - y)[Math.floor(offsets.length / 2)]!;
    assert.ok(Math.abs(median) <= 10, `median flash to beep ${median} ms`);

    const stats = await page.evaluate(() => (window as any).__engine.session.stats());
    console.log(`encoder: ${JSON.stringify(stats)}`);
    assert.ok(stats.encoded > 0 && stats.dropped <= stats.framesIn * 0.05, JSON.stringify(stats));
    assert.deepEqual(pageErrors, []);
  });

  test('the server drops the connection: the Studio reconnects and the stream goes on', async () => {
    const core = bridge.core;
    const seen: string[] = [core.broadcastState.kind];
    const watch = setInterval(() => {
      const k = core.broadcastState.kind;
      if (seen[seen.length - 1] !== k) seen.push(k);
    }, 50);
    try {
      assert.equal(core.broadcastState.kind, 'live');
      assert.ok(server.rtmp.kick(username, 'test'), 'the publisher was live');
      await waitFor('reconnecting', () => seen.includes('reconnecting'), STEP_MS, 50);
      await waitFor('live again', () => core.broadcastState.kind === 'live', STEP_MS, 100);
      await waitFor(
        'live on the server again',
        async () => (await fetch(`${server.base}/api/channels/${username}`).then((r) => r.json())).live === true,
        STEP_MS,
        250,
      );
      await new Promise((r) => setTimeout(r, 3000));
      const cap = path.join(work, 'after.mkv');
      await runOk(
        FFMPEG,
        ['-hide_banner', '-loglevel', 'error', '-y', '-i', `${server.base}/hls/${username}/index.m3u8`, '-t', '4', '-c', 'copy', cap],
        60_000,
      );
      const vp = await packets(cap, 'v');
      const ap = await packets(cap, 'a');
      const span = (p: Packet[]) => (p.length ? p[p.length - 1]!.pts - p[0]!.pts : 0);
      console.log(`after the reconnect: ${vp.length} video packets over ${span(vp).toFixed(2)} s, ${ap.length} audio over ${span(ap).toFixed(2)} s`);
      assert.ok(span(vp) >= 2 && vp.some((p) => p.key), `${vp.length} video packets over ${span(vp)} s after the reconnect`);
      assert.ok(span(ap) >= 2, `${ap.length} audio packets over ${span(ap)} s after the reconnect`);
      assert.deepEqual(
        seen.filter((k) => k !== 'connecting'),
        ['live', 'reconnecting', 'live'],
        seen.join(' -> '),
      );
    } finally {
      clearInterval(watch);
    }
    await stopInPage(page);
    await waitFor('ended', () => bridge.core.broadcastState.kind === 'ended', STEP_MS, 100);
    // One recording through the drop, with no hole where the network had one: the page's encoder ran on meanwhile.
    const recorded = path.join(work, 'reconnects.mkv');
    assert.deepEqual(
      readdirSync(work).filter((f) => f.startsWith('reconnects')),
      ['reconnects.mkv'],
    );
    const rv = await packets(recorded, 'v');
    const gaps = rv.slice(1).map((p, i) => p.pts - rv[i]!.pts);
    const recSpan = rv.at(-1)!.pts - rv[0]!.pts;
    console.log(`recording through the reconnect: ${rv.length} frames over ${recSpan.toFixed(2)} s, largest gap ${Math.max(...gaps).toFixed(3)} s`);
    assert.ok(rv[0]!.key && recSpan >= 10, `${rv.length} frames over ${recSpan.toFixed(2)} s`);
    assert.ok(Math.max(...gaps) < 0.2, `largest gap between frames ${Math.max(...gaps).toFixed(3)} s`);
    assert.deepEqual(pageErrors, []);
  });

  test('the Studio UI: "Encode with: This app" goes live through the engine at the frame rate chosen, and stops', async () => {
    await page.reload();
    await page.getByTestId('account').filter({ hasText: username }).waitFor();
    await page.getByTestId('mode').selectOption('engine');
    // What only ffmpeg uses (its source, encoder, picture-in-picture, microphone) is not offered with this app.
    await page.getByTestId('engine-note').waitFor();
    for (const id of ['source', 'encoder', 'microphone']) assert.equal(await page.getByTestId(id).count(), 0, id);
    assert.equal(await page.getByText('Camera picture-in-picture').count(), 0);
    await page.getByTestId('preset').selectOption('Low bandwidth 480p');
    // With this app, FPS is the canvases' rate: what the compositor draws and the engine encodes.
    await page.getByTestId('fps').selectOption('20');
    // Recorded as well, to a name an earlier stream already has: this one goes beside it, which stays as it was.
    const earlier = path.join(work, 'ui-record.mkv');
    writeFileSync(earlier, 'an earlier stream');
    const recorded = path.join(work, 'ui-record-2.mkv');
    await page.getByLabel(/Also record to/).fill(earlier);
    await page.getByRole('button', { name: 'Go Live' }).click();
    await page
      .locator('[data-testid="state"][data-state="live"]')
      .waitFor()
      .catch(async (err: Error) => {
        const shown = await page
          .getByTestId('state')
          .innerText()
          .catch((e: Error) => `(no state: ${e.message})`);
        const core = JSON.stringify(bridge.core.broadcastState);
        // What the page and main said first: a failure's first line is what a CI log keeps.
        throw new Error(`the page shows "${shown}", the core ${core}: ${err.message}\nconsole:\n${consoleTail.join('\n')}`);
      });
    await waitFor(
      'live on the server',
      async () => (await fetch(`${server.base}/api/channels/${username}`).then((r) => r.json())).live === true,
      STEP_MS,
      250,
    );
    await waitFor(
      'frames at the server',
      async () => {
        const probe = await ffprobeJson(`${server.base}/hls/${username}/index.m3u8`).catch(() => null);
        const v = probe?.streams.find((x: { codec_type: string }) => x.codec_type === 'video');
        return v?.width === 854 && v?.height === 480 ? v : null;
      },
      STEP_MS,
      1000,
    );
    const cap = path.join(work, 'ui-live.mkv');
    await runOk(
      FFMPEG,
      ['-hide_banner', '-loglevel', 'error', '-y', '-i', `${server.base}/hls/${username}/index.m3u8`, '-t', '5', '-c', 'copy', cap],
      60_000,
    );
    const vp = await packets(cap, 'v');
    const seconds = vp.at(-1)!.pts - vp[0]!.pts;
    const fps = (vp.length - 1) / seconds;
    console.log(`UI broadcast: ${vp.length} frames over ${seconds.toFixed(2)} s, ${fps.toFixed(1)} fps`);
    assert.ok(seconds >= 3 && Math.abs(fps - 20) <= 1.5, `${fps.toFixed(1)} fps over ${seconds.toFixed(2)} s, 20 chosen`);
    assert.equal(await page.getByTestId('recording').innerText(), `● Recording to ${recorded}`);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.locator('[data-testid="state"][data-state="ended"]').waitFor();
    assert.equal(bridge.core.broadcastState.kind, 'ended');
    await page.locator('[data-testid="recording"][data-state="stopped"]').waitFor();
    assert.equal(await page.getByTestId('recording').innerText(), `Recorded to ${recorded}`);
    // The file holds what went on air, at the rate chosen and the preset's size, with its sound; the earlier one is untouched.
    assert.equal(readFileSync(earlier, 'utf8'), 'an earlier stream');
    const rv = await packets(recorded, 'v');
    const ra = await packets(recorded, 'a');
    const recSeconds = rv.at(-1)!.pts - rv[0]!.pts;
    const recFps = (rv.length - 1) / recSeconds;
    const probed = await ffprobeJson(recorded);
    const rvs = probed.streams.find((x: { codec_type: string }) => x.codec_type === 'video');
    console.log(`UI recording: ${rv.length} frames over ${recSeconds.toFixed(2)} s, ${recFps.toFixed(1)} fps, ${ra.length} audio packets`);
    assert.equal(`${rvs?.codec_name} ${rvs?.width}x${rvs?.height}`, 'h264 854x480');
    assert.ok(rv[0]!.key, 'starts on a keyframe');
    assert.ok(recSeconds >= seconds && Math.abs(recFps - 20) <= 1.5, `${recFps.toFixed(1)} fps over ${recSeconds.toFixed(2)} s`);
    assert.ok(ra.length >= recSeconds * 40, `${ra.length} AAC frames over ${recSeconds.toFixed(2)} s (46.9 a second)`);
    assert.deepEqual(pageErrors, []);
  });
});

// Onair Studio's audio mixer in Chromium. A 1 kHz tone made by ffmpeg is the fake microphone
// (--use-file-for-fake-audio-capture); ffmpeg's volumedetect on the same file is the reference.
//   engine (served by vite's dev server, as `npm run dev:studio` does): the meter reads the tone within 0.5 dB of
//   ffmpeg; -6 dB of gain reads 6 dB less, on the meter and at the output; mute is silence at the output; the
//   limiter keeps a tone boosted 12 dB over full scale under -1 dBFS (and a DynamicsCompressorNode, measured for
//   comparison, does not); a microphone silent for 10 s is warned of; sync offsets delay to the millisecond.
//   panel (the built Studio through the dev bridge): the strips, their meters moving, fader, mute, sync offset,
//   noise suppression, the desktop-audio warning, and the settings kept across a reload; the remote control's
//   InputVolumeMeters (obs-websocket-js) reading those meters 20 times a second, to the client that subscribed only.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EventSubscription, OBSWebSocket } from 'obs-websocket-js/json';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { startDevBridge, type DevBridge } from '../electron/dev-bridge/server.js';
import {
  AUTOPLAY_ARG,
  builtApp,
  FAKE_MEDIA_ARGS,
  launchChromium,
  newTestPage,
  turnOnRemoteControl,
  useCustomServer,
} from '../server/test-support/browser.js';
import { ffmpegPath as FFMPEG, runOk } from '../server/test-support/process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STEP_MS = 20_000;
// Screenshots for the README are refreshed with ONAIR_SCREENSHOTS=1; other runs write them to a temp folder.
const SHOTS = process.env.ONAIR_SCREENSHOTS ? path.join(ROOT, 'docs', 'screenshots') : path.join(os.tmpdir(), 'onair-screenshots');
const TOL_DB = 0.5;

/** ffmpeg's volumedetect of a file: peak (max_volume) and RMS (mean_volume) in dBFS. */
async function volumedetect(file: string): Promise<{ peakDb: number; rmsDb: number }> {
  const r = await runOk(FFMPEG, ['-hide_banner', '-nostats', '-i', file, '-af', 'volumedetect', '-f', 'null', '-'], 30_000);
  const num = (key: string) => Number(new RegExp(`${key}: (-?[\\d.]+) dB`).exec(r.stderr)?.[1]);
  const out = { peakDb: num('max_volume'), rmsDb: num('mean_volume') };
  assert.ok(Number.isFinite(out.peakDb) && Number.isFinite(out.rmsDb), `volumedetect: ${r.stderr.slice(-500)}`);
  return out;
}

const near = (actual: number, expected: number, what: string, tol = TOL_DB) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual.toFixed(2)} dB, expected ${expected.toFixed(2)} ± ${tol} dB`);

/**
 * Runs in the page (a string: tsx's helpers do not exist there). `mixer` and `openMicrophone` from the engine;
 * `record(node, seconds)`: peak and RMS of a node's output from its samples, through a capture worklet of the test's
 * own (the check does not rest on the mixer's meters); `meter(id, seconds)`: the median of a meter's readings.
 */
const HARNESS = `(async () => {
  const { AudioMixer } = await import('/engine/audio/mixer.ts');
  const { openMicrophone } = await import('/engine/audio/capture.ts');
  const mixer = await AudioMixer.create();
  const capture = "registerProcessor('test-capture', class extends AudioWorkletProcessor {" +
    " process(inputs) { const i = inputs[0]; if (i && i.length) this.port.postMessage(i.map((c) => c.slice())); return true; } });";
  await mixer.context.audioWorklet.addModule(URL.createObjectURL(new Blob([capture], { type: 'text/javascript' })));
  const db = (x) => (x === 0 ? -Infinity : 20 * Math.log10(x));
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN;
  Object.assign(window, {
    mixer,
    openMicrophone,
    record: (node, seconds) => new Promise((resolve) => {
      const ctx = node.context;
      const rec = new AudioWorkletNode(ctx, 'test-capture', { numberOfOutputs: 0, channelCount: 2, channelCountMode: 'explicit' });
      let frames = 0, peak = 0, squares = 0, samples = 0;
      rec.port.onmessage = (e) => {
        for (const ch of e.data) for (const v of ch) { peak = Math.max(peak, Math.abs(v)); squares += v * v; samples++; }
        frames += e.data[0].length;
        if (frames < seconds * ctx.sampleRate) return;
        node.disconnect(rec);
        rec.port.onmessage = null;
        resolve({ peakDb: db(peak), rmsDb: db(Math.sqrt(squares / samples)), frames });
      };
      node.connect(rec);
    }),
    meter: (id, seconds) => new Promise((resolve) => {
      const peaks = [], rms = [];
      const t0 = performance.now();
      const off = mixer.onMeter(id, (r) => { peaks.push(Math.max(...r.peakDb)); rms.push(Math.max(...r.rmsDb)); });
      setTimeout(() => {
        off();
        resolve({ peakDb: median(peaks), rmsDb: median(rms), count: peaks.length, seconds: (performance.now() - t0) / 1000 });
      }, seconds * 1000);
    }),
  });
})()`;

let tmp: string;
let tone: string;
let reference: { peakDb: number; rmsDb: number };
let browser: Browser;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'onair-mixer-'));
  tone = path.join(tmp, 'tone-1k.wav');
  await runOk(FFMPEG, ['-hide_banner', '-y', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000', '-t', '10', '-c:a', 'pcm_s16le', tone]);
  reference = await volumedetect(tone);
  browser = await launchChromium([...FAKE_MEDIA_ARGS, `--use-file-for-fake-audio-capture=${tone}`, AUTOPLAY_ARG]);
});

after(async () => {
  await browser?.close().catch(() => {});
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the mixer engine, served by the vite dev server', { timeout: 120_000 }, () => {
  let vite: ViteDevServer;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    const { createServer } = await import('vite');
    vite = await createServer({
      configFile: path.join(ROOT, 'renderer', 'vite.studio.config.ts'),
      logLevel: 'warn',
      server: { host: '127.0.0.1', port: 0, hmr: false, strictPort: false },
    });
    await vite.listen();
    const base = vite.resolvedUrls!.local[0];
    page = await newTestPage(browser, { stepMs: STEP_MS, errors: pageErrors });
    // An empty page on vite's origin: the test imports the engine's modules into it.
    await page.route('**/mixer-harness.html', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>mixer</title>' }));
    await page.goto(new URL('mixer-harness.html', base).toString());
    await page.evaluate(HARNESS);
  });

  after(async () => {
    await page?.evaluate(() => (window as unknown as { mixer: { close(): Promise<void> } }).mixer.close()).catch(() => {});
    await page?.close().catch(() => {});
    await vite?.close();
  });

  type Levels = { peakDb: number; rmsDb: number };
  const meter = (id: string, seconds = 1) =>
    page.evaluate(
      ([i, s]) => (window as unknown as { meter(i: string, s: number): Promise<Levels & { count: number; seconds: number }> }).meter(i, s),
      [id, seconds] as const,
    );
  const record = (seconds = 1) =>
    page.evaluate((s) => {
      const w = window as unknown as { mixer: { node: AudioNode }; record(n: AudioNode, s: number): Promise<Levels> };
      return w.record(w.mixer.node, s);
    }, seconds);
  const update = (id: string, patch: object) =>
    page.evaluate(([i, p]) => (window as unknown as { mixer: { update(i: string, p: object): void } }).mixer.update(i, p), [id, patch] as const);

  test('the context runs at 48 kHz', async () => {
    assert.equal(await page.evaluate(() => (window as unknown as { mixer: { context: AudioContext } }).mixer.context.sampleRate), 48_000);
    assert.equal(await page.evaluate(() => (window as unknown as { mixer: { context: AudioContext } }).mixer.context.state), 'running');
  });

  test("the microphone strip's meter reads the tone within 0.5 dB of ffmpeg, 20+ times a second", async () => {
    await page.evaluate(async () => {
      const w = window as unknown as {
        mixer: { addStrip(i: object, s: MediaStream): void };
        openMicrophone(id: null, ns: boolean): Promise<MediaStream>;
      };
      w.mixer.addStrip({ id: 'mic', name: 'Microphone', kind: 'microphone' }, await w.openMicrophone(null, false));
    });
    await new Promise((r) => setTimeout(r, 500)); // the device starting
    const m = await meter('mic', 2);
    assert.ok(m.count / m.seconds >= 20, `${m.count} readings in ${m.seconds.toFixed(2)} s`);
    near(m.peakDb, reference.peakDb, 'meter peak vs ffmpeg max_volume');
    near(m.rmsDb, reference.rmsDb, 'meter RMS vs ffmpeg mean_volume');
    const out = await record(1);
    near(out.peakDb, reference.peakDb, 'mix output peak');
    near(out.rmsDb, reference.rmsDb, 'mix output RMS');
  });

  test('-6 dB of gain reads -6 ± 0.5 dB, on the meter and at the output', async () => {
    await update('mic', { gainDb: -6 });
    await new Promise((r) => setTimeout(r, 200));
    const m = await meter('mic', 1);
    near(m.peakDb, reference.peakDb - 6, 'meter peak at -6 dB');
    near(m.rmsDb, reference.rmsDb - 6, 'meter RMS at -6 dB');
    const out = await record(1);
    near(out.rmsDb, reference.rmsDb - 6, 'mix output RMS at -6 dB');
  });

  test('mute is silence at the output', async () => {
    await update('mic', { muted: true });
    await new Promise((r) => setTimeout(r, 200));
    const out = await record(1);
    assert.equal(out.peakDb, -Infinity, `muted output peak ${out.peakDb} dBFS`);
    const m = await meter('mic', 0.5);
    assert.equal(m.peakDb, -Infinity);
    await update('mic', { muted: false, gainDb: 0 });
    await new Promise((r) => setTimeout(r, 200));
    near((await record(0.5)).rmsDb, reference.rmsDb, 'back after unmute');
  });

  test('a microphone silent for 10 s is said so; a removed strip reports no more', async () => {
    const t0 = Date.now();
    await page.evaluate(() => {
      const w = window as unknown as { mixer: { context: AudioContext; addStrip(i: object, n: AudioNode): void } };
      w.mixer.addStrip({ id: 'quiet', name: 'USB microphone', kind: 'microphone' }, new ConstantSourceNode(w.mixer.context, { offset: 0 }));
    });
    const warnings = () =>
      page.evaluate(() =>
        (window as unknown as { mixer: { currentWarnings(): { code: string; stripId: string; message: string }[] } }).mixer.currentWarnings(),
      );
    await new Promise((r) => setTimeout(r, 9_000));
    assert.ok(!(await warnings()).some((w) => w.code === 'mic-silent'), 'not before 10 s');
    let silent: { message: string } | undefined;
    for (let i = 0; i < 40 && !silent; i++) {
      await new Promise((r) => setTimeout(r, 100));
      silent = (await warnings()).find((w) => w.code === 'mic-silent' && w.stripId === 'quiet');
    }
    assert.ok(silent, 'the silent microphone is warned of');
    assert.ok(Date.now() - t0 >= 10_000);
    assert.match(silent.message, /^USB microphone has been silent for 10 s: check that it is plugged in/);
    assert.ok(!(await warnings()).some((w) => w.code === 'mic-silent' && w.stripId === 'mic'), 'the tone is not silence');
    await page.evaluate(() => (window as unknown as { mixer: { removeStrip(id: string): void } }).mixer.removeStrip('quiet'));
    const after = await meter('quiet', 0.5);
    assert.equal(after.count, 0, "no reports from the removed strip's meter");
  });

  test('the limiter keeps a tone boosted 12 dB over full scale under -1 dBFS', async () => {
    await update('mic', { muted: true });
    const comparison = await page.evaluate(async () => {
      const w = window as unknown as {
        mixer: { context: AudioContext; node: AudioNode; addStrip(i: object, n: AudioNode, s: object): void; removeStrip(id: string): void };
        record(n: AudioNode, s: number): Promise<Levels>;
      };
      const ctx = w.mixer.context;
      // A full-scale tone, any AudioNode being a strip's source (a layer's own audio).
      const osc = new OscillatorNode(ctx, { frequency: 1000 });
      osc.start();
      // For the record: a DynamicsCompressorNode set up as a limiter, on the same tone +12 dB.
      const boost = new GainNode(ctx, { gain: 10 ** (12 / 20) });
      const comp = new DynamicsCompressorNode(ctx, { threshold: -1, knee: 0, ratio: 20, attack: 0, release: 0.05 });
      osc.connect(boost).connect(comp);
      await new Promise((r) => setTimeout(r, 300));
      const compressor = await w.record(comp, 1);
      osc.disconnect(boost);
      w.mixer.addStrip({ id: 'tone', name: 'Tone', kind: 'layer' }, osc, { gainDb: 12, muted: false, offsetMs: 0 });
      return compressor;
    });
    await new Promise((r) => setTimeout(r, 300));
    const out = await record(2);
    assert.ok(out.peakDb <= -1 + 0.01, `limited output peak ${out.peakDb.toFixed(3)} dBFS`);
    assert.ok(out.peakDb >= -1.5, `the tone sits at the ceiling, not far under it: ${out.peakDb.toFixed(2)} dBFS`);
    const limiting = await page.evaluate(() => (window as unknown as { mixer: { limiterReduction: number } }).mixer.limiterReduction);
    near(limiting, 13, 'gain reduction of a 0 dBFS tone +12 dB down to -1 dBFS', 0.5);
    console.log(`DynamicsCompressorNode (threshold -1, ratio 20, knee 0, attack 0) on the same tone: peak ${comparison.peakDb.toFixed(2)} dBFS`);
    assert.ok(comparison.peakDb > -1, 'the compressor alone lets the tone over -1 dBFS (why the mixer has its own limiter)');
    const warnings = await page.evaluate(() =>
      (window as unknown as { mixer: { currentWarnings(): { code: string; stripId: string }[] } }).mixer.currentWarnings(),
    );
    assert.ok(
      warnings.some((x) => x.code === 'clipping' && x.stripId === 'mix'),
      JSON.stringify(warnings),
    );
    await page.evaluate(() => (window as unknown as { mixer: { removeStrip(id: string): void } }).mixer.removeStrip('tone'));
    assert.deepEqual(pageErrors, []);
  });
  test('sync offsets delay one strip, or every other strip for a negative offset (to the millisecond)', async () => {
    // Two strips of the same 500 Hz tone: in phase they add up (+6 dB); 1 ms (half a period) apart they cancel.
    await page.evaluate(() => {
      const w = window as unknown as { mixer: { context: AudioContext; addStrip(i: object, n: AudioNode): void } };
      const osc = new OscillatorNode(w.mixer.context, { frequency: 500 });
      const quarter = new GainNode(w.mixer.context, { gain: 0.25 });
      osc.connect(quarter);
      osc.start();
      w.mixer.addStrip({ id: 'a', name: 'A', kind: 'layer' }, quarter);
      w.mixer.addStrip({ id: 'b', name: 'B', kind: 'layer' }, quarter);
    });
    const outputRms = async () => {
      await new Promise((r) => setTimeout(r, 300));
      return (await record(0.5)).rmsDb;
    };
    const inPhase = 20 * Math.log10(0.5 / Math.SQRT2);
    near(await outputRms(), inPhase, 'no offsets: in phase');
    await update('a', { offsetMs: 1 });
    assert.ok((await outputRms()) < inPhase - 40, 'A 1 ms late: cancelled');
    await update('a', { offsetMs: -1 });
    assert.ok((await outputRms()) < inPhase - 40, 'A 1 ms early (B delayed instead): cancelled');
    await update('a', { offsetMs: 2 });
    near(await outputRms(), inPhase, 'A a whole period late: in phase again');
    await page.evaluate(() => {
      const w = window as unknown as { mixer: { removeStrip(id: string): void } };
      w.mixer.removeStrip('a');
      w.mixer.removeStrip('b');
    });
    assert.deepEqual(pageErrors, []);
  });
});

describe('the Mixer panel in the built Studio, through the dev bridge', { timeout: 120_000 }, () => {
  let bridge: DevBridge;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    const dist = path.join(ROOT, 'dist', 'renderer', 'studio');
    const hasMixer = existsSync(path.join(dist, 'assets')) && readdirSync(path.join(dist, 'assets')).some((f) => f.startsWith('mix-worklets-'));
    builtApp('studio', Boolean(process.env.ONAIR_REBUILD_STUDIO) || !hasMixer);
    bridge = await startDevBridge({ staticDir: dist, ffmpegPath: FFMPEG });
    page = await newTestPage(browser, { viewport: { width: 1440, height: 1000 }, stepMs: STEP_MS, errors: pageErrors });
  });

  after(async () => {
    await page?.close().catch(() => {});
    await bridge?.close().catch(() => {});
  });

  /** A meter's latest figures, as the panel wrote them from the worklet's reports. */
  const meterOf = async (id: string) => {
    const el = page.getByTestId(`meter-${id}`);
    const [peak, rms, reports, clip] = await Promise.all(['data-peak-db', 'data-rms-db', 'data-reports', 'data-clip'].map((a) => el.getAttribute(a)));
    return { peakDb: Number(peak), rmsDb: Number(rms), reports: Number(reports), clip: clip === 'true' };
  };
  /** Waits for the meter to settle: three readings in a row within 0.2 dB of each other (the fader glides 10 ms). */
  const settled = async (id: string) => {
    let last = NaN;
    for (let i = 0, same = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const m = await meterOf(id);
      same = Math.abs(m.rmsDb - last) < 0.2 || (m.rmsDb === -Infinity && last === -Infinity) ? same + 1 : 0;
      last = m.rmsDb;
      if (same >= 3) return m;
    }
    throw new Error(`the ${id} meter did not settle`);
  };

  test('strips with moving meters, fader, mute, sync offset, noise suppression, desktop audio, kept across a reload', async () => {
    await page.goto(bridge.url);
    await useCustomServer(page, 'mixer-panel-key');
    const mixer = page.getByRole('region', { name: 'Audio mixer' });
    await mixer.waitFor();
    await page.locator('[data-testid="strip-mic"][data-present="true"]').waitFor();

    // Noise suppression is on by default, and the device says it applies it; switched off, the microphone is opened
    // again without it.
    const applied = page.getByTestId('mic-noise-suppression-applied');
    await page.waitForFunction(() => document.querySelector('[data-testid="mic-noise-suppression-applied"]')?.textContent === 'true');
    await mixer.getByLabel('Noise suppression').uncheck();
    await page.waitForFunction(() => document.querySelector('[data-testid="mic-noise-suppression-applied"]')?.textContent === 'false');
    assert.equal(await applied.textContent(), 'false');

    // The meters move at 20+ reports a second, and read the tone as ffmpeg does.
    const before = await meterOf('mic');
    await new Promise((r) => setTimeout(r, 2000));
    const mic = await settled('mic');
    assert.ok((mic.reports - before.reports) / (2 + 0.3) >= 20, `${mic.reports - before.reports} meter reports in ~2 s`);
    near(mic.peakDb, reference.peakDb, 'panel meter peak');
    near(mic.rmsDb, reference.rmsDb, 'panel meter RMS');
    assert.equal(mic.clip, false);
    const mix = await settled('mix');
    near(mix.rmsDb, reference.rmsDb, 'the mix meter');
    const uncovered = await page
      .getByTestId('meter-mic')
      .locator('.meter__rms')
      .first()
      .evaluate((e) => (e as HTMLElement).style.clipPath);
    // -21 dBFS on a -60..0 scale: 65 % of the bar shown, 35 % covered.
    assert.match(uncovered, /^inset\(0(px)? 3[45]\.\d%/, `the RMS bar drawn: ${uncovered}`);

    // The fader: -6 dB reads 6 dB less.
    await mixer.getByLabel('Microphone gain (dB)').fill('-6');
    assert.equal(await page.getByTestId('gain-mic').textContent(), '-6.0 dB');
    near((await settled('mic')).rmsDb, reference.rmsDb - 6, 'panel meter at -6 dB');

    // Sync offset and mute.
    await mixer.getByLabel('Microphone sync offset (ms)').fill('120');
    await mixer.getByRole('button', { name: 'Mute' }).click();
    await mixer.getByRole('button', { name: 'Muted' }).waitFor();
    assert.equal((await settled('mic')).peakDb, -Infinity, 'muted: the meter reads silence');
    assert.equal((await settled('mix')).peakDb, -Infinity, 'muted: the mix is silent');

    // Desktop audio on Linux is the PulseAudio/PipeWire monitor; the fake devices have none: said so, in plain words.
    await mixer.getByLabel('Capture desktop audio').check();
    const warning = page.getByTestId('mixer-warnings').locator('[data-code="desktop-unavailable"]');
    await warning.waitFor();
    assert.match((await warning.textContent()) ?? '', /^Desktop audio is unavailable: no PulseAudio\/PipeWire monitor source was found/);
    assert.equal(await page.locator('[data-testid="strip-desktop"][data-present="true"]').count(), 0);

    // Saved with the Studio's settings, and read back.
    const saved = JSON.parse((await page.evaluate(() => localStorage.getItem('onair.studio.mixer'))) ?? '{}');
    assert.deepEqual(saved.state.strips.mic, { gainDb: -6, muted: true, offsetMs: 120 });
    assert.deepEqual(saved.state.microphone, { enabled: true, deviceId: null, noiseSuppression: false });
    assert.equal(saved.state.desktopAudio, true);
    await page.reload();
    await page.locator('[data-testid="strip-mic"][data-present="true"]').waitFor();
    assert.equal(await page.getByTestId('gain-mic').textContent(), '-6.0 dB');
    assert.equal(await mixer.getByLabel('Microphone sync offset (ms)').inputValue(), '120');
    await mixer.getByRole('button', { name: 'Muted' }).waitFor();
    assert.equal(await mixer.getByLabel('Noise suppression').isChecked(), false);
    assert.equal(await mixer.getByLabel('Capture desktop audio').isChecked(), true);
    await page.waitForFunction(() => document.querySelector('[data-testid="mic-noise-suppression-applied"]')?.textContent === 'false');

    // Unmuted after the reload, the strip plays at its saved -6 dB.
    await mixer.getByRole('button', { name: 'Muted' }).click();
    near((await settled('mic')).rmsDb, reference.rmsDb - 6, 'after the reload, at -6 dB');

    // +20 dB takes the tone 2 dB over full scale: the strip's clip light, the warnings, and the limiter at work.
    await mixer.getByLabel('Microphone gain (dB)').fill('20');
    await page.locator('[data-testid="meter-mic"][data-clip="true"]').waitFor();
    // The strip's warning and the mix's come from two meters, so one may show a meter update before the other.
    await page
      .waitForFunction(() =>
        /Microphone is clipping.*The mix is over full scale/.test(document.querySelector('[data-testid="mixer-warnings"]')?.textContent ?? ''),
      )
      .catch(async (err: Error) => {
        throw new Error(`${err.message}; the warnings say: ${await page.getByTestId('mixer-warnings').textContent()}`);
      });
    await page.getByTestId('limiting').waitFor();
    assert.match((await page.getByTestId('limiting').textContent()) ?? '', /limiting 3\.0 dB/);
    const limited = await settled('mix');
    assert.ok(limited.peakDb <= -1 + 0.01 && limited.peakDb > -1.5, `the mix held at -1 dBFS: ${limited.peakDb}`);
    assert.ok(await page.locator('[data-testid="meter-mic"] .meter__clip--on').isVisible());
    mkdirSync(SHOTS, { recursive: true });
    await page.getByRole('region', { name: 'Audio mixer' }).screenshot({ path: path.join(SHOTS, 'studio-mixer.png') });
    assert.deepEqual(pageErrors, []);
  });
  test("remote control: InputVolumeMeters reads the mixer's meters as OBS does, 20 a second, to its subscribers only", async () => {
    // After the test above: noise suppression off (the tone as it is), the microphone at +20 dB, desktop audio absent.
    const { url, password } = await turnOnRemoteControl(page);
    const plain = new OBSWebSocket();
    const meters = new OBSWebSocket();
    try {
      await plain.connect(url, password);
      const heardByPlain: unknown[] = [];
      plain.on('InputVolumeMeters', (e) => heardByPlain.push(e));
      await meters.connect(url, password, { eventSubscriptions: EventSubscription.All | EventSubscription.InputVolumeMeters });
      type Mic = { inputName: string; inputUuid: string; inputLevelsMul: number[][] };
      const mics: Mic[] = [];
      meters.on('InputVolumeMeters', (e) => mics.push(...(e.inputs as unknown as Mic[]).filter((i) => i.inputName === 'Microphone')));
      const dbOf = (mul: number) => (mul === 0 ? -Infinity : 20 * Math.log10(mul));
      const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN;
      /** A second of events (after the fader's glide): the rate, and the median of each of OBS's three levels. */
      const levels = async () => {
        await new Promise((r) => setTimeout(r, 300));
        mics.length = 0;
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, 1500));
        const got = mics.splice(0);
        const of = (k: number) => median(got.map((m) => Math.max(...m.inputLevelsMul.map((ch) => ch[k]))));
        return { rate: got.length / ((performance.now() - t0) / 1000), magnitude: of(0), peak: of(1), inputPeak: of(2), last: got.at(-1) };
      };

      await meters.call('SetInputVolume', { inputName: 'Microphone', inputVolumeDb: 0 });
      const flat = await levels();
      assert.ok(flat.rate >= 14 && flat.rate <= 23, `${flat.rate.toFixed(1)} InputVolumeMeters a second, about 20`);
      assert.equal(flat.last?.inputUuid, 'mic');
      assert.equal(flat.last?.inputLevelsMul.length, 2, 'a level triple per channel of the stereo strip');
      assert.ok(
        flat.last?.inputLevelsMul.every((ch) => ch.length === 3 && ch.every((v) => v >= 0 && v <= 1)),
        JSON.stringify(flat.last),
      );
      // Multipliers, not dB: the tone's RMS and peak as ffmpeg measures them.
      near(dbOf(flat.magnitude), reference.rmsDb, 'InputVolumeMeters magnitude');
      near(dbOf(flat.peak), reference.peakDb, 'InputVolumeMeters peak');
      near(dbOf(flat.inputPeak), reference.peakDb, 'InputVolumeMeters input peak');

      // -6 dB on the fader: half the level (as a multiplier) after it; the input peak, before the fader, is unchanged.
      await meters.call('SetInputVolume', { inputName: 'Microphone', inputVolumeDb: -6 });
      const half = await levels();
      const ratio = half.magnitude / flat.magnitude;
      assert.ok(Math.abs(ratio - 0.5) <= 0.03, `-6 dB: magnitude ${ratio.toFixed(3)} of the ungained level`);
      assert.ok(Math.abs(half.peak / flat.peak - 0.5) <= 0.03, `-6 dB: peak ${(half.peak / flat.peak).toFixed(3)} of the ungained level`);
      near(dbOf(half.inputPeak), dbOf(flat.inputPeak), 'the input peak at -6 dB');

      // Muted: nothing after the fader (exact zeros), the input still heard before it, as OBS reports a muted input.
      await meters.call('SetInputMute', { inputName: 'Microphone', inputMuted: true });
      const muted = await levels();
      assert.deepEqual([muted.magnitude, muted.peak], [0, 0]);
      assert.ok(
        muted.last?.inputLevelsMul.every((ch) => ch[0] === 0 && ch[1] === 0),
        JSON.stringify(muted.last),
      );
      near(dbOf(muted.inputPeak), reference.peakDb, 'the input peak while muted');
      await meters.call('SetInputMute', { inputName: 'Microphone', inputMuted: false });
      const fmt = (l: { magnitude: number; peak: number; inputPeak: number }) =>
        [l.magnitude, l.peak, l.inputPeak].map((v) => v.toFixed(4)).join(', ');
      console.log(`InputVolumeMeters ${flat.rate.toFixed(1)}/s; 0 dB [${fmt(flat)}]; -6 dB [${fmt(half)}]; muted [${fmt(muted)}]`);
      assert.deepEqual(heardByPlain, [], 'a client that did not subscribe gets no meters');

      // The subscriber gone, the window is asked for no more meters.
      await meters.disconnect();
      await page.getByTestId('control-connect-info').filter({ hasText: '1 connected' }).waitFor();
      const posts: string[] = [];
      const onRequest = (r: { url(): string; postData(): string | null }) => {
        if (r.url().endsWith('/bridge/invoke/control%3Aevent')) posts.push(r.postData() ?? '');
      };
      page.on('request', onRequest);
      await new Promise((r) => setTimeout(r, 500));
      page.off('request', onRequest);
      assert.ok(!posts.some((p) => p.includes('InputVolumeMeters')), `meters still sent: ${posts.length} posts`);
    } finally {
      await meters.disconnect().catch(() => {});
      await plain.disconnect().catch(() => {});
    }
    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.getByText('Remote control (off)').waitFor();
    assert.deepEqual(pageErrors, []);
  });

  test("a camera's sound (a capture card's audio input): a strip named after the source, read as the tone; a tool sets its volume and mute by the source's name", async () => {
    // The first run's camera layer (Chromium's fake camera): its sound is one of the fake audio inputs, which play the
    // same tone file as the microphone.
    const layers = page.getByRole('region', { name: 'Layers' });
    const camera = (
      await page.evaluate(() => [...document.querySelectorAll('[data-layer-item] .layers-panel__name')].map((e) => e.textContent))
    ).find((n) => n && n !== 'Screen' && n !== 'Background')!;
    await layers.getByRole('button', { name: camera, exact: true }).click();
    const sound = layers.getByLabel(`Sound of ${camera}`);
    await sound.selectOption({ label: 'Fake Audio Input 1' });
    const strip = page.locator('[data-testid^="strip-source:"][data-present="true"]');
    await strip.waitFor();
    const stripId = (await strip.getAttribute('data-testid'))!.slice('strip-'.length);
    assert.equal(await strip.locator('.strip__name').textContent(), camera, 'the strip carries the source name');
    near((await settled(stripId)).rmsDb, reference.rmsDb, "the camera's sound on its meter");

    const { url, password } = await turnOnRemoteControl(page);
    const obs = new OBSWebSocket();
    try {
      await obs.connect(url, password);
      await obs.call('SetInputVolume', { inputName: camera, inputVolumeDb: -6 });
      near((await settled(stripId)).rmsDb, reference.rmsDb - 6, "the camera's sound at -6 dB from a tool");
      assert.equal((await obs.call('GetInputVolume', { inputName: camera })).inputVolumeDb, -6);
      await obs.call('SetInputMute', { inputName: camera, inputMuted: true });
      assert.equal((await settled(stripId)).peakDb, -Infinity, 'muted from a tool');
      const settings = (await obs.call('GetInputSettings', { inputName: camera })).inputSettings;
      assert.equal(settings.use_custom_audio_device, true, JSON.stringify(settings));
      assert.equal(typeof settings.audio_device_id, 'string');
    } finally {
      await obs.disconnect().catch(() => {});
    }
    await page.getByRole('button', { name: 'Turn off' }).click();

    // No sound chosen: the strip goes.
    await sound.selectOption({ label: 'None' });
    await page.locator('[data-testid^="strip-source:"]').waitFor({ state: 'detached' });
    assert.deepEqual(pageErrors, []);
  });
});

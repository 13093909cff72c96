// `npm run studio:headless` as a tool's operator runs it: the command from package.json (its node line, spawned
// directly so signals reach it), a real Onair server with an account, and obs-websocket-js as the only way in. It
// prints `ready` once the control API answers, refuses a wrong password, streams the scenes to the server from its
// headless Chromium when told to, and stops cleanly on SIGTERM. Refusals at the start (no password, the control port
// taken) are in words, exit 1. The password is never printed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OBSWebSocket } from 'obs-websocket-js/json';
import { builtApp } from '../../server/test-support/browser.js';
import { freePort, waitFor } from '../../server/test-support/process.js';
import { newStreamer, startTestServer, type TestServer } from '../../server/test-support/server.js';
import { SCENES_FILE } from '../main/core/scenes-file.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PASSWORD = `pw-${Math.random().toString(36).slice(2, 12)}`;
const READY_MS = 90_000;
const STEP_MS = 30_000;

/** The studio:headless command line (node and its arguments) from package.json, with `args` after it. */
function command(args: string[]): string[] {
  const script = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
    'studio:headless'
  ]!;
  // One process, so SIGTERM reaches the Studio itself (no shell or npm in between to pass it on).
  assert.match(script, /^node [^&|;]+$/, script);
  return [...script.split(' ').slice(1), ...args];
}

interface Headless {
  proc: ChildProcess;
  out(): string;
  exited: Promise<number | null>;
}

function startHeadless(args: string[], env: Record<string, string | undefined> = {}): Headless {
  let out = '';
  const proc = spawn(process.execPath, command(args), {
    cwd: ROOT,
    env: { ...process.env, ONAIR_STUDIO_CONTROL_PASSWORD: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, out: () => out, exited };
}

async function exitWithin(h: Headless, ms: number): Promise<number | null> {
  const t = setTimeout(() => h.proc.kill('SIGKILL'), ms);
  const code = await h.exited;
  clearTimeout(t);
  return code;
}

describe('npm run studio:headless', { timeout: 240_000 }, () => {
  let server: TestServer;
  let dataDir: string;
  let studio: Headless | undefined;
  const username = `hl${Date.now().toString(36).slice(-6)}`;

  before(async () => {
    // Built here, so the Studio's start below is measured without a build (it would build a missing one itself).
    builtApp('studio', 'stale');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'onair-headless-'));
    const rtmpPort = await freePort();
    server = await startTestServer({ ONAIR_RTMP_PORT: String(rtmpPort), ONAIR_RTMP_PUBLIC_URL: `rtmp://127.0.0.1:${rtmpPort}/live` });
  });

  after(async () => {
    if (studio && studio.proc.exitCode === null) studio.proc.kill('SIGKILL');
    await server?.stop().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('without a password: exit 1, in words', async () => {
    const h = startHeadless(['--control-port', String(await freePort()), '--data-dir', dataDir]);
    assert.equal(await exitWithin(h, STEP_MS), 1);
    assert.match(h.out(), /a control password is required/);
  });

  test('the control port taken: exit 1, in words, the password not said', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const h = startHeadless(['--control-port', String(port), '--control-password', PASSWORD, '--data-dir', dataDir]);
      assert.equal(await exitWithin(h, 60_000), 1);
      assert.match(h.out(), new RegExp(`Port ${port} is in use`));
      assert.ok(!h.out().includes(PASSWORD), 'the password is not printed');
    } finally {
      taken.close();
    }
  });

  test('ready; a wrong password refused; scenes switched and streamed to the server; SIGTERM stops it, exit 0', async () => {
    const { channel } = await newStreamer(server.base, username);
    const port = await freePort();
    const t0 = Date.now();
    // main's ffmpeg sends (its test pattern): the page's own encoder, beside other test runs on two cores, fell to a
    // few frames a second or none for 30 s, which the server ends as idle (renderer/studio-engine.browser.test.ts,
    // run alone, is the engine's test). The page still answers every window request: scenes, StartStream, StopStream.
    studio = startHeadless(['--control-port', String(port), '--control-password', PASSWORD, '--data-dir', dataDir, '--encode', 'pipeline']);
    const h = studio;
    await waitFor('ready', () => h.out().includes(`studio: ready (control on 127.0.0.1:${port})`) || h.proc.exitCode !== null, READY_MS, 100);
    assert.equal(h.proc.exitCode, null, h.out());
    console.log(`ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    await assert.rejects(new OBSWebSocket().connect(`ws://127.0.0.1:${port}`, 'not-the-password'), (e: { code?: number }) => e.code === 4009);

    const obs = new OBSWebSocket();
    await obs.connect(`ws://127.0.0.1:${port}`, PASSWORD);
    try {
      const outputs: string[] = [];
      obs.on('StreamStateChanged', (e) => outputs.push(e.outputState));
      await obs.call('SetStreamServiceSettings', {
        streamServiceType: 'rtmp_custom',
        streamServiceSettings: { server: channel.rtmpUrl, key: channel.streamKey },
      });
      const service = await obs.call('GetStreamServiceSettings');
      assert.equal(service.streamServiceSettings.server, channel.rtmpUrl);
      assert.notEqual(service.streamServiceSettings.key, channel.streamKey, 'the key is not read back');

      // The first run's scenes, made from Chromium's fake camera and screen. With a stream service set the window
      // opens its workspace (the preview, the mixer's devices, the compositor): on a busy machine it may take longer
      // than the 5 s a window request gets (702), so the first one is asked again, for a bounded time.
      const list = await waitFor(
        'the window answers after opening its workspace',
        () => obs.call('GetSceneList').catch((e: { code?: number }) => (e.code === 702 ? null : Promise.reject(e))),
        STEP_MS,
        100,
      );
      const scenes = list.scenes.map((s) => s.sceneName);
      assert.deepEqual(scenes, ['Screen + camera', 'Camera', 'Be right back']);
      await obs.call('SetCurrentProgramScene', { sceneName: 'Camera' });
      assert.equal((await obs.call('GetCurrentProgramScene')).sceneName, 'Camera');

      // Answered once starting has begun, as OBS answers it; how the start goes is told by StreamStateChanged.
      await obs.call('StartStream');
      await waitFor('STARTED', () => outputs.includes('OBS_WEBSOCKET_OUTPUT_STARTED'), STEP_MS, 100);
      assert.equal(outputs[0], 'OBS_WEBSOCKET_OUTPUT_STARTING');
      await waitFor(
        'live on the server',
        async () => (await fetch(`${server.base}/api/channels/${username}`).then((r) => r.json())).live === true,
        STEP_MS,
        250,
      );
      // The first segment needs the page's encoder to have sent a keyframe and a segment's worth after it: slow when
      // the page shares two busy cores (its frame rate falls to a few a second).
      await waitFor('an HLS playlist', async () => (await fetch(`${server.base}/hls/${username}/index.m3u8`)).ok, 45_000, 250);
      const status = await obs.call('GetStreamStatus');
      assert.equal(status.outputActive, true);
      assert.ok(status.outputBytes > 0, JSON.stringify(status));
      // Main knows the stream runs, and the window stops it even when it has not heard of the start yet. Answered at
      // once, as OBS answers it: STOPPING, then STOPPED once the window has stopped.
      await obs.call('StopStream');
      await waitFor('stopped', async () => (await obs.call('GetStreamStatus')).outputActive === false, STEP_MS, 100);
      await waitFor('the stopped event', () => outputs.includes('OBS_WEBSOCKET_OUTPUT_STOPPED'), 5000, 50);
      assert.deepEqual(outputs, [
        'OBS_WEBSOCKET_OUTPUT_STARTING',
        'OBS_WEBSOCKET_OUTPUT_STARTED',
        'OBS_WEBSOCKET_OUTPUT_STOPPING',
        'OBS_WEBSOCKET_OUTPUT_STOPPED',
      ]);
    } catch (err) {
      console.log(`the headless Studio said:\n${h.out().slice(-6000)}`);
      const serverSaid = server
        .logs()
        .split('\n')
        .filter((l) => /"level":(40|50|"warn"|"error")|rtmp|publish|ingest|hls|segment/i.test(l));
      console.log(`the server's warnings and errors:\n${serverSaid.slice(-30).join('\n')}`);
      throw err;
    } finally {
      await obs.disconnect();
    }

    h.proc.kill('SIGTERM');
    assert.equal(await exitWithin(h, 20_000), 0, h.out());
    assert.ok(!h.out().includes(PASSWORD), 'the password is not printed');
    assert.ok(!h.out().includes(channel.streamKey), 'the stream key is not printed');
    // Its data folder keeps the scenes, with the program the tool chose.
    const saved = JSON.parse(readFileSync(path.join(dataDir, SCENES_FILE), 'utf8')) as { program: string; scenes: { id: string; name: string }[] };
    assert.equal(saved.scenes.find((s) => s.id === saved.program)?.name, 'Camera');
  });
});

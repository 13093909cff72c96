// Onair Studio's compositor and encoder (the "engine": Canvas compositor + WebCodecs H.264 in the page) on this
// machine, in headless Chromium with software encode, against a real Onair server on 127.0.0.1. Per run:
//  A. 720p30, one output, the first-run scene "Screen + camera" (Chromium's fake screen and camera): over the
//     window, frames dropped (frames the server received against 30 a second), compose and encode p50/p95 (the
//     engine's own figures, engine/diagnostics.ts), CPU of the whole Studio (the host process: Node core, sender
//     thread, Chromium driver; and Chromium's process tree) in cores. Then, still live, glass-to-glass: a full-canvas
//     magenta layer switched on and off through the control API, seen on Onair's own /embed page in another Chromium.
//  B. the same with the vertical output on (720x1280 at the same time): each output's frame rate as the server
//     received it, the Studio's CPU.
//  C. today's ffmpeg pipeline (bench/studio.ts's Broadcast child: lavfi test source, x264, same 1280x720@30, same
//     3500 kb/s, 1 s keyframes): CPU of its process tree (Node + ffmpeg), and the ratio A / C.
//
//   npx tsx bench/studio-compositor.ts [--runs 3] [--seconds 30] [--warmup 5] [--flashes 10] [--out NAME]
//                                      [--quiet-busy 25] [--quiet-wait 300]  (each run first waits for a quiet box)
//                                      [--profile FILE]  (a diagnostic: the Studio page's JavaScript thread profiled
//                                      for 10 s of phase A's window, as FILE-runN.cpuprofile; studio-compositor-host.ts)
//                                      [--trace FILE]  (a diagnostic: a 5 s Chromium trace of phase A, as FILE-runN.json)
//                                      [--preview off]  (the Studio's "Show preview" switched off: what the preview costs)
//                                      [--fps 60]  (the frame rate of the canvases and of C, 30 by default)
//                                      [--record on]  (the Studio's "Also record to" set: what the local recording costs)
//                                      [--record alone]  (a recording started before each Go Live, with no stream, through
//                                      StartRecord: the stream joins its encoders; stopped after the stream)
//
// Writes bench/results/<NAME>.{json,md} (default studio-compositor-YYYY-MM-DD). Targets and method: bench/README.md.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OBSWebSocket } from 'obs-websocket-js/json';
import { builtApp } from '../server/test-support/browser.js';
import { newStreamer } from '../server/test-support/server.js';
import { startStudioServer } from '../server/test-support/studio.js';
import { parseMaster, parsePlaylist, quantile } from './hls.js';
import { measureGroups, waitForQuietBox } from './proc.js';
import { freePort, sleep, spawnGroup, type Managed } from './spawn.js';
import { summarize, reportMd } from './studio-compositor-report.js';
import { glassToGlass } from './studio-compositor-g2g.js';
import { countFmp4Samples } from './studio-compositor-lib.js';
import { arg } from './cli-args.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(arg('runs', '3'));
const SECONDS = Number(arg('seconds', '30'));
const WARMUP = Number(arg('warmup', '5'));
const FLASHES = Number(arg('flashes', '10'));
const QUIET_BUSY = Number(arg('quiet-busy', '25'));
const QUIET_WAIT = Number(arg('quiet-wait', '300'));
const PROFILE = arg('profile', '');
const TRACE = arg('trace', '');
const PREVIEW = arg('preview', 'on');
/**
 * "on": the Studio records every stream to a file in its data folder as well (engine-recorder.ts); "alone": a
 * recording is started with no stream before each Go Live (a record-only sender thread) and the stream joins it.
 */
const RECORD = arg('record', 'off');
if (!['off', 'on', 'alone'].includes(RECORD)) throw new Error(`--record takes off, on or alone, not ${RECORD}`);
/** The canvases' frame rate (the Studio's FPS, set through SetVideoSettings) and the ffmpeg pipeline's. */
const FPS = Number(arg('fps', '30'));
const STARTED = 'OBS_WEBSOCKET_OUTPUT_STARTED';
const STOPPED = 'OBS_WEBSOCKET_OUTPUT_STOPPED';
/** Magenta as obs-websocket's colour (0xAABBGGRR). */
const MAGENTA = 0xffff00ff;
const log = (s: string) => process.stderr.write(`studio-compositor: ${s}\n`);
const r1 = (x: number) => Math.round(x * 10) / 10;
/** The 1-minute load average: other work on the box (the runs' figures are only as good as the box was quiet). */
const loadAvg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

// ------------------------------------------------------------------------------------------ the server's HLS
async function mediaPlaylist(url: string): Promise<string> {
  const text = await (await fetch(url)).text();
  const v = parseMaster(text)?.variants[0];
  return v ? new URL(v, url).toString() : url;
}
async function lastSeq(url: string): Promise<number> {
  return parsePlaylist(await (await fetch(url)).text()).segments.at(-1)?.seq ?? -1;
}
/** Frames in the segments completed after `from` up to `to` (media sequence numbers), and their length. */
async function hlsFrames(url: string, from: number, to: number) {
  const segs = parsePlaylist(await (await fetch(url)).text()).segments.filter((s) => s.seq > from && s.seq <= to);
  let frames = 0;
  let seconds = 0;
  for (const s of segs) {
    frames += countFmp4Samples(new Uint8Array(await (await fetch(new URL(s.uri, url))).arrayBuffer()));
    seconds += s.duration;
  }
  return { segments: segs.length, frames, seconds: r1(seconds), fps: seconds ? Math.round((frames / seconds) * 100) / 100 : null };
}

// ------------------------------------------------------------------------------------------ the Studio host
interface Host {
  proc: Managed;
  stats(): Promise<any>;
}
async function startHost(
  serverBase: string,
  username: string,
  controlPort: number,
  password: string,
  dataDir: string,
  profile: string,
  trace: string,
): Promise<Host> {
  const waiting: Array<(o: any) => void> = [];
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const proc = spawnGroup(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'bench/studio-compositor-host.ts'),
      '--server',
      serverBase,
      '--username',
      username,
      '--control-port',
      String(controlPort),
      '--data-dir',
      dataDir,
      ...(profile ? ['--profile', profile] : []),
      ...(trace ? ['--trace', trace] : []),
      ...(PREVIEW === 'off' ? ['--preview', 'off'] : []),
      ...(RECORD !== 'off' ? ['--record', path.join(dataDir, 'bench-recording.mkv')] : []),
    ],
    {
      cwd: ROOT,
      stdin: 'pipe',
      env: { ...process.env, ONAIR_STUDIO_ACCOUNT_PASSWORD: `pw-${username}-123456`, ONAIR_STUDIO_CONTROL_PASSWORD: password },
      onStdoutLine: (l) => {
        let o: any;
        try {
          o = JSON.parse(l);
        } catch {
          return;
        }
        if (o.type === 'ready') ready();
        if (o.type === 'stats') waiting.shift()?.(o);
      },
    },
  );
  await Promise.race([
    readyP,
    proc.exited.then(() => Promise.reject(new Error(`the Studio host exited:\n${proc.tail()}`))),
    sleep(150_000).then(() => Promise.reject(new Error('the Studio host was not ready within 150 s'))),
  ]);
  return {
    proc,
    stats: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        proc.child.stdin!.write('stats\n');
      }),
  };
}

function waitState(obs: OBSWebSocket, state: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${state} within ${ms / 1000} s`)), ms);
    const on = (e: { outputState: string }) => {
      if (e.outputState !== state) return;
      clearTimeout(t);
      obs.off('StreamStateChanged', on);
      resolve();
    };
    obs.on('StreamStateChanged', on);
  });
}

/** Goes live, lets WARMUP seconds pass, then measures SECONDS: CPU of the host's tree, the engine's figures, HLS. */
async function liveWindow(obs: OBSWebSocket, host: Host, playlists: Record<string, string>) {
  // Answered once the window's encoders run and the file is named (obs-record.ts).
  if (RECORD === 'alone') await obs.call('StartRecord');
  const live = waitState(obs, STARTED, 90_000);
  await obs.call('StartStream');
  await live;
  await sleep(WARMUP * 1000);
  const urls: Record<string, string> = {};
  for (const [k, u] of Object.entries(playlists)) urls[k] = await mediaPlaylist(u);
  const seq0: Record<string, number> = {};
  for (const [k, u] of Object.entries(urls)) seq0[k] = await lastSeq(u);
  const samples: any[] = [await host.stats()];
  const cpu = measureGroups({ studio: () => [host.proc.pid] }, SECONDS * 1000, 1000);
  // The compositor keeps 5 s of compose times: one sample per 5 s window.
  for (let i = 0; i < SECONDS / 5; i++) {
    await sleep(5000);
    samples.push(await host.stats());
  }
  const m = await cpu;
  const seq1: Record<string, number> = {};
  for (const [k, u] of Object.entries(urls)) seq1[k] = await lastSeq(u);
  const hls: Record<string, Awaited<ReturnType<typeof hlsFrames>>> = {};
  for (const [k, u] of Object.entries(urls)) hls[k] = await hlsFrames(u, seq0[k]!, seq1[k]!);
  const first = samples[0].stats;
  const last = samples.at(-1).stats;
  const wallS = (samples.at(-1).at - samples[0].at) / 1000;
  const windows = (key: string, p: string) =>
    samples
      .slice(1)
      .map((s) => s.stats?.[key]?.[p] as number)
      .filter((x) => Number.isFinite(x));
  const enc = (key: string) =>
    first?.[key] && last?.[key]
      ? {
          framesIn: last[key].framesIn - first[key].framesIn,
          encoded: last[key].encoded - first[key].encoded,
          dropped: last[key].dropped - first[key].dropped,
          p50Ms: r1(quantile(windows(key, 'encodeMsP50'), 0.5)),
          p95Ms: r1(quantile(windows(key, 'encodeMsP95'), 0.5)),
          p95MaxMs: r1(Math.max(...windows(key, 'encodeMsP95'))),
        }
      : null;
  return {
    cpuCores: Math.round(m.groups.studio!.cpuPct) / 100,
    rssMB: Math.round(m.groups.studio!.rssMeanMB),
    processes: m.groups.studio!.comms,
    boxBusyPct: Math.round(m.boxBusyPct),
    loadAvg: loadAvg(),
    hls,
    compose: {
      fps: first?.compose && last?.compose ? r1((last.compose.frames - first.compose.frames) / wallS) : null,
      p50Ms: r1(quantile(windows('compose', 'p50Ms'), 0.5)),
      p95Ms: r1(quantile(windows('compose', 'p95Ms'), 0.5)),
      p95MaxMs: r1(Math.max(...windows('compose', 'p95Ms'))),
    },
    encode: enc('encode'),
    encodeVertical: enc('encodeVertical'),
  };
}

/** Stops the stream; on a loaded box the window may take long to say so: then whether it is still active decides. */
async function stopStream(obs: OBSWebSocket) {
  const stopped = waitState(obs, STOPPED, 60_000);
  await obs.call('StopStream');
  await stopped.catch(async (err: Error) => {
    if ((await obs.call('GetStreamStatus')).outputActive) throw err;
    log(`${err.message}, but the output is no longer active: going on`);
  });
  // The recording alone outlived the stream; it ends here, before the next phase starts its own.
  if (RECORD === 'alone') await obs.call('StopRecord');
}

// ------------------------------------------------------------------------------------------ one run
async function run(i: number, server: Awaited<ReturnType<typeof startStudioServer>>) {
  const name = `sc${i}${Date.now().toString(36).slice(-4)}`;
  await newStreamer(server.base, name);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'onair-sc-'));
  const port = await freePort();
  const password = `bench-${Math.random().toString(36).slice(2)}`;
  const out: any = { channel: name };
  const host = await startHost(
    server.base,
    name,
    port,
    password,
    dataDir,
    PROFILE && `${PROFILE}-run${i}.cpuprofile`,
    TRACE && `${TRACE}-run${i}.json`,
  );
  const obs = new OBSWebSocket();
  try {
    await obs.connect(`ws://127.0.0.1:${port}`, password);
    await obs.call('SetVideoSettings', { fpsNumerator: FPS, fpsDenominator: 1 });
    const { currentProgramSceneName } = await obs.call('GetCurrentProgramScene');
    // The flash layer for glass-to-glass, made now and hidden: a hidden layer is not drawn.
    const made = (await obs.call('CreateInput', {
      sceneName: currentProgramSceneName,
      inputName: 'g2g flash',
      inputKind: 'color_source_v3',
      inputSettings: { color: MAGENTA },
      sceneItemEnabled: false,
    } as any)) as { sceneItemId: number };
    const main = `${server.base}/hls/${name}/index.m3u8`;
    const vertical = `${server.base}/hls/${name}/vertical/index.m3u8`;

    log(`run ${i}: A. 720p${FPS}, one output`);
    out.single = await liveWindow(obs, host, { main });
    log(`run ${i}: A. ${JSON.stringify(out.single)}`);
    log(`run ${i}: glass-to-glass`);
    out.g2g = await glassToGlass(obs, server.base, name, currentProgramSceneName, made.sceneItemId, FLASHES).catch((e: Error) => ({
      error: e.message,
    }));
    log(`run ${i}: g2g ${JSON.stringify(out.g2g)}`);
    await stopStream(obs);

    log(`run ${i}: B. 720p + 720x1280`);
    await obs.call('CallVendorRequest', {
      vendorName: 'onair',
      requestType: 'SetVerticalOutput',
      requestData: { enabled: true, width: 720, height: 1280 },
    });
    out.dual = await liveWindow(obs, host, { main, vertical });
    log(`run ${i}: B. ${JSON.stringify(out.dual)}`);
    await stopStream(obs);
  } catch (err) {
    // What was measured before the failure is kept (the summary reads each figure where it exists).
    log(`run ${i} failed: ${(err as Error).stack}`);
    out.error = (err as Error).message;
    return out;
  } finally {
    await obs.disconnect().catch(() => {});
    host.proc.child.stdin?.end('stop\n');
    await Promise.race([host.proc.exited, sleep(20_000)]);
    await host.proc.stop();
    // With --record, what the Studio wrote (a file per Go Live, and B's vertical one): a recording that did not happen measures nothing.
    if (RECORD !== 'off') {
      const files = readdirSync(dataDir).filter((f) => f.startsWith('bench-recording'));
      out.recorded = { files: files.length, mb: Math.round(files.reduce((n, f) => n + statSync(path.join(dataDir, f)).size, 0) / 1e5) / 10 };
      log(`run ${i}: recorded ${JSON.stringify(out.recorded)}`);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }

  log(`run ${i}: C. the ffmpeg pipeline`);
  out.ffmpeg = await ffmpegPipeline(server, `${name}f`);
  log(`run ${i}: C. ${JSON.stringify(out.ffmpeg)}`);
  return out;
}

/** bench/studio.ts's broadcast child (Broadcast, test source, Smooth 720p at FPS, 1 s keyframes): CPU of its tree. */
async function ffmpegPipeline(server: Awaited<ReturnType<typeof startStudioServer>>, name: string) {
  const { channel } = await newStreamer(server.base, name);
  let live!: () => void;
  const liveP = new Promise<void>((r) => (live = r));
  const child = spawnGroup(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'bench/studio.ts'),
      '--child',
      '--server',
      server.rtmpBase,
      '--seconds',
      String(WARMUP + SECONDS + 15),
      '--cpu-seconds',
      '0',
      '--fps',
      String(FPS),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ONAIR_STREAM_KEY: channel.streamKey },
      onStdoutLine: (l) => l.includes('"kind":"live"') && live(),
    },
  );
  try {
    await Promise.race([liveP, sleep(60_000).then(() => Promise.reject(new Error(`the ffmpeg pipeline did not go live:\n${child.tail()}`)))]);
    await sleep(WARMUP * 1000);
    const url = await mediaPlaylist(`${server.base}/hls/${name}/index.m3u8`);
    const s0 = await lastSeq(url);
    const m = await measureGroups({ ffmpeg: () => [child.pid] }, SECONDS * 1000, 1000);
    const hls = await hlsFrames(url, s0, await lastSeq(url));
    return {
      cpuCores: Math.round(m.groups.ffmpeg!.cpuPct) / 100,
      processes: m.groups.ffmpeg!.comms,
      boxBusyPct: Math.round(m.boxBusyPct),
      loadAvg: loadAvg(),
      hls,
    };
  } finally {
    await child.stop();
  }
}

async function main() {
  builtApp('studio', 'stale');
  builtApp('viewer');
  const server = await startStudioServer({ ONAIR_LOG_LEVEL: 'warn', ONAIR_LIVE_WINDOW: '100' });
  const runs: any[] = [];
  try {
    for (let i = 1; i <= RUNS; i++) {
      try {
        const quiet = await waitForQuietBox(QUIET_BUSY, QUIET_WAIT);
        log(`run ${i}: box ${quiet.busyPct} % busy before (waited ${quiet.waitedS} s)`);
        runs.push({ quietBefore: quiet, ...(await run(i, server)) });
      } catch (err) {
        log(`run ${i} failed: ${(err as Error).stack}`);
        runs.push({ error: (err as Error).message });
      }
    }
  } finally {
    await server.stop();
  }
  const date = new Date().toISOString();
  const result = {
    date,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    settings: {
      quietBusyPct: QUIET_BUSY,
      quietWaitS: QUIET_WAIT,
      runs: RUNS,
      seconds: SECONDS,
      warmup: WARMUP,
      fps: FPS,
      flashes: FLASHES,
      bitrateKbps: 3500,
      verticalKbps: 2500,
      keyframeSeconds: 1,
      preview: PREVIEW,
      record: RECORD,
    },
    runs,
    summary: summarize(runs, FPS),
  };
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const name = arg('out', `studio-compositor-${date.slice(0, 10)}`);
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  const md = reportMd(result);
  writeFileSync(path.join(dir, `${name}.md`), md);
  process.stdout.write(md);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

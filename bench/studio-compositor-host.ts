// Child of bench/studio-compositor.ts: the headless Studio (electron/dev-bridge/headless.ts: the Studio's core
// behind the dev bridge, the built Studio UI with its engine in headless Chromium, the remote control on), in a
// process of its own so that its CPU, this Node process (the core, its sender thread, the Chromium driver) and
// Chromium's process tree, is measured alone. The bench drives it through the control API (obs-websocket) as any
// tool would; this process only reads the engine's own figures from the page when asked.
//
//   node --import tsx bench/studio-compositor-host.ts --server URL --username NAME --control-port N --data-dir DIR
//                                                     [--profile FILE] [--trace FILE] [--preview off] [--record FILE]
//   (the account's password in ONAIR_STUDIO_ACCOUNT_PASSWORD, the control password in ONAIR_STUDIO_CONTROL_PASSWORD)
//
// stdout, JSON lines: {"type":"ready"} once the control API answers; {"type":"stats","at":ms,"stats":{...}} for each
// "stats" line on stdin (globalThis.__onairEngineStats(): compose, encode, encodeVertical). "stop" (or stdin closed)
// stops the stream, Chromium and the core, then exits 0. With --profile, the second "stats" line (5 s into the first
// measured window) also starts a 10 s sampling profile of the Studio page's JavaScript thread, written to FILE
// (.cpuprofile: Chromium's DevTools open it): where the page's own thread spends its time, which no /proc figure shows.
// With --trace, the same moment starts a 5 s Chromium trace of every process (FILE, JSON; bench/trace-summary.ts reads it).
// With --preview off, the Studio's "Show preview" switch is turned off before "ready", as a streamer would; with
// --record FILE, its "Also record to" is set to FILE (each Go Live records beside the last: FILE-2, FILE-3, …).
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startHeadlessStudio } from '../electron/dev-bridge/headless.js';
import { locateFfmpeg } from '../server/ffmpeg/locate.js';
import { CHROMIUM, CHROMIUM_ARGS, builtApp } from '../server/test-support/browser.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    username: { type: 'string' },
    'control-port': { type: 'string' },
    'data-dir': { type: 'string' },
    profile: { type: 'string' },
    trace: { type: 'string' },
    preview: { type: 'string' },
    record: { type: 'string' },
  },
});
// Each thread's tasks (toplevel), the page's timeline (layout, paint, scripts) and the compositor's frames.
const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'cc', 'viz', 'media', 'gpu'];
const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
const log = (level: string) => (obj: object, msg?: string) => process.stderr.write(JSON.stringify({ level, msg, ...obj }) + '\n');

const studio = await startHeadlessStudio({
  staticDir: builtApp('studio'),
  ffmpegPath: locateFfmpeg({ explicit: process.env.FFMPEG_PATH }),
  chromiumPath: CHROMIUM,
  chromiumArgs: CHROMIUM_ARGS,
  controlPort: Number(values['control-port']),
  controlPassword: process.env.ONAIR_STUDIO_CONTROL_PASSWORD ?? '',
  dataDir: values['data-dir']!,
  encode: 'engine',
  signIn: { serverUrl: values.server!, username: values.username!, password: process.env.ONAIR_STUDIO_ACCOUNT_PASSWORD ?? '' },
  logger: { info: () => {}, warn: log('warn'), error: log('error') },
  onFatal: (reason) => {
    process.stderr.write(`studio host: ${reason}\n`);
    process.exit(1);
  },
});
if (values.preview === 'off') await studio.page.getByLabel('Show preview').uncheck();
if (values.record) await studio.page.getByLabel(/Also record to/).fill(values.record);
out({ type: 'ready' });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await studio.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
const rl = createInterface({ input: process.stdin });
rl.on('close', () => void stop());
let statsAsked = 0;
rl.on('line', (line) => {
  if (line === 'stop') return void stop();
  if (line !== 'stats') return;
  if (++statsAsked === 2 && values.profile) void profilePage(values.profile, 10_000);
  if (statsAsked === 2 && values.trace) void tracePage(values.trace, 5_000);
  studio.page
    .evaluate(() => (globalThis as unknown as { __onairEngineStats?: () => unknown }).__onairEngineStats?.() ?? null)
    .then(
      (stats) => out({ type: 'stats', at: Date.now(), stats }),
      (err: Error) => out({ type: 'stats', at: Date.now(), stats: null, error: err.message }),
    );
});

async function profilePage(file: string, ms: number): Promise<void> {
  try {
    const cdp = await studio.page.context().newCDPSession(studio.page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await new Promise((r) => setTimeout(r, ms));
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
  } catch (err) {
    process.stderr.write(`studio host: no profile: ${(err as Error).message}\n`);
  }
}

async function tracePage(file: string, ms: number): Promise<void> {
  const browser = studio.page.context().browser();
  try {
    if (!browser) throw new Error('no browser to trace');
    await browser.startTracing(studio.page, { path: file, categories: TRACE_CATEGORIES });
    await new Promise((r) => setTimeout(r, ms));
    await browser.stopTracing();
  } catch (err) {
    process.stderr.write(`studio host: no trace: ${(err as Error).message}\n`);
  }
}

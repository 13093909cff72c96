// `npm run studio:headless -- --control-port 4455 --control-password PW`: Onair Studio without Electron or a display,
// driven through its remote control (obs-websocket 5, docs/STUDIO-API.md). Builds the Studio UI when dist/ has none
// or an older one, runs the headless Studio (electron/dev-bridge/headless.ts), prints `studio: ready (control on
// 127.0.0.1:PORT)` once the control API answers, and runs until SIGTERM or SIGINT (then stops the stream, Chromium
// and the core, and exits 0). A failure is said in words on stderr, exit 1. The passwords are never printed.
//   --control-port N       the control API's port on 127.0.0.1 (default 4455)
//   --control-password PW  required (or ONAIR_STUDIO_CONTROL_PASSWORD)
//   --data-dir DIR         the app's data folder: the scenes (default ~/.config/onair-studio-headless, or under
//                          XDG_CONFIG_HOME)
//   --encode engine|pipeline  what StartStream starts: the scenes through the page's encoder (default), or the
//                          ffmpeg pipeline's test pattern, as the Settings' "Encode with" choose
//   --server URL --username NAME  sign in to an Onair server at start (the account's password in
//                          ONAIR_STUDIO_ACCOUNT_PASSWORD); without them, a control tool sets where the stream goes
//                          with SetStreamServiceSettings
// CHROMIUM_PATH (default /usr/bin/chromium) and FFMPEG_PATH choose the binaries.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { HeadlessStudio } from '../electron/dev-bridge/headless.js';
import { BROADCAST_MODES, type BroadcastMode } from '../electron/ipc-contract.js';

/** How long stopping may take before the process gives up waiting (a stream ends within 5 s). */
const STOP_MS = 20_000;

const fail = (message: string): never => {
  console.error(`studio: ${message}`);
  process.exit(1);
};

let values: Record<string, string | boolean | undefined> = {};
try {
  ({ values } = parseArgs({
    options: {
      'control-port': { type: 'string', default: '4455' },
      'control-password': { type: 'string' },
      'data-dir': { type: 'string' },
      encode: { type: 'string', default: 'engine' },
      server: { type: 'string' },
      username: { type: 'string' },
    },
  }));
} catch (err) {
  fail(`${(err as Error).message} (see the top of scripts/studio-headless.ts for the options)`);
}

const controlPort = Number(values['control-port']);
if (!Number.isInteger(controlPort) || controlPort < 1024 || controlPort > 65535) fail('--control-port must be a port number, 1024-65535.');
const controlPassword = (values['control-password'] as string | undefined) ?? process.env.ONAIR_STUDIO_CONTROL_PASSWORD ?? '';
if (!controlPassword) fail('a control password is required: --control-password PW, or ONAIR_STUDIO_CONTROL_PASSWORD in the environment.');
const encode = values.encode as string;
if (!(BROADCAST_MODES as readonly string[]).includes(encode)) fail(`--encode must be one of ${BROADCAST_MODES.join(', ')}.`);
const server = values.server as string | undefined;
const username = values.username as string | undefined;
if (server && !username) fail('--server needs --username (and the account password in ONAIR_STUDIO_ACCOUNT_PASSWORD).');
if (server && !process.env.ONAIR_STUDIO_ACCOUNT_PASSWORD) fail('--server needs the account password in ONAIR_STUDIO_ACCOUNT_PASSWORD.');
const dataDir = path.resolve(
  (values['data-dir'] as string | undefined) ?? path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'onair-studio-headless'),
);

const log = (level: string) => (obj: object, msg?: string) => console.error(JSON.stringify({ level, msg, ...obj }));
let studio: HeadlessStudio | null = null;
let stopping = false;

async function stop(code: number, why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.error(`studio: ${why}`);
  const t = setTimeout(() => {
    console.error(`studio: stopping took over ${STOP_MS / 1000} s; exiting anyway.`);
    process.exit(1);
  }, STOP_MS);
  await studio?.close();
  clearTimeout(t);
  process.exit(code);
}

// A signal during the start is kept and acted on once the start is over (Chromium may be half launched).
let signalled: NodeJS.Signals | null = null;
for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.on(sig, () => {
    if (stopping) return void process.exit(1); // a second signal: do not wait
    signalled = sig;
    if (studio) void stop(0, `${sig}: stopping`);
  });

// Loaded once the arguments are known to be good: a mistake is said at once, not after the Studio's modules load.
const { startHeadlessStudio, HeadlessError } = await import('../electron/dev-bridge/headless.js');
const { locateFfmpeg } = await import('../server/ffmpeg/locate.js');
const { builtApp, CHROMIUM, CHROMIUM_ARGS } = await import('../server/test-support/browser.js');

console.error(`studio: data folder ${dataDir}`);
let staticDir = '';
try {
  staticDir = builtApp('studio', 'stale');
} catch {
  fail('the Studio UI build failed (npm run build:studio shows why).');
}

try {
  studio = await startHeadlessStudio({
    staticDir,
    ffmpegPath: locateFfmpeg({ explicit: process.env.FFMPEG_PATH }),
    chromiumPath: CHROMIUM,
    chromiumArgs: CHROMIUM_ARGS,
    controlPort,
    controlPassword,
    dataDir,
    encode: encode as BroadcastMode,
    signIn: server ? { serverUrl: server, username: username!, password: process.env.ONAIR_STUDIO_ACCOUNT_PASSWORD! } : undefined,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    onFatal: (reason) => void stop(1, `${reason} Stopping.`),
  });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof HeadlessError) fail(e.message);
  if (e.code === 'EADDRINUSE') fail(`a port is in use: ${e.message}`);
  fail(`the Studio did not start: ${e.message}`);
}
if (signalled) await stop(0, `${signalled}: stopping`);
else if (!stopping) console.log(`studio: ready (control on 127.0.0.1:${controlPort})`);

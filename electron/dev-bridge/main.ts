// `npm run dev:studio`: the Studio UI in a browser, from source with hot reload, and the dev bridge behind it — one
// process, one address (http://127.0.0.1:5174, ONAIR_BRIDGE_PORT to change it). vite runs in middleware mode on the
// bridge's own HTTP server, so the page, /bridge and the /socket.io chat proxy share one origin. Ctrl-C stops it all.
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { locateFfmpeg } from '../../server/ffmpeg/locate.js';
import { startDevBridge } from './server.js';
import { viteFrontend } from './vite-frontend.js';
import { cdpWebPages } from './web-pages.js';

const port = Number(process.env.ONAIR_BRIDGE_PORT ?? 5174);
// Web page layers: a headless Chromium started on first use (CHROMIUM_PATH, default Debian's), sandboxed unless run
// as root (Chromium's sandbox refuses root).
let webBrowser: Promise<Browser> | null = null;
const webPages = cdpWebPages(
  () =>
    (webBrowser ??= chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    })),
);
const log = (level: string) => (obj: object, msg?: string) => console.error(JSON.stringify({ level, msg, ...obj }));
const starting = startDevBridge({
  port,
  // Scenes survive restarting dev:studio (the desktop app keeps them in its data folder).
  dataDir: path.join(os.tmpdir(), 'onair-studio-dev'),
  ffmpegPath: locateFfmpeg({ explicit: process.env.FFMPEG_PATH }),
  logger: { info: log('info'), warn: log('warn'), error: log('error') },
  frontend: viteFrontend,
  feeds: { webPages },
});
const bridge = await starting.catch((err: NodeJS.ErrnoException) => {
  console.error(
    err.code === 'EADDRINUSE' ? `Port ${port} is in use (another dev:studio?); set ONAIR_BRIDGE_PORT to use another.` : `dev:studio: ${err.message}`,
  );
  process.exit(1);
});
console.log(`Onair Studio (development): ${bridge.url}`);
const stop = () =>
  void bridge
    .close()
    .then(() => webBrowser?.then((b) => b.close()))
    .catch(() => {})
    .then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

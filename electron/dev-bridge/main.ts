// `npm run dev:studio`: the dev bridge on 127.0.0.1:5174 serving the built Studio (and, with vite's dev server on
// :5175, the /bridge and /socket.io routes it proxies here). Open http://127.0.0.1:5174 in a browser.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateFfmpeg } from '../../server/ffmpeg/locate.js';
import { startDevBridge } from './server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const port = Number(process.env.ONAIR_BRIDGE_PORT ?? 5174);
const log = (level: string) => (obj: object, msg?: string) => console.error(JSON.stringify({ level, msg, ...obj }));
const bridge = await startDevBridge({
  port,
  staticDir: path.join(root, 'dist', 'renderer', 'studio'),
  ffmpegPath: locateFfmpeg({ explicit: process.env.FFMPEG_PATH }),
  logger: { info: log('info'), warn: log('warn'), error: log('error') },
});
console.log(`Onair Studio dev bridge: ${bridge.url} (pipeline: ${bridge.core ? 'hosted' : 'none'})`);
const stop = () => void bridge.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

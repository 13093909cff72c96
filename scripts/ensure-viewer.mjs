// `npm start` runs this first: builds the viewer web app when dist/renderer/viewer is missing (a fresh clone),
// so the site works without a separate build step. A build that fails leaves the server runnable: the site
// routes then answer with a page that says to run `npm run build:viewer`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const index = path.join(root, 'dist', 'renderer', 'viewer', 'index.html');

if (existsSync(index)) process.exit(0);
const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(vite)) {
  console.warn('onair: the viewer web app is not built and Vite is not installed (npm ci installs it). The server starts without the site.');
  process.exit(0);
}
console.log('onair: building the viewer web app (first start)…');
const r = spawnSync(process.execPath, [vite, 'build', '--config', path.join(root, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status !== 0) console.warn('onair: building the viewer failed; the server starts without the site. Run `npm run build:viewer` to see why.');
process.exit(0);

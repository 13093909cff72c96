// `npm run build:electron`: bundles Onair Studio's main process (ESM) and preload (CommonJS: sandboxed preloads
// cannot be ES modules) into dist/electron with esbuild. electron stays external; everything else (the pipeline,
// the contract, server/ffmpeg/locate.ts) is bundled so the packaged app needs no node_modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'electron');
rmSync(out, { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, external: ['electron', 'ffmpeg-static'], logLevel: 'warning' };
await build({
  ...common,
  entryPoints: [path.join(root, 'electron', 'main', 'index.ts')],
  outfile: path.join(out, 'main.js'),
  format: 'esm',
  // import.meta.url-based require for the CommonJS packages the bundle may pull in
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
// The engine mode's sender thread (electron/broadcast/engine-sender-thread.ts starts it next to main.js).
await build({
  ...common,
  entryPoints: [path.join(root, 'electron', 'broadcast', 'engine-sender-worker.ts')],
  outfile: path.join(out, 'engine-sender-worker.js'),
  format: 'esm',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
await build({
  ...common,
  entryPoints: [path.join(root, 'electron', 'preload', 'index.ts')],
  outfile: path.join(out, 'preload.cjs'),
  format: 'cjs',
});
console.log(`built ${path.relative(root, out)}/main.js, engine-sender-worker.js and preload.cjs`);

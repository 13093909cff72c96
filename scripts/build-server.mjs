// Compiles the server (and the operator CLI) to plain JavaScript in dist/server with esbuild, so a running server
// carries no TypeScript loader: less start-up work and memory. Dependencies stay in node_modules.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [path.join(root, 'server', 'main.ts'), path.join(root, 'server', 'cli.ts')],
  outdir: path.join(root, 'dist', 'server'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});

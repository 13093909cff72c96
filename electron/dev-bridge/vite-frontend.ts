// The Studio UI from source for the dev bridge: vite in middleware mode on the bridge's own HTTP server (one
// origin for the page, /bridge and the chat proxy), with its hot-reload socket on that server too. Used by
// `npm run dev:studio` (main.ts) and by tests that load engine modules from source in the page.
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DevFrontend } from './server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `cacheDir`: where vite keeps its pre-bundled dependencies (tests give their own, as other runs share node_modules). */
export async function viteFrontend(server: http.Server, opts: { cacheDir?: string } = {}): Promise<DevFrontend> {
  const { createServer } = await import('vite');
  const vite = await createServer({
    configFile: path.join(root, 'renderer', 'vite.studio.config.ts'),
    // vite prints no address of its own: the bridge's is the one to open.
    logLevel: 'warn',
    clearScreen: false,
    cacheDir: opts.cacheDir,
    server: { middlewareMode: true, ws: { server } },
  });
  return {
    handle: (req, res, next) => vite.middlewares(req, res, next),
    ownsUpgrade: (req) => /^vite-(hmr|ping)$/.test(String(req.headers['sec-websocket-protocol'] ?? '')),
    close: () => vite.close(),
  };
}

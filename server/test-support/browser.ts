// Chromium and the built web apps, for the browser tests: Debian's Chromium (or CHROMIUM_PATH) through
// playwright-core, and a vite build of the viewer app or the Studio UI when dist/ does not have one yet.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Headless, without the sandbox (CI runs as root) and without Chromium's own network chatter. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const VITE_CONFIG = { viewer: 'vite.config.ts', studio: 'vite.studio.config.ts' } as const;

/** dist/renderer/<app>, built with vite first when it has no index.html (or when `rebuild`). */
export function builtApp(app: 'viewer' | 'studio', rebuild = false): string {
  const dist = path.join(ROOT, 'dist', 'renderer', app);
  if (existsSync(path.join(dist, 'index.html')) && !rebuild) return dist;
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const config = path.join(ROOT, 'renderer', VITE_CONFIG[app]);
  const r = spawnSync(process.execPath, [vite, 'build', '--config', config, '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit', timeout: 120_000 });
  assert.equal(r.status, 0, `vite build of the ${app} failed`);
  return dist;
}

// What the glass-to-glass pages load in Chromium (bench/g2g.ts): Onair's viewer app for /embed (built when older than
// its sources), the clock probe as an init script, and a bare page playing a stream with hls.js and its defaults.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { FRAME } from './g2g-clock.js';
import { BENCH_DIR, REPO_DIR } from './media.js';

const VIEWER_DIST = join(REPO_DIR, 'dist', 'renderer', 'viewer');

/** The viewer app Onair serves at /embed, built when missing or older than its sources (as scripts/ensure-viewer.mjs does when missing). */
export function ensureViewerBuilt(log: (s: string) => void): void {
  const index = join(VIEWER_DIST, 'index.html');
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  const sources = Math.max(newest(join(REPO_DIR, 'renderer', 'viewer')), newest(join(REPO_DIR, 'renderer', 'shared')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  log('  building the viewer app (vite build)');
  const r = spawnSync(
    process.execPath,
    [
      join(REPO_DIR, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      join(REPO_DIR, 'renderer', 'vite.config.ts'),
      '--logLevel',
      'warn',
    ],
    {
      cwd: REPO_DIR,
      stdio: 'inherit',
      timeout: 300_000,
    },
  );
  if (r.status !== 0 || !existsSync(index)) throw new Error('vite build of the viewer app failed');
}

/** g2g-probe.ts and the clock decoder as one script, for addInitScript. */
export async function probeScript(): Promise<string> {
  const out = await build({
    entryPoints: [join(BENCH_DIR, 'g2g-probe.ts')],
    bundle: true,
    format: 'iife',
    target: 'chrome110',
    write: false,
    logLevel: 'warning',
  });
  return out.outputFiles[0].text;
}

/** A page that plays `src` with hls.js and its defaults. */
export function hlsjsPage(src: string): string {
  const hls = readFileSync(join(REPO_DIR, 'node_modules', 'hls.js', 'dist', 'hls.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  return `<!doctype html><html><head><meta charset="utf-8"><title>hls.js defaults</title>
<style>html,body{margin:0;background:#000}video{width:${FRAME.width}px;height:${FRAME.height}px}</style></head>
<body><video playsinline></video>
<script>${hls}</script>
<script>
const video = document.querySelector('video');
window.__playerErrors = [];
const hls = new Hls();
hls.on(Hls.Events.ERROR, (_e, d) => { if (window.__playerErrors.length < 20) window.__playerErrors.push((d.fatal ? 'fatal ' : '') + d.details); });
hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => { video.muted = true; return video.play(); }).catch(() => {}));
hls.loadSource(${JSON.stringify(src)});
hls.attachMedia(video);
</script></body></html>`;
}

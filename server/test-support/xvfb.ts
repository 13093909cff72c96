// A real X display for the capture tests: Xvfb on the first free display number from :90, painted a solid colour
// with xsetroot (what x11grab then captures). Needs Xvfb, xdpyinfo and xsetroot (scripts/test.sh installs them).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { waitFor } from './process.js';

export interface XDisplay {
  /** DISPLAY, e.g. ':90'. */
  display: string;
  /** Paints the whole screen, e.g. '#ff0000'. */
  paint(colour: string): void;
  stop(): void;
}

export async function startXvfb(size = '640x480'): Promise<XDisplay> {
  let n = 90;
  while (n < 130 && (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`))) n++;
  const display = `:${n}`;
  // -noreset: without it the server resets (root back to black) when xsetroot, its last client, disconnects.
  const xvfb = spawn('Xvfb', [display, '-screen', '0', `${size}x24`, '-nolisten', 'tcp', '-noreset'], { stdio: 'ignore' });
  const stop = () => void xvfb.kill();
  try {
    await waitFor('Xvfb up', () => spawnSync('xdpyinfo', ['-display', display], { stdio: 'ignore' }).status === 0, 10_000, 100);
  } catch (err) {
    stop();
    throw err;
  }
  return {
    display,
    paint(colour) {
      const r = spawnSync('xsetroot', ['-display', display, '-solid', colour], { timeout: 10_000 });
      assert.equal(r.status, 0, String(r.stderr));
    },
    stop,
  };
}

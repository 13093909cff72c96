// The glass-to-glass publisher's picture source, run as its own process with its stdout piped into ffmpeg
// (bench/g2g.ts starts `node --import tsx bench/g2g-painter.ts SECONDS | ffmpeg -f rawvideo -i pipe:0 ...`):
// FRAME-sized 8-bit gray frames at FRAME.fps, each with Date.now() painted into it just before it is written.
// A process of its own, so the harness's work (Chromium over CDP, playlist polling) cannot delay a frame.
//
// Frame n is due at start + n / fps. A late frame is written at once (several in a row if need be), so the
// stream's media time keeps up with the wall clock; each frame carries the time it was actually painted. Every
// 5 s, and on exit, a line `g2g-painter frames=N late_p99_ms=X late_max_ms=Y` goes to stderr.

import { FRAME, paintBackground, paintClock } from './g2g-clock.js';

const STATS_EVERY_MS = 5000;

function main(): void {
  const seconds = Number(process.argv[2]);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    process.stderr.write('usage: g2g-painter.ts SECONDS (1..3600): paints that long, then exits\n');
    process.exit(2);
  }
  const frameMs = 1000 / FRAME.fps;
  const total = Math.ceil(seconds * FRAME.fps);
  const lateness: number[] = [];
  let lateMax = 0;
  let n = 0;
  const report = () => {
    const s = [...lateness].sort((a, b) => a - b);
    const p99 = s.length ? s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] : 0;
    process.stderr.write(`g2g-painter frames=${n} late_p99_ms=${p99.toFixed(1)} late_max_ms=${lateMax.toFixed(1)}\n`);
  };
  // ffmpeg gone (publisher stopped): nothing more to do.
  process.stdout.on('error', () => process.exit(0));
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.on(sig, () => {
      report();
      process.exit(0);
    });
  const start = performance.now();
  let lastReport = start;
  const tick = () => {
    for (let k = 0; k < FRAME.fps && n < total; k++) {
      const now = performance.now();
      const due = start + n * frameMs;
      if (due > now) break;
      const late = now - due;
      lateness.push(late);
      if (lateness.length > 10 * 60 * FRAME.fps) lateness.splice(0, lateness.length / 2);
      lateMax = Math.max(lateMax, late);
      const frame = Buffer.allocUnsafe(FRAME.width * FRAME.height);
      paintBackground(frame, n);
      paintClock(frame, Date.now());
      // A pipe on Linux is written synchronously: when this returns, ffmpeg has the frame.
      process.stdout.write(frame);
      n++;
    }
    const now = performance.now();
    if (now - lastReport >= STATS_EVERY_MS) {
      lastReport = now;
      report();
    }
    if (n >= total) {
      report();
      process.exit(0);
    }
    setTimeout(tick, Math.max(0, start + n * frameMs - performance.now()));
  };
  tick();
}

main();

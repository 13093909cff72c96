// The glass-to-glass publisher: bench/g2g-painter.ts paints the wall clock into raw gray frames, piped into one
// ffmpeg that encodes them (x264 veryfast, zerolatency, 1 s GOP) with a tone as AAC and publishes to every server at
// once. Used by bench/g2g.ts.
import { join } from 'node:path';
import { FRAME } from './g2g-clock.js';
import type { G2gResult } from './g2g.js';
import { BENCH_DIR, REPO_DIR, flvOutputArgs } from './media.js';
import { spawnGroup, type Managed } from './spawn.js';

export interface ClockPublisher {
  proc: Managed;
  stats(): G2gResult['painter'];
}

/**
 * `node g2g-painter.ts | ffmpeg -f rawvideo ... -i pipe:0 -f lavfi -i sine ...` in one process group: raw gray frames
 * with the clock painted in, x264 veryfast/zerolatency at 1 s GOP, AAC, to every URL (tee when several).
 */
export function startClockPublisher(urls: string[], seconds: number): ClockPublisher {
  const ffmpeg = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
    '-s',
    `${FRAME.width}x${FRAME.height}`,
    '-r',
    String(FRAME.fps),
    '-i',
    'pipe:0',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'high',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    '2500k',
    '-maxrate',
    '2500k',
    '-bufsize',
    '2500k',
    '-g',
    String(FRAME.fps),
    '-keyint_min',
    String(FRAME.fps),
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ac',
    '2',
    // The tee muxer does not ask the encoders for global headers the way the flv muxer alone does; FLV needs them.
    '-flags',
    '+global_header',
    ...flvOutputArgs(urls.length === 1 ? urls[0] : urls),
  ];
  const script = 'set -o pipefail; node="$1"; painter="$2"; secs="$3"; shift 3; "$node" --import tsx "$painter" "$secs" | ffmpeg "$@"';
  const proc = spawnGroup('bash', ['-c', script, 'g2g-publisher', process.execPath, join(BENCH_DIR, 'g2g-painter.ts'), String(seconds), ...ffmpeg], {
    cwd: REPO_DIR,
  });
  return {
    proc,
    stats() {
      const m = [...proc.tail().matchAll(/g2g-painter frames=(\d+) late_p99_ms=([\d.]+) late_max_ms=([\d.]+)/g)].at(-1);
      return m ? { frames: Number(m[1]), lateP99Ms: Number(m[2]), lateMaxMs: Number(m[3]) } : undefined;
    },
  };
}

// The benchmark's input (one pre-encoded FLV, generated once) and its publishers (ffmpeg -c copy).

import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnGroup, sleep, type Managed } from './spawn.js';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = dirname(BENCH_DIR);
export const WORK_DIR = join(BENCH_DIR, 'work');

/** Encoding parameters are part of the file name so a change regenerates the file. */
export const INPUT_SPEC = {
  width: 1280,
  height: 720,
  fps: 30,
  videoKbps: 2500,
  audioKbps: 128,
  gop: 30,
  seconds: 60,
};

export const INPUT_ARGS = (out: string) => [
  '-hide_banner',
  '-loglevel',
  'error',
  '-nostdin',
  '-y',
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=${INPUT_SPEC.width}x${INPUT_SPEC.height}:rate=${INPUT_SPEC.fps}`,
  '-f',
  'lavfi',
  '-i',
  'sine=frequency=440:sample_rate=44100',
  '-t',
  String(INPUT_SPEC.seconds),
  '-map',
  '0:v',
  '-map',
  '1:a',
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-profile:v',
  'high',
  '-pix_fmt',
  'yuv420p',
  '-b:v',
  `${INPUT_SPEC.videoKbps}k`,
  '-maxrate',
  `${INPUT_SPEC.videoKbps}k`,
  '-bufsize',
  `${INPUT_SPEC.videoKbps}k`,
  '-x264-params',
  'nal-hrd=cbr',
  '-g',
  String(INPUT_SPEC.gop),
  '-keyint_min',
  String(INPUT_SPEC.gop),
  '-sc_threshold',
  '0',
  '-c:a',
  'aac',
  '-b:a',
  `${INPUT_SPEC.audioKbps}k`,
  '-ac',
  '2',
  '-f',
  'flv',
  out,
];

export function inputPath(): string {
  const s = INPUT_SPEC;
  return join(WORK_DIR, `in-${s.height}p${s.fps}-${s.videoKbps}k-g${s.gop}-${s.seconds}s.flv`);
}

/** Generate the input FLV if it is not there yet (about 10-20 s on 2 cores). */
export async function ensureInput(log: (s: string) => void): Promise<string> {
  const out = inputPath();
  if (existsSync(out) && statSync(out).size > 1_000_000) return out;
  mkdirSync(WORK_DIR, { recursive: true });
  const tmp = `${out}.tmp.flv`;
  log(`generating ${out} (one-off, ~${INPUT_SPEC.seconds}s of 720p30 H.264 + AAC)`);
  const p = spawnGroup('ffmpeg', INPUT_ARGS(tmp));
  const r = await Promise.race([p.exited, sleep(300_000).then(() => null)]);
  await p.stop();
  if (!r || r.code !== 0) throw new Error(`ffmpeg input generation failed: ${p.tail()}`);
  renameSync(tmp, out);
  return out;
}

export interface Publisher {
  proc: Managed;
  /** performance.now() / Date.now() when ffmpeg was spawned (media time 0 ~ this instant). */
  startPerf: number;
  startWall: number;
  url: string;
  /**
   * performance.now() at which media time 0 left ffmpeg, estimated from `-progress` reports:
   * min over reports of (arrival - out_time). With -re, out_time trails the wall clock by at most
   * a packet, so this is within a few tens of ms of the truth (and never earlier than it, up to pipe
   * latency). Undefined until the first report with out_time > 0.
   */
  mediaZeroPerf(): number | undefined;
  stop(): Promise<void>;
}

/** ffmpeg output arguments for RTMP: FLV to one URL, or the tee muxer sending the same packets to each of several. */
export function flvOutputArgs(url: string | string[]): string[] {
  return Array.isArray(url) ? ['-f', 'tee', url.map((u) => `[f=flv:onfail=abort]${u}`).join('|')] : ['-f', 'flv', url];
}

/** `ffmpeg -re -stream_loop -1 -i in.flv -c copy -f flv <url>`: costs almost nothing, paced at 1x. */
/** One publisher; with several URLs, one ffmpeg sends the same packets to each (tee muxer), at the same instants. */
/** With an `srt://` URL the same packets go out as MPEG-TS over SRT (the stream id, latency in the URL). */
export function startPublisher(input: string, url: string | string[]): Publisher {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-progress',
    'pipe:1',
    '-stats_period',
    '0.25',
    '-re',
    '-stream_loop',
    '-1',
    '-i',
    input,
    '-c',
    'copy',
    ...(Array.isArray(url) ? ['-map', '0'] : []),
    ...(typeof url === 'string' && url.startsWith('srt://') ? ['-f', 'mpegts', url] : flvOutputArgs(url)),
  ];
  const startWall = Date.now();
  const startPerf = performance.now();
  let zero: number | undefined;
  const proc = spawnGroup('ffmpeg', args, {
    onStdoutLine: (line) => {
      if (!line.startsWith('out_time_us=')) return;
      const us = Number(line.slice(12));
      if (!Number.isFinite(us) || us <= 0) return;
      const z = performance.now() - us / 1000;
      if (zero === undefined || z < zero) zero = z;
    },
  });
  return {
    proc,
    startPerf,
    startWall,
    url: Array.isArray(url) ? url.join(' | ') : url,
    mediaZeroPerf: () => zero,
    stop: () => proc.stop('SIGTERM', 3000),
  };
}

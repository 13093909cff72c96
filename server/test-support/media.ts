// Shared by the packager tests: FLV inputs made by real ffmpeg, a packager factory, and ffprobe/ffmpeg readers.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { MediaFrame } from '../media/frame.js';
import { readFlvFile } from '../media/flv-file.js';
import { LivePackager, type PackagerOptions, type SegmentInfo } from '../media/packager.js';
import { ffmpegPath, runOk } from './process.js';

export interface TestFlvs {
  /** 640x360 H.264 + AAC 48 kHz, 6 s, 1 s GOP. */
  av: string;
  /** 480x270 H.264 + AAC, 4 s. */
  b: string;
  audio: string;
  video: string;
}

/** Makes the FLV inputs once per test file, in `work`. */
export async function makeTestFlvs(work: string): Promise<TestFlvs> {
  const ffmpeg = (args: string[]) => runOk(ffmpegPath, ['-v', 'error', '-y', ...args]);
  const v = (size: string) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`];
  const a = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
  const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0'];
  const files: TestFlvs = { av: join(work, 'av.flv'), b: join(work, 'b.flv'), audio: join(work, 'audio.flv'), video: join(work, 'video.flv') };
  await Promise.all([
    ffmpeg([...v('640x360'), ...a, ...x264, '-c:a', 'aac', '-t', '6', '-f', 'flv', files.av]),
    ffmpeg([...v('480x270'), ...a, ...x264, '-c:a', 'aac', '-t', '4', '-f', 'flv', files.b]),
    ffmpeg([...a, '-c:a', 'aac', '-t', '4', '-f', 'flv', files.audio]),
    ffmpeg([...v('320x240'), ...x264, '-t', '3', '-f', 'flv', files.video]),
  ]);
  return files;
}

/** A packager writing into a fresh folder under `work`, failing the test on any 'error'. */
export function packagerFactory(work: string, defaults: Partial<PackagerOptions> = {}) {
  let n = 0;
  return (opts: Partial<PackagerOptions> = {}): { p: LivePackager; dir: string; segments: SegmentInfo[] } => {
    const dir = mkdtempSync(join(work, `out${n++}-`));
    const p = new LivePackager({ dir, segmentSeconds: 1, ...defaults, ...opts });
    const segments: SegmentInfo[] = [];
    p.on('segment', (s: SegmentInfo) => segments.push(s));
    p.on('error', (e: Error) => assert.fail(e));
    return { p, dir, segments };
  };
}

export async function feed(p: LivePackager, file: string, keep: (m: MediaFrame) => boolean = () => true): Promise<void> {
  for (const m of await readFlvFile(file)) if (keep(m)) p.push(m);
}

/** stderr of a full decode (a non-zero exit throws). */
export async function decode(path: string): Promise<string> {
  const { stderr } = await runOk(ffmpegPath, ['-v', 'error', '-i', path, '-f', 'null', '-']);
  return stderr;
}

export const extinf = (m3u8: string): number[] =>
  m3u8
    .split('\n')
    .filter((l) => l.startsWith('#EXTINF:'))
    .map((l) => Number(l.slice(8, -1)));

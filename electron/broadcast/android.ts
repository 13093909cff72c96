// An Android phone's screen over USB: `adb exec-out screenrecord --output-format=h264 -` writes raw H.264 that we
// pipe into ffmpeg's stdin. screenrecord stops itself after 3 minutes, so a new one is started every ~170 s and
// feeds the same stdin (each begins with SPS/PPS and a keyframe, so the decoder picks it up; at most one frame glitches).
// scrcpy (no time limit, audio on Android 11+) is detected and reported, but it does not write a stream to
// stdout: use it through its v4l2 sink on Linux (`scrcpy --v4l2-sink=/dev/video9`) and the camera source.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import type { AndroidFeed } from './sources.js';

export const SCREENRECORD_RESTART_MS = 170_000;

export function screenrecordArgs(feed: AndroidFeed): string[] {
  return [
    ...(feed.serial ? ['-s', feed.serial] : []),
    'exec-out',
    'screenrecord',
    '--output-format=h264',
    `--size=${feed.size}`,
    `--bit-rate=${feed.bitRate}`,
    '--time-limit=180',
    '-',
  ];
}

function which(bin: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(bin, ['--version'], { timeout: 3000, windowsHide: true }, (err) => resolve(!err || (err as NodeJS.ErrnoException).code !== 'ENOENT'));
  });
}

export async function detectAndroidTools(adb = 'adb'): Promise<{ adb: boolean; scrcpy: boolean }> {
  const [a, s] = await Promise.all([which(adb), which('scrcpy')]);
  return { adb: a, scrcpy: s };
}

/**
 * What adb said on stderr, in plain words for the Studio's status line: the common ways a phone is not there. Other
 * messages pass through as adb wrote them.
 */
export function adbProblem(stderr: string, code: number | null): string {
  const s = stderr.trim();
  if (/unauthorized/i.test(s))
    return 'The phone has not allowed this computer yet: unlock it and answer "Allow USB debugging" (tick "Always allow").';
  if (/no devices|device .*not found|device offline/i.test(s))
    return 'No Android phone is connected: plug it in with USB and turn on USB debugging (Settings, Developer options).';
  if (/more than one device/i.test(s)) return 'Several Android phones are connected: choose which one the layer shows.';
  return `The phone's screen could not be recorded: ${s || `adb exited with ${code}`}`;
}

/**
 * Keeps one screenrecord feeding `sink`, replacing it every restartMs. Emits 'error' (plain reason) when adb fails
 * before any data arrives (no device, adb missing), 'data' once the first bytes flow, 'recorder' just before the
 * first bytes of each screenrecord are written (a new stream begins: SPS, PPS and a keyframe; what the sink holds of
 * the previous one is a cut-off frame), and 'interrupted' (plain reason) when a replacement failed after data had
 * flowed (the phone unplugged); it keeps trying.
 */
export class AndroidFeeder extends EventEmitter {
  private current?: ChildProcess;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private gotData = false;

  constructor(
    private readonly feed: AndroidFeed,
    private readonly sink: Writable,
    private readonly opts: { adb?: string; restartMs?: number } = {},
  ) {
    super();
  }

  start(): void {
    this.spawnOne();
    this.timer = setInterval(() => this.spawnOne(), this.opts.restartMs ?? SCREENRECORD_RESTART_MS);
  }

  private spawnOne(): void {
    if (this.stopped) return;
    const previous = this.current;
    const child = spawn(this.opts.adb ?? 'adb', screenrecordArgs(this.feed), { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    this.current = child;
    let err = '';
    let first = true;
    child.stderr!.on('data', (d) => (err = (err + d).slice(-2000)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.current !== child || this.stopped) return;
      if (first) {
        first = false;
        // The new recorder is flowing: retire the old one (its last partial frame is dropped).
        if (previous && previous.exitCode === null) previous.kill();
        if (!this.gotData) {
          this.gotData = true;
          this.emit('data');
        }
        this.emit('recorder');
      }
      if (!this.sink.destroyed) this.sink.write(chunk);
    });
    child.on('error', (e) => {
      if (!this.gotData)
        this.emit('error', `adb could not run (${e.message}). Install Android platform-tools and connect the phone with USB debugging on.`);
    });
    child.on('close', (code) => {
      if (this.stopped || this.current !== child) return;
      if (!this.gotData) {
        this.emit('error', adbProblem(err, code));
        return;
      }
      if (first) this.emit('interrupted', adbProblem(err, code));
      // Ended early (time limit, phone rotated, unplugged): try a new one now; while none starts, every 2 s.
      setTimeout(() => this.spawnOne(), first ? 2000 : 500).unref();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.current?.kill();
  }
}

// The tools every test reaches for: the ffmpeg the server itself would use, a child process with a hard time limit,
// a bounded wait, a pause and a free loopback port. One of each, so tests and the benchmark agree on what they do.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { locateFfmpeg, locateFfprobe } from '../ffmpeg/locate.js';

/** Found like production finds it: FFMPEG_PATH, then the ffmpeg-static package, then PATH. */
export const ffmpegPath = locateFfmpeg({ explicit: process.env.FFMPEG_PATH });
/** ffprobe beside that ffmpeg, else on PATH. */
export const ffprobePath = locateFfprobe(ffmpegPath);

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A process started by run(): await it for the result, or reach the child through `proc` meanwhile. */
export type Running = Promise<ProcResult> & { proc: ChildProcess };

/** Output kept per stream; a runaway process cannot fill the test's memory. */
const MAX_OUTPUT = 32 * 1024 * 1024;

/**
 * Runs `bin` with a hard time limit: SIGKILL when it runs over (the result then has signal 'SIGKILL'). Never rejects:
 * a binary that cannot start resolves with code null and the reason in stderr.
 */
export function run(bin: string, args: string[], timeoutMs: number): Running {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => {
    if (stdout.length < MAX_OUTPUT) stdout += d.toString();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < MAX_OUTPUT) stderr += d.toString();
  });
  const done = new Promise<ProcResult>((resolve) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('error', (err) => {
      clearTimeout(t);
      resolve({ code: null, signal: null, stdout, stderr: stderr + err.message });
    });
    proc.once('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return Object.assign(done, { proc });
}

/** run(), failing unless the process exits 0 (the error carries the end of its stderr). */
export async function runOk(bin: string, args: string[], timeoutMs = 60_000): Promise<ProcResult> {
  const r = await run(bin, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr.slice(-2000)}`);
  return r;
}

/** ffprobe's streams and format of a file or URL as JSON; throws when ffprobe fails. */
export async function ffprobe(url: string): Promise<{ streams: any[]; format: any }> {
  const out = await run(ffprobePath, ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', url], 30_000);
  if (out.code !== 0) throw new Error(`ffprobe failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/** Resolves after `ms`; rejects at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    const t = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const LATE = Symbol('late');

/**
 * Asks `fn` every `everyMs` until it returns something truthy, and returns that; throws `timed out waiting for
 * <what>` (with the last error `fn` threw) after `timeoutMs`. Bounded both ways: at most timeoutMs / everyMs + 1
 * attempts, and an attempt that hangs counts against the same deadline.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  const attempts = Math.ceil(timeoutMs / Math.max(1, everyMs)) + 1;
  let lastErr: unknown;
  for (let i = 0; i < attempts; i++) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), Math.max(0, until - Date.now()))));
    try {
      const v = await Promise.race([Promise.resolve().then(fn), late]);
      if (v === LATE) break;
      if (v) return v as T;
    } catch (err) {
      lastErr = err;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() >= until) break;
    await sleep(Math.min(everyMs, Math.max(0, until - Date.now())));
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
}

/** A TCP port that was free a moment ago on 127.0.0.1 (another process may still take it before you do). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// Runs one ffmpeg child: bounded stderr kept for error reports, secrets masked, a stall watchdog, clean stop.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { every, type StopJob } from '../periodic.js';
import { buildFfmpegArgs, maskSecrets, type FfmpegCommand } from './args.js';

export interface FfmpegRunOptions {
  binary: string;
  command: FfmpegCommand;
  /** Literal secrets to mask in anything we report. */
  secrets?: string[];
  /** Kill when no stdout/stderr output and no stdin write for this long (0 disables). */
  stallSeconds?: number;
  /** stdin: 'pipe' to feed data (FLV for the ABR ladder), else ignored. */
  stdin?: 'pipe' | 'ignore';
  /**
   * Pipes the child writes outputs to besides stdout: file descriptors 3, 4, … (`pipeUrl(3)` in an output), read
   * with output(i). Their data counts as activity for the stall watchdog.
   */
  outputPipes?: number;
}

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines ffmpeg wrote to stderr, masked. */
  stderrTail: string;
  stalled: boolean;
}

const STDERR_TAIL_BYTES = 8192;

export class FfmpegProcess {
  readonly child: ChildProcess;
  readonly done: Promise<FfmpegExit>;
  private tail = '';
  private lastActivity = Date.now();
  private stalled = false;
  private stopWatchdog?: StopJob;

  constructor(private readonly opts: FfmpegRunOptions) {
    const args = buildFfmpegArgs(opts.command);
    const extra = Array.from({ length: opts.outputPipes ?? 0 }, () => 'pipe' as const);
    this.child = spawn(opts.binary, args, { stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe', ...extra] });
    // Output is activity for the stall watchdog; a caller that reads stdout (or an output pipe) listens itself.
    const active = () => {
      this.lastActivity = Date.now();
    };
    this.child.stdout!.on('data', active);
    for (let i = 0; i < extra.length; i++) this.output(i).on('data', active);
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (s: string) => {
      this.lastActivity = Date.now();
      this.tail = (this.tail + s).slice(-STDERR_TAIL_BYTES);
    });
    this.child.stdin?.on('error', () => {
      /* ffmpeg exited while we were writing: reported through `done` */
    });
    const stall = opts.stallSeconds ?? 0;
    if (stall > 0) {
      this.stopWatchdog = every(Math.min(1000, stall * 250), () => {
        if (Date.now() - this.lastActivity > stall * 1000) {
          this.stalled = true;
          this.child.kill('SIGKILL');
        }
      });
    }
    this.done = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        this.stopWatchdog?.();
        resolve({ code, signal, stderrTail: maskSecrets(this.tail, opts.secrets), stalled: this.stalled });
      };
      this.child.once('error', (err) => {
        this.tail += `\n${err.message}`;
        finish(null, null);
      });
      this.child.once('close', finish);
    });
  }

  get stdin(): Writable | null {
    return this.child.stdin;
  }

  /** The output pipe `i` (file descriptor 3 + i) of FfmpegRunOptions.outputPipes. */
  output(i: number): Readable {
    const pipe = this.child.stdio[3 + i];
    if (!pipe || !('on' in pipe) || i >= (this.opts.outputPipes ?? 0)) throw new Error(`ffmpeg has no output pipe ${i}`);
    return pipe as Readable;
  }

  /** Feed bytes; returns false when ffmpeg is not keeping up (caller may drop). */
  write(buf: Buffer): boolean {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return false;
    this.lastActivity = Date.now();
    return stdin.write(buf);
  }

  /** Close stdin so ffmpeg finishes its outputs, then kill it if it lingers. */
  async finish(graceMs = 5000): Promise<FfmpegExit> {
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.done;
    clearTimeout(timer);
    return exit;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** The argv as it may be logged. */
  describe(): string {
    return maskSecrets(buildFfmpegArgs(this.opts.command).join(' '), this.opts.secrets);
  }
}

/** Runs a command to completion. */
export async function runFfmpeg(opts: FfmpegRunOptions & { input?: Buffer; timeoutMs?: number }): Promise<FfmpegExit> {
  const proc = new FfmpegProcess({ ...opts, stdin: opts.input ? 'pipe' : 'ignore' });
  const timer = opts.timeoutMs ? setTimeout(() => proc.kill(), opts.timeoutMs) : undefined;
  if (opts.input) {
    proc.write(opts.input);
    proc.stdin?.end();
  }
  const exit = await proc.done;
  if (timer) clearTimeout(timer);
  return exit;
}

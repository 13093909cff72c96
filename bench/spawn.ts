// Child-process plumbing for the benchmark: every process we start gets its own process group, is
// registered here, and is killed (whole group, SIGKILL) when the harness exits for any reason.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { sleep } from '../server/test-support/process.js';

// The one pause and free-port finder, shared with the tests.
export { freePort, sleep } from '../server/test-support/process.js';

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Remove `dir` when the harness exits (unless BENCH_KEEP is set); `forget` when removed normally. */
export const tempDir = {
  track(dir: string): void {
    tempDirs.add(dir);
  },
  forget(dir: string): void {
    tempDirs.delete(dir);
  },
};

/**
 * Where the servers under test keep their files: BENCH_DATA_DIR, else the RAM file system /dev/shm when there is
 * one, else the OS temp dir. Both servers write there alike. Not the disk by default, because this box's ext4 has no
 * journal, and without one the kernel, creating a file, skips every inode freed in the last 60 to 360 s one by one
 * (ext4 `recently_deleted`): each file a server created then paid for the thousands of segments the previous
 * measurement's server left and the harness removed, and nginx-rtmp for the fragments it deletes itself (perf: about
 * a fifth of Onair's CPU at 32 streams). A journaled ext4 or xfs, where servers run, has no such cost.
 */
export function serverDataRoot(): string {
  const chosen = process.env.BENCH_DATA_DIR;
  if (chosen) return chosen;
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    /* no /dev/shm: the temp dir */
  }
  return tmpdir();
}

let hooksInstalled = false;

function killGroupSync(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** Kill every process group we started. Synchronous so it can run from process.on('exit'). */
export function killAllSync(): void {
  for (const child of live) killGroupSync(child, 'SIGKILL');
  live.clear();
  if (!process.env.BENCH_KEEP) {
    for (const d of tempDirs) {
      try {
        rmSync(d, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  }
  tempDirs.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping ${live.size} process group(s)\n`);
      killAllSync();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (err) => {
    process.stderr.write(`bench: uncaught ${err?.stack ?? err}\n`);
    killAllSync();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`bench: unhandled rejection ${(err as Error)?.stack ?? err}\n`);
    killAllSync();
    process.exit(1);
  });
}

export interface Managed {
  child: ChildProcess;
  pid: number;
  /** Last ~8 KB of stdout+stderr, for error messages. */
  tail(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  /** Signal the group, wait up to graceMs, then SIGKILL the group. Idempotent. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function spawnGroup(
  cmd: string,
  args: string[],
  opts: SpawnOptions & { onStdoutLine?: (line: string) => void; stdin?: 'ignore' | 'pipe' } = {},
): Managed {
  installHooks();
  const { onStdoutLine, stdin = 'ignore', ...spawnOpts } = opts;
  // stdin 'pipe' for a child that takes commands there, or that exits when its parent's end of stdin closes.
  const child = spawn(cmd, args, { ...spawnOpts, detached: true, stdio: [stdin, 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`failed to spawn ${cmd}`);
  live.add(child);
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString('utf8');
    if (buf.length > 16384) buf = buf.slice(-8192);
  };
  if (onStdoutLine) {
    let partial = '';
    child.stdout?.on('data', (d: Buffer) => {
      partial += d.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onStdoutLine(l);
      if (partial.length > 65536) partial = '';
    });
  } else {
    child.stdout?.on('data', onData);
  }
  child.stderr?.on('data', onData);
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      buf += `\nspawn error: ${err.message}`;
      running = false;
      resolve({ code: -1, signal: null });
    });
  });
  const pid = child.pid;
  let stopping: Promise<void> | undefined;
  return {
    child,
    pid,
    tail: () => buf.slice(-8192),
    exited,
    isRunning: () => running,
    stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000) {
      stopping ??= (async () => {
        if (running) {
          killGroupSync(child, signal);
          const t = await Promise.race([exited.then(() => 'exited'), sleep(graceMs).then(() => 'timeout')]);
          if (t === 'timeout') process.stderr.write(`bench: pid ${pid} ignored ${signal} for ${graceMs} ms, SIGKILL\n`);
        }
        // Always sweep the group: workers or grandchildren may outlive the leader.
        killGroupSync(child, 'SIGKILL');
        await Promise.race([exited, sleep(2000)]);
        live.delete(child);
      })();
      return stopping;
    },
  };
}

/** Thrown by a waitUntil probe to stop waiting at once (e.g. the process being waited for died). */
export class FatalError extends Error {}

/** Poll `probe` every `intervalMs` until it returns true, at most `timeoutMs`. Probe errors count as
 * "not yet", except FatalError, which is rethrown. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100000; i++) {
    const ok = await probe().catch((err: unknown) => {
      if (err instanceof FatalError) throw err;
      return false;
    });
    if (ok) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs, signal);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** HTTP GET with a hard timeout; never throws for HTTP errors. */
export async function httpGet(
  url: string,
  timeoutMs = 2000,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer } | { status: 0; error: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers, cache: 'no-store' });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, body };
  } catch (err) {
    return { status: 0, error: (err as Error).message };
  }
}

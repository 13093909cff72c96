// The suite's scheduler: runs test files three at a time with one rule Node's own runner cannot express: at most one
// test file that drives Chromium runs at once. Three on two cores, because most files wait on real time (publishers at
// their frame rate, grace periods, players): two at a time left the machine about half idle. Two browser tests side
// by side on two cores, each with its own server, publishers and Chromium, starved each other's pages (pages not up
// within 45 s, players never reaching "playing"); a browser test beside non-browser tests does not. Files that measure
// real time (the `--alone` list) run last, one at a time, with nothing beside them.
//
// Each file runs in its own `node --test` process; its TAP output is printed in full when it fails and as one line
// when it passes, so the log names what broke without interleaving two files' lines. Each line gives the file's CPU
// as well as its time (cpu-times.ts), and the end lists the files that cost the most CPU.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childCpuSeconds, RUN_AND_TIME } from './cpu-times.js';
import { tapFailures, tapTodos } from './tap-failures.js';

interface Options {
  files: string[];
  alone: string[];
  jobs: number;
  fileTimeoutMs: number;
  durationsPath: string;
  /** A folder for each file's whole TAP output (its tests' own durations are in it), or none. */
  keepOutput?: string;
}

interface Outcome {
  file: string;
  ok: boolean;
  seconds: number;
  /** CPU seconds (user + system) of the file's process and every process it started and waited for, or null. */
  cpuSeconds: number | null;
  pass: number;
  fail: number;
  output: string;
}

/** A file drives a browser when it imports playwright-core; read once, so a new browser test needs no list. */
export function drivesBrowser(file: string): boolean {
  return /from ['"]playwright-core['"]/.test(readFileSync(file, 'utf8'));
}

/** Seconds each file took last time (a committed record): the longest start first, so none is left for the end. */
function readDurations(file: string): Record<string, number> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** Process groups of the files running now, so stopping the runner stops them (they are detached to be killable). */
const live = new Set<number>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const pid of live) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    process.exit(130);
  });
}

function runFile(file: string, timeoutMs: number): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const args = [process.execPath, '--import', 'tsx', '--test', '--test-reporter=tap', '--test-timeout=300000', file];
    const child = spawn('bash', ['-c', RUN_AND_TIME, 'run-test', ...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
      // Every server a test starts poisons media memory it releases (server/media/media-slabs.ts): a frame read after
      // its release fails to decode instead of passing unnoticed.
      env: { ONAIR_POISON_RELEASED_MEDIA: 'true', ...process.env },
    });
    live.add(child.pid!);
    let output = '';
    let times = '';
    child.stdio[3]!.on('data', (d: Buffer) => (times += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // A file that hangs past its bound is killed with its whole process group (servers, ffmpeg, Chromium).
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      output += `\n# run-tests: ${file} passed its bound of ${timeoutMs / 1000} s and was killed\n`;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      live.delete(child.pid!);
      const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      resolve({
        file,
        ok: code === 0,
        seconds: (Date.now() - started) / 1000,
        cpuSeconds: childCpuSeconds(times),
        pass: count('pass'),
        fail: count('fail') + count('cancelled'),
        output,
      });
    });
  });
}

function report(o: Outcome): void {
  const cpu = o.cpuSeconds === null ? '' : `, ${o.cpuSeconds.toFixed(0)} s CPU`;
  const line = `${o.ok ? 'ok' : 'FAILED'} ${o.file} (${o.seconds.toFixed(0)} s${cpu}, ${o.pass} passed, ${o.fail} failed)`;
  if (o.ok) console.log(line);
  else {
    // Why first: a CI log's excerpt may keep only the head and the tail of a long block.
    const why = tapFailures(o.output).map((f) => `# failure: ${f}\n`);
    console.log(`\n# ---- ${line}\n${why.join('')}${o.output.trimEnd()}\n# ---- end of ${o.file}\n`);
  }
}

async function runPool(files: string[], jobs: number, opts: Options, durations: Record<string, number>) {
  const expected = (f: string) => durations[f] ?? 30;
  const browserFiles = new Set(files.filter(drivesBrowser));
  const browser = [...browserFiles].sort((a, b) => expected(b) - expected(a));
  const other = files.filter((f) => !browserFiles.has(f)).sort((a, b) => expected(b) - expected(a));
  const outcomes: Outcome[] = [];
  let browserRunning = false;
  await new Promise<void>((done) => {
    let running = 0;
    const next = () => {
      while (running < jobs) {
        // The browser files are the long chain: one starts whenever none runs; other files fill the other slots.
        const file = !browserRunning && browser.length ? browser.shift()! : other.shift();
        if (!file) break;
        const isBrowser = browserFiles.has(file);
        if (isBrowser) browserRunning = true;
        running++;
        void runFile(file, opts.fileTimeoutMs).then((o) => {
          running--;
          if (isBrowser) browserRunning = false;
          outcomes.push(o);
          report(o);
          next();
        });
      }
      if (running === 0 && !browser.length && !other.length) done();
    };
    next();
  });
  return outcomes;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    files: [],
    alone: [],
    jobs: 3,
    fileTimeoutMs: 420_000,
    durationsPath: path.join('scripts', 'test-durations.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--jobs') opts.jobs = Number(argv[++i]);
    else if (a === '--alone') opts.alone.push(argv[++i]);
    else if (a === '--file-timeout') opts.fileTimeoutMs = Number(argv[++i]) * 1000;
    else if (a === '--durations') opts.durationsPath = argv[++i];
    else if (a === '--keep-output') opts.keepOutput = argv[++i];
    else opts.files.push(a);
  }
  opts.files = opts.files.filter((f) => !opts.alone.includes(f));
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const durations = readDurations(opts.durationsPath);
  const started = Date.now();
  console.log(`run-tests: ${opts.files.length} files, ${opts.jobs} at a time (one browser test at once), then ${opts.alone.length} alone`);
  const outcomes = await runPool(opts.files, opts.jobs, opts, durations);
  const alone = await runPool(opts.alone, 1, opts, durations);
  const all = [...outcomes, ...alone];
  if (opts.keepOutput) {
    mkdirSync(opts.keepOutput, { recursive: true });
    for (const o of all) writeFileSync(path.join(opts.keepOutput, `${o.file.replaceAll('/', '__')}.tap`), o.output);
  }

  const failed = all.filter((o) => !o.ok);
  const slowest = [...all].sort((a, b) => b.seconds - a.seconds).slice(0, 12);
  console.log(`\nrun-tests: slowest files: ${slowest.map((o) => `${o.file} ${o.seconds.toFixed(0)} s`).join(', ')}`);
  const timed = all.filter((o) => o.cpuSeconds !== null);
  const costliest = [...timed].sort((a, b) => b.cpuSeconds! - a.cpuSeconds!).slice(0, 12);
  const cpuTotal = timed.reduce((n, o) => n + o.cpuSeconds!, 0);
  console.log(
    `run-tests: most CPU: ${costliest.map((o) => `${o.file} ${o.cpuSeconds!.toFixed(0)} s`).join(', ')}; ` +
      `all ${timed.length} files ${cpuTotal.toFixed(0)} s of CPU`,
  );
  console.log(
    `run-tests: ${all.reduce((n, o) => n + o.pass, 0)} tests passed, ${all.reduce((n, o) => n + o.fail, 0)} failed, ` +
      `in ${all.length} files, ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  // What this run measured, for `cp` over the committed record when the suite has changed shape.
  const record = Object.fromEntries(all.map((o) => [o.file, Math.round(o.seconds)]).sort());
  writeFileSync(path.join(os.tmpdir(), 'onair-test-durations.json'), `${JSON.stringify(record, null, 2)}\n`);
  // TODO tests never fail a run: each says here whether it passes yet.
  for (const o of all) for (const t of tapTodos(o.output)) console.log(`run-tests: todo in ${o.file}: ${t}`);
  if (failed.length) {
    for (const o of failed) for (const f of tapFailures(o.output)) console.log(`run-tests: failure in ${o.file}: ${f}`);
    console.log(`run-tests: FAILED: ${failed.map((o) => o.file).join(', ')}`);
    process.exitCode = 1;
  }
}

await main();

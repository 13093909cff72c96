// CPU and memory of a process tree, from /proc. Parsing is pure and unit-tested (proc.test.ts);
// the readers are thin wrappers around readFileSync.

import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { sleep } from './spawn.js';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks in user and kernel mode. */
  utime: number;
  stime: number;
  /** Clock ticks of waited-for children. */
  cutime: number;
  cstime: number;
  /** Clock ticks after boot at which the process started: (pid, starttime) identifies a process. */
  starttime: number;
}

/** Parse /proc/<pid>/stat. comm may contain spaces and parentheses, so split after the LAST ')'. */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`bad stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  // After ')' come fields 3.. (1-based, as in proc(5)); f[0] is field 3 (state).
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (n: number) => Number(f[n - 3]);
  if (f.length < 20 || !Number.isFinite(pid)) throw new Error(`short stat line: ${text.slice(0, 80)}`);
  return {
    pid,
    comm,
    state: f[0],
    ppid: field(4),
    pgrp: field(5),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    starttime: field(22),
  };
}

/** VmRSS from /proc/<pid>/status, in bytes (0 for kernel threads and zombies, which have no VmRSS). */
export function parseStatusRss(text: string): number {
  const m = /^VmRSS:\s+(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/** The aggregate "cpu" line of /proc/stat: total and idle (idle+iowait) jiffies. */
export function parseProcStatCpu(text: string): { total: number; idle: number } {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no cpu line in /proc/stat');
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest* are already in user/nice.
  const total = v.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { total, idle };
}

/** pid -> children, from a list of stats. */
export function childrenMap(stats: ProcStat[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const s of stats) {
    const arr = m.get(s.ppid);
    if (arr) arr.push(s.pid);
    else m.set(s.ppid, [s.pid]);
  }
  return m;
}

/** The root and all its descendants (breadth-first), given every process's stat. */
export function treePids(root: number, stats: ProcStat[]): number[] {
  const kids = childrenMap(stats);
  const known = new Set(stats.map((s) => s.pid));
  if (!known.has(root)) return [];
  const out: number[] = [];
  const queue = [root];
  const seen = new Set<number>();
  for (let guard = 0; queue.length > 0 && guard < 100000; guard++) {
    const p = queue.shift()!;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    for (const c of kids.get(p) ?? []) queue.push(c);
  }
  return out;
}

export interface TreeSample {
  wallMs: number;
  /**
   * key `${tid}:${starttime}` -> CPU time of that thread, in nanoseconds: from /proc/<pid>/task/<tid>/schedstat
   * (the scheduler's own count, exact to the nanosecond), else utime+stime ticks. Clock ticks (10 ms) alone make
   * a 20 s sample of a server using 1 % of a core a count of about 20, too coarse to compare two servers.
   */
  ticks: Map<string, { ns: number; starttime: number; comm: string }>;
  rssBytes: number;
  pids: number;
}

/** The first field of /proc/<pid>/task/<tid>/schedstat: nanoseconds on a CPU. */
export function parseSchedstat(text: string): number | undefined {
  const n = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * CPU time (ns) spent by the tree's threads between two samples: for a thread present in both, the delta; for
 * one that started after `prev` was taken (starttime later than prev's boot-relative time), all of it. Threads
 * that exited between samples are not counted (their last moments are lost; with 1 s sampling and long-lived
 * servers this is negligible and documented).
 */
export function tickDelta(prev: TreeSample, cur: TreeSample, prevBootTicks: number): number {
  let sum = 0;
  for (const [key, c] of cur.ticks) {
    const p = prev.ticks.get(key);
    if (p) sum += Math.max(0, c.ns - p.ns);
    else if (c.starttime >= prevBootTicks) sum += c.ns;
  }
  return sum;
}

/** The threads of `pid` with their CPU time; the process's own totals when its tasks cannot be read. */
function threadTimes(s: ProcStat, hz: number): Array<[string, { ns: number; starttime: number; comm: string }]> {
  const out: Array<[string, { ns: number; starttime: number; comm: string }]> = [];
  try {
    for (const tid of readdirSync(`/proc/${s.pid}/task`)) {
      try {
        const t = parseStat(readFileSync(`/proc/${s.pid}/task/${tid}/stat`, 'utf8'));
        const ns = parseSchedstat(readFileSync(`/proc/${s.pid}/task/${tid}/schedstat`, 'utf8')) ?? ((t.utime + t.stime) * 1e9) / hz;
        out.push([`${tid}:${t.starttime}`, { ns, starttime: t.starttime, comm: s.comm }]);
      } catch {
        /* the thread exited */
      }
    }
  } catch {
    /* the process exited */
  }
  if (out.length === 0) out.push([`${s.pid}:${s.starttime}`, { ns: ((s.utime + s.stime) * 1e9) / hz, starttime: s.starttime, comm: s.comm }]);
  return out;
}

let clkTckCache: number | undefined;
export function clkTck(): number {
  if (clkTckCache !== undefined) return clkTckCache;
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  clkTckCache = Number.isFinite(n) && n > 0 ? n : 100;
  return clkTckCache;
}

export function readAllStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(parseStat(readFileSync(`/proc/${name}/stat`, 'utf8')));
    } catch {
      /* raced with exit */
    }
  }
  return out;
}

/** Seconds since boot, in clock ticks (to compare with starttime). */
export function bootTicksNow(): number {
  const up = Number(readFileSync('/proc/uptime', 'utf8').split(/\s+/)[0]);
  return Math.floor(up * clkTck());
}

/** One snapshot of every tree rooted at `roots`, from an already-read process list. */
export function sampleFromStats(roots: number[], stats: ProcStat[], withDescendants = true): TreeSample {
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const ticks = new Map<string, { ns: number; starttime: number; comm: string }>();
  const hz = clkTck();
  let rss = 0;
  let pids = 0;
  const seen = new Set<number>();
  for (const root of roots) {
    for (const pid of withDescendants ? treePids(root, stats) : [root]) {
      if (seen.has(pid) || !byPid.has(pid)) continue;
      seen.add(pid);
      const s = byPid.get(pid)!;
      for (const [key, t] of threadTimes(s, hz)) ticks.set(key, t);
      try {
        rss += parseStatusRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        /* exited */
      }
      pids++;
    }
  }
  return { wallMs: performance.now(), ticks, rssBytes: rss, pids };
}

/** CPU time (user + system) of one process so far, in ms. */
export function processCpuMs(pid: number): number {
  const s = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return ((s.utime + s.stime) * 1000) / clkTck();
}

/** RSS of one process right now, in MB. */
export function processRssMB(pid: number): number {
  return parseStatusRss(readFileSync(`/proc/${pid}/status`, 'utf8')) / (1024 * 1024);
}

export function readBoxCpu(): { total: number; idle: number } {
  return parseProcStatCpu(readFileSync('/proc/stat', 'utf8'));
}

/** How busy the whole box was between two readBoxCpu() samples, in percent of all its cores. */
export function boxBusyPct(before: { total: number; idle: number }, after: { total: number; idle: number }): number {
  const dt = after.total - before.total;
  return dt > 0 ? (100 * (dt - (after.idle - before.idle))) / dt : 0;
}

/**
 * Waits until the box is quiet, under `maxBusyPct` % busy over 5 s, or `maxWaitS` s have passed: other work may share
 * these cores. Returns the busy % last seen (rounded), to be reported with the run.
 */
export async function waitForQuietBox(maxBusyPct: number, maxWaitS: number): Promise<{ busyPct: number; waitedS: number }> {
  const t0 = Date.now();
  for (;;) {
    const a = readBoxCpu();
    await sleep(5000);
    const busyPct = Math.round(boxBusyPct(a, readBoxCpu()));
    const waitedS = Math.round((Date.now() - t0) / 1000);
    if (busyPct < maxBusyPct || waitedS >= maxWaitS) return { busyPct, waitedS };
  }
}

export interface UsageSummary {
  /** CPU of the tree, percent of ONE core, averaged over the window. */
  cpuPct: number;
  rssMeanMB: number;
  rssMaxMB: number;
  pidsMax: number;
  /** Process names seen in the tree (e.g. nginx, node, ffmpeg). */
  comms: string[];
  samples: number;
  seconds: number;
}

export interface GroupsMeasurement {
  groups: Record<string, UsageSummary>;
  /** Whole machine busy %, of ALL cores together (100 = every core saturated). */
  boxBusyPct: number;
  cores: number;
}

/**
 * Sample several process trees every `intervalMs` for `durationMs` (one /proc walk per tick, shared).
 * For each group: CPU % of ONE core averaged over the window, and RSS statistics. Each group's
 * roots function is called on every tick, so a caller can pass a changing set of roots. `processOnly`: the roots'
 * own threads, without their children (a server's short-lived helpers, e.g. Onair's thumbnail ffmpeg, left out).
 */
export async function measureGroups(
  groups: Record<string, () => number[]>,
  durationMs: number,
  intervalMs = 1000,
  signal?: AbortSignal,
  processOnly = false,
): Promise<GroupsMeasurement> {
  const names = Object.keys(groups);
  const snap = () => {
    const bootTicks = bootTicksNow();
    const stats = readAllStats();
    const out: Record<string, TreeSample> = {};
    for (const n of names) out[n] = sampleFromStats(groups[n](), stats, !processOnly);
    return { bootTicks, wallMs: performance.now(), per: out };
  };
  const box0 = readBoxCpu();
  let prev = snap();
  const first = prev;
  const acc: Record<string, { ticks: number; rss: number[]; pidsMax: number; comms: Set<string> }> = {};
  for (const n of names) {
    acc[n] = { ticks: 0, rss: [], pidsMax: prev.per[n].pids, comms: new Set([...prev.per[n].ticks.values()].map((t) => t.comm)) };
  }
  const steps = Math.max(1, Math.round(durationMs / intervalMs));
  for (let i = 0; i < steps; i++) {
    await sleep(intervalMs, signal);
    const cur = snap();
    for (const n of names) {
      const a = acc[n];
      a.ticks += tickDelta(prev.per[n], cur.per[n], prev.bootTicks);
      a.rss.push(cur.per[n].rssBytes);
      a.pidsMax = Math.max(a.pidsMax, cur.per[n].pids);
      for (const t of cur.per[n].ticks.values()) a.comms.add(t.comm);
    }
    prev = cur;
  }
  const box1 = readBoxCpu();
  const seconds = (prev.wallMs - first.wallMs) / 1000;
  const MB = 1024 * 1024;
  const result: Record<string, UsageSummary> = {};
  for (const n of names) {
    const a = acc[n];
    result[n] = {
      cpuPct: seconds > 0 ? (a.ticks / 1e9 / seconds) * 100 : 0,
      rssMeanMB: a.rss.reduce((x, y) => x + y, 0) / Math.max(1, a.rss.length) / MB,
      rssMaxMB: Math.max(0, ...a.rss) / MB,
      pidsMax: a.pidsMax,
      comms: [...a.comms].sort(),
      samples: a.rss.length,
      seconds,
    };
  }
  return { groups: result, boxBusyPct: boxBusyPct(box0, box1), cores: cpuCount() };
}

export function cpuCount(): number {
  try {
    return (
      readFileSync('/proc/stat', 'utf8')
        .split('\n')
        .filter((l) => /^cpu\d+ /.test(l)).length || 1
    );
  } catch {
    return 1;
  }
}

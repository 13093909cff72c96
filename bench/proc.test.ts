import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  boxBusyPct,
  parseStat,
  parseStatusRss,
  parseProcStatCpu,
  parseSchedstat,
  treePids,
  tickDelta,
  measureGroups,
  type ProcStat,
  type TreeSample,
} from './proc.js';

const line = (pid: number, comm: string, ppid: number, utime: number, stime: number, start = 1000) =>
  `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} 7 8 20 0 1 0 ${start} 123456 789 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0`;

test('parseStat reads fields after the last parenthesis', () => {
  const s = parseStat(line(42, 'we (ird) name', 1, 150, 25));
  assert.equal(s.pid, 42);
  assert.equal(s.comm, 'we (ird) name');
  assert.equal(s.state, 'S');
  assert.equal(s.ppid, 1);
  assert.equal(s.utime, 150);
  assert.equal(s.stime, 25);
  assert.equal(s.cutime, 7);
  assert.equal(s.cstime, 8);
  assert.equal(s.starttime, 1000);
});

test('parseStat on a real /proc/self/stat', async () => {
  const { readFileSync } = await import('node:fs');
  const s = parseStat(readFileSync('/proc/self/stat', 'utf8'));
  assert.equal(s.pid, process.pid);
  assert.equal(s.ppid, process.ppid);
  assert.ok(s.utime + s.stime >= 0);
});

test('parseStat rejects garbage', () => {
  assert.throws(() => parseStat('nonsense'));
});

test('parseStatusRss reads VmRSS in kB', () => {
  assert.equal(parseStatusRss('Name:\tnginx\nVmPeak:\t  9999 kB\nVmRSS:\t    2048 kB\nThreads:\t1\n'), 2048 * 1024);
  assert.equal(parseStatusRss('Name:\tkthreadd\nState:\tS\n'), 0);
});

test('parseProcStatCpu sums the first 8 columns and counts idle+iowait as idle', () => {
  const r = parseProcStatCpu('cpu  10 1 5 100 4 0 2 0 3 0\ncpu0 5 0 2 50 2 0 1 0 0 0\n');
  assert.deepEqual(r, { total: 122, idle: 104 });
});

test('treePids walks descendants only', () => {
  const stats: ProcStat[] = [
    parseStat(line(1, 'init', 0, 0, 0)),
    parseStat(line(10, 'nginx', 1, 0, 0)),
    parseStat(line(11, 'nginx', 10, 0, 0)),
    parseStat(line(12, 'nginx', 10, 0, 0)),
    parseStat(line(13, 'sh', 11, 0, 0)),
    parseStat(line(20, 'ffmpeg', 1, 0, 0)),
  ];
  assert.deepEqual(treePids(10, stats).sort(), [10, 11, 12, 13]);
  assert.deepEqual(treePids(99, stats), []);
});

test('tickDelta: deltas for survivors, full ticks for newcomers, nothing for the departed', () => {
  const mk = (entries: [string, number, number][]): TreeSample => ({
    wallMs: 0,
    rssBytes: 0,
    pids: entries.length,
    ticks: new Map(entries.map(([k, ns, starttime]) => [k, { ns, starttime, comm: 'x' }])),
  });
  const prev = mk([
    ['10:100', 50, 100],
    ['11:100', 20, 100],
    ['12:100', 5, 100],
  ]);
  // 10 survives (+30), 11 exited, 13 started after prev (counted fully: 7), 12 got its pid reused (new starttime 5000)
  const cur = mk([
    ['10:100', 80, 100],
    ['13:4000', 7, 4000],
    ['12:5000', 3, 5000],
  ]);
  assert.equal(tickDelta(prev, cur, 3000), 30 + 7 + 3);
  // A process unseen before but older than prev (missed): not counted, its history predates the window.
  const cur2 = mk([
    ['10:100', 80, 100],
    ['14:200', 999, 200],
  ]);
  assert.equal(tickDelta(prev, cur2, 3000), 30);
});

test('parseSchedstat reads nanoseconds on CPU; a busy child measures as busy', async () => {
  assert.equal(parseSchedstat('267077 0 1\n'), 267077);
  assert.equal(parseSchedstat('garbage'), undefined);
  const { spawn } = await import('node:child_process');
  // A child that spins for about half of each 100 ms: its tree should measure near 50 % of one core on a quiet box.
  // The spin is wall-clock paced, so on a box busy with other work it gets less; the bounds catch a unit error (ns
  // read as ticks is off by 10^7), not contention.
  const child = spawn(process.execPath, [
    '-e',
    'const end = Date.now() + 3000; while (Date.now() < end) { const t = Date.now() + 50; while (Date.now() < t); const s = Date.now() + 50; while (Date.now() < s) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50); }',
  ]);
  try {
    const m = await measureGroups({ child: () => [child.pid!] }, 2000, 500);
    assert.ok(m.groups.child.cpuPct > 10 && m.groups.child.cpuPct < 75, `measured ${m.groups.child.cpuPct.toFixed(1)} %`);
  } finally {
    child.kill('SIGKILL');
  }
});

test("processOnly: a parent's own threads, without its busy child", async () => {
  const { spawn } = await import('node:child_process');
  // An idle parent whose child spins: the tree measures the spin, the process alone next to nothing.
  const parent = spawn(process.execPath, [
    '-e',
    "const c = require('node:child_process').spawn(process.execPath, ['-e', 'const e = Date.now() + 4000; while (Date.now() < e);'], { stdio: 'inherit' }); setTimeout(() => c.kill('SIGKILL'), 4000);",
  ]);
  try {
    await new Promise((r) => setTimeout(r, 500)); // the child is up
    const tree = await measureGroups({ p: () => [parent.pid!] }, 1500, 500);
    const own = await measureGroups({ p: () => [parent.pid!] }, 1500, 500, undefined, true);
    assert.ok(tree.groups.p.pidsMax >= 2, 'the tree has the child');
    // Relative bounds: on a box busy with other work the spinning child gets far less than a core.
    assert.ok(tree.groups.p.cpuPct > 3, `tree ${tree.groups.p.cpuPct.toFixed(1)} %`);
    assert.ok(
      own.groups.p.cpuPct < tree.groups.p.cpuPct / 3,
      `process alone ${own.groups.p.cpuPct.toFixed(1)} %, tree ${tree.groups.p.cpuPct.toFixed(1)} %`,
    );
    assert.equal(own.groups.p.pidsMax, 1);
  } finally {
    parent.kill('SIGKILL');
  }
});

test('boxBusyPct: the share of the box not idle between two samples; 0 when no time passed', () => {
  assert.equal(boxBusyPct({ total: 100, idle: 50 }, { total: 300, idle: 100 }), 75);
  assert.equal(boxBusyPct({ total: 100, idle: 50 }, { total: 100, idle: 50 }), 0);
});

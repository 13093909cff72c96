// Where an Onair server's memory and garbage collection go at N streams: starts the built server as the load
// scenario does (bench/targets.ts), publishes N copies of the benchmark input, and looks inside it through the V8
// inspector. Not a benchmark with a target: a probe, for choosing what to change in the media path.
//
//   npx tsx bench/gc-probe.ts --streams 32 --seconds 15 --mode mem     # arrayBuffers / JS heap / RSS / media slabs every 250 ms
//   PROBE_NODE_ARGS="--some-v8-flag" npx tsx bench/gc-probe.ts ...      # the server run with extra node/V8 flags
//   npx tsx bench/gc-probe.ts --streams 32 --seconds 15 --mode gc      # major and minor GCs, their time, server CPU
//   npx tsx bench/gc-probe.ts --streams 32 --seconds 15 --mode alloc   # JS allocation by function (sampled)
//   npx tsx bench/gc-probe.ts --streams 32 --seconds 15 --mode promoted   # the same, less what scavenges freed: what
//                                                                        # lived long enough to reach the old generation
//   npx tsx bench/gc-probe.ts --streams 1 --seconds 30 --mode cpu      # main-thread CPU by function (V8's sampling
//                                                                        # profiler), Node's own named with their caller
//   npx tsx bench/gc-probe.ts --streams 1 --seconds 30 --mode threads  # CPU by thread (main, libuv's pool, V8's
//                                                                        # workers), from /proc, without profiling
//
// The server gets `--inspect` on a loopback port of its own; every wait is bounded.
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureInput, startPublisher, type Publisher } from './media.js';
import { freePort, sleep } from './spawn.js';
import { onairTarget } from './targets.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '8' },
    mode: { type: 'string', default: 'gc' },
  },
});
const streams = Number(values.streams);
const seconds = Number(values.seconds);
const mode = values.mode!;
if (!['mem', 'gc', 'alloc', 'promoted', 'cpu', 'threads'].includes(mode) || !(streams > 0) || !(seconds > 0)) {
  console.error('usage: gc-probe.ts --streams N --seconds S [--warmup S] --mode mem|gc|alloc|promoted|cpu|threads');
  process.exit(2);
}

/** A minimal Chrome DevTools Protocol client over Node's WebSocket. */
async function inspector(port: number) {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(5000) })).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve);
    ws.addEventListener('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (m: { result?: any; error?: unknown }) => void>();
  ws.addEventListener('message', (ev) => {
    const m = JSON.parse(String(ev.data));
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  const call = (method: string, params: object = {}): Promise<any> =>
    new Promise((resolve, reject) => {
      const i = ++id;
      const t = setTimeout(() => reject(new Error(`${method}: no answer in 60 s`)), 60_000);
      pending.set(i, (m) => (clearTimeout(t), m.error ? reject(new Error(JSON.stringify(m.error))) : resolve(m.result)));
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  const evaluate = async (expression: string): Promise<any> => (await call('Runtime.evaluate', { expression, returnByValue: true })).result.value;
  return { call, evaluate, close: () => ws.close() };
}

/** CPU time of a process so far, ms (utime + stime from /proc). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** CPU time so far of each of a process's threads, ms, by thread name (threads of one name summed). */
function threadCpuMs(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) * 10);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byName;
}

const input = await ensureInput((s) => console.error(s));
const port = await freePort();
const target = onairTarget({ nodeArgs: [`--inspect=127.0.0.1:${port}`, ...(process.env.PROBE_NODE_ARGS ?? '').split(' ').filter(Boolean)] });
const inst = await target.start();
const pubs: Publisher[] = [];
try {
  for (let i = 0; i < streams; i++) pubs.push(startPublisher(input, `${inst.rtmpBase}/${await target.publishName(i)}`));
  await sleep(Number(values.warmup) * 1000);
  const v8 = await inspector(port);
  const cpu0 = cpuMs(inst.pid());
  const wall0 = Date.now();
  if (mode === 'mem') {
    console.log('s\tarrayBuffers MB\tJS heap used MB\tJS heap total MB\tRSS MB\tmedia slabs in use MB\tfree MB');
    const slabs = async (): Promise<number[]> => {
      const text = await (await fetch(`${new URL(inst.hlsUrl('x')).origin}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
      return ['in_use', 'free'].map((k) =>
        Math.round(Number(new RegExp(`onair_media_slab_bytes\\{state="${k}"\\} (\\d+)`).exec(text)?.[1] ?? NaN) / 1e6),
      );
    };
    for (let i = 0; i < seconds * 4; i++) {
      const m = await v8.evaluate(
        `(() => { const m = process.memoryUsage(); return [m.arrayBuffers, m.heapUsed, m.heapTotal, m.rss].map((b) => Math.round(b / 1e6)); })()`,
      );
      console.log(`${(i / 4).toFixed(2)}\t${[...m, ...(await slabs())].join('\t')}`);
      await sleep(250);
    }
  } else if (mode === 'gc') {
    await v8.evaluate(
      `globalThis.__gcProbe = { major: 0, minor: 0, majorMs: 0, minorMs: 0 };
       new PerformanceObserver((l) => { for (const e of l.getEntries()) { const k = e.detail.kind === 4 || e.detail.kind === 8 ? 'major' : 'minor'; __gcProbe[k]++; __gcProbe[k + 'Ms'] += e.duration; } }).observe({ entryTypes: ['gc'] }); 1`,
    );
    await sleep(seconds * 1000);
    const g = await v8.evaluate('__gcProbe');
    const cpu = ((cpuMs(inst.pid()) - cpu0) / (Date.now() - wall0)) * 100;
    console.log(
      `${streams} streams, ${seconds} s: server CPU ${cpu.toFixed(1)} % of a core; major GCs ${g.major} (${((g.major / seconds) * 60).toFixed(0)}/min, ` +
        `main-thread ${g.majorMs.toFixed(0)} ms), minor GCs ${g.minor} (${g.minorMs.toFixed(0)} ms); main-thread GC ${(((g.majorMs + g.minorMs) / (seconds * 1000)) * 100).toFixed(2)} % of a core`,
    );
  } else if (mode === 'threads') {
    const t0 = threadCpuMs(inst.pid());
    await sleep(seconds * 1000);
    const t1 = threadCpuMs(inst.pid());
    const wall = Date.now() - wall0;
    const cpu = ((cpuMs(inst.pid()) - cpu0) / wall) * 100;
    console.log(`${streams} streams, ${seconds} s: server CPU ${cpu.toFixed(2)} % of a core (all threads); by thread name:`);
    const rows = [...t1].map(([name, ms]) => [name, ((ms - (t0.get(name) ?? 0)) / wall) * 100] as const).sort((a, b) => b[1] - a[1]);
    for (const [name, pct] of rows) console.log(`  ${pct.toFixed(2).padStart(6)} %  ${name}`);
  } else if (mode === 'cpu') {
    await v8.call('Profiler.enable');
    await v8.call('Profiler.setSamplingInterval', { interval: 250 });
    await v8.call('Profiler.start');
    await sleep(seconds * 1000);
    const { profile } = await v8.call('Profiler.stop');
    const cpu = ((cpuMs(inst.pid()) - cpu0) / (Date.now() - wall0)) * 100;
    const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const name = (n: any) =>
      `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
    /** A sample's function: ours by name; Node's and V8's with the nearest server function up the stack. */
    const label = (id: number): string => {
      const n = byId.get(id);
      if (!n.callFrame.url || n.callFrame.url.includes('/server/')) return name(n);
      for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
        const up = byId.get(p);
        if (up.callFrame.url.includes('/server/')) return `${name(n)} < ${name(up)}`;
      }
      return name(n);
    };
    const self = new Map<string, number>();
    let sampled = 0;
    profile.samples.forEach((id: number, i: number) => {
      const us = profile.timeDeltas[i] ?? 0;
      sampled += us;
      const k = label(id);
      self.set(k, (self.get(k) ?? 0) + us);
    });
    const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((t, [, us]) => t + us, 0);
    console.log(
      `${streams} streams, ${seconds} s: server CPU ${cpu.toFixed(1)} % of a core (all threads); main thread busy ${(((sampled - idle) / sampled) * 100).toFixed(1)} % of the samples`,
    );
    for (const [k, us] of [...self]
      .filter(([k]) => !k.startsWith('(idle)'))
      .sort((x, y) => y[1] - x[1])
      .slice(0, 40)) {
      console.log(`${((us / sampled) * 100).toFixed(2).padStart(6)} %  ${k}`);
    }
  } else {
    await v8.call('HeapProfiler.enable');
    await v8.call('HeapProfiler.startSampling', {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: mode === 'alloc',
    });
    await sleep(seconds * 1000);
    const { profile } = await v8.call('HeapProfiler.stopSampling');
    const self = new Map<string, number>();
    let total = 0;
    const frameName = (cf: any) => `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
    // Node's and V8's own functions (Buffer.allocUnsafe, subarray) are named with the server function that called them.
    const walk = (node: any, caller = '') => {
      const cf = node.callFrame;
      const own = frameName(cf);
      const name = cf.url.includes('/server/') || !caller ? own : `${own} < ${caller}`;
      const callerOf = cf.url.includes('/server/') ? own : caller;
      total += node.selfSize;
      self.set(name, (self.get(name) ?? 0) + node.selfSize);
      for (const c of node.children) walk(c, callerOf);
    };
    walk(profile.head);
    const what = mode === 'alloc' ? 'JS heap allocation' : 'JS heap allocation that outlived the scavenges (collected by major GCs, or still live)';
    console.log(`${what} ${(total / 1e6 / seconds).toFixed(2)} MB/s (sampled; ArrayBuffer contents are outside the heap)`);
    for (const [k, b] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`${(b / 1e6 / seconds).toFixed(3).padStart(8)} MB/s  ${k}`);
  }
  v8.close();
} finally {
  await Promise.all(pubs.map((p) => p.stop()));
  await inst.stop();
}

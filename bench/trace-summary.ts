// Reads a Chromium trace (the JSON that `studio-compositor.ts --trace FILE` writes) and says where the threads spent
// their time: each thread's CPU from its top-level tasks, and, for each renderer's main thread, the events inside
// those tasks by name (how often, how much CPU). Thread time (`tdur`) where the trace has it, else wall time.
//
//   npx tsx bench/trace-summary.ts FILE [--top 20]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  tdur?: number;
  cat?: string;
  args?: { name?: string };
}

export interface ThreadLine {
  process: string;
  thread: string;
  /** % of one core over the trace's span. */
  cpuPct: number;
  wallPct: number;
}
export interface EventLine {
  name: string;
  perSecond: number;
  cpuPct: number;
}
export interface TraceSummary {
  spanS: number;
  threads: ThreadLine[];
  /** Per renderer main thread, keyed "process pid": what its tasks contained. */
  mainThreads: Record<string, EventLine[]>;
}

/** A thread's top-level tasks: every piece of work it ran is inside one of these (counted once where they nest). */
const TASKS = new Set(['ThreadControllerImpl::RunTask', 'ThreadPool_RunTask', 'TaskGraphRunner::RunTask']);
/** The timeline's copy of each task, inside the top-level one: listed, it would only repeat the thread's total. */
const TASK_COPY = 'RunTask';

export function summariseTrace(events: TraceEvent[], top = 20): TraceSummary {
  const threadNames = new Map<string, string>();
  const processNames = new Map<number, string>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
    else if (e.ph === 'M' && e.name === 'process_name') processNames.set(e.pid, e.args?.name ?? '');
    else if (e.ph === 'X' && e.ts !== undefined) {
      first = Math.min(first, e.ts);
      last = Math.max(last, e.ts + (e.dur ?? 0));
    }
  }
  const spanUs = last > first ? last - first : 0;
  const pct = (us: number) => (spanUs ? Math.round((us / spanUs) * 1000) / 10 : 0);
  const cpu = new Map<string, number>();
  const wall = new Map<string, number>();
  const inside = new Map<string, Map<string, { n: number; us: number }>>();
  const tasks = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X') continue;
    const key = `${e.pid}:${e.tid}`;
    if (e.cat?.includes('toplevel') && TASKS.has(e.name)) {
      const list = tasks.get(key) ?? [];
      tasks.set(key, list);
      list.push(e);
    } else if (threadNames.get(key) === 'CrRendererMain' && e.name !== TASK_COPY) {
      const byName = inside.get(key) ?? new Map<string, { n: number; us: number }>();
      inside.set(key, byName);
      const s = byName.get(e.name) ?? { n: 0, us: 0 };
      s.n++;
      s.us += e.tdur ?? e.dur ?? 0;
      byName.set(e.name, s);
    }
  }
  for (const [key, list] of tasks) {
    list.sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
    let outerEnd = -Infinity;
    for (const e of list) {
      if ((e.ts ?? 0) < outerEnd) continue;
      outerEnd = (e.ts ?? 0) + (e.dur ?? 0);
      cpu.set(key, (cpu.get(key) ?? 0) + (e.tdur ?? e.dur ?? 0));
      wall.set(key, (wall.get(key) ?? 0) + (e.dur ?? 0));
    }
  }
  const threads = [...cpu.entries()]
    .map(([key, us]) => ({
      process: processNames.get(Number(key.split(':')[0])) ?? key.split(':')[0]!,
      thread: threadNames.get(key) ?? key.split(':')[1]!,
      cpuPct: pct(us),
      wallPct: pct(wall.get(key) ?? 0),
    }))
    .sort((a, b) => b.cpuPct - a.cpuPct)
    .slice(0, top);
  const mainThreads: Record<string, EventLine[]> = {};
  for (const [key, byName] of inside) {
    mainThreads[`${processNames.get(Number(key.split(':')[0])) ?? 'process'} ${key.split(':')[0]}`] = [...byName.entries()]
      .map(([name, s]) => ({ name, perSecond: spanUs ? Math.round((s.n / spanUs) * 1e7) / 10 : 0, cpuPct: pct(s.us) }))
      .sort((a, b) => b.cpuPct - a.cpuPct)
      .slice(0, top);
  }
  return { spanS: Math.round(spanUs / 1e4) / 100, threads, mainThreads };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' } } });
  if (positionals.length !== 1) {
    console.error('usage: npx tsx bench/trace-summary.ts FILE [--top 20]');
    process.exit(2);
  }
  const raw = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as TraceEvent[] | { traceEvents: TraceEvent[] };
  const s = summariseTrace(Array.isArray(raw) ? raw : raw.traceEvents, Number(values.top));
  console.log(`trace of ${s.spanS} s; CPU and wall time as % of one core`);
  for (const t of s.threads)
    console.log(`${t.process.padEnd(14)} ${t.thread.padEnd(30)} cpu ${String(t.cpuPct).padStart(5)}  wall ${String(t.wallPct).padStart(5)}`);
  for (const [thread, lines] of Object.entries(s.mainThreads)) {
    console.log(`\n${thread}, main thread: events inside its tasks (nested ones count again inside their parent)`);
    for (const l of lines) console.log(`  cpu ${String(l.cpuPct).padStart(5)}  ${String(l.perSecond).padStart(7)}/s  ${l.name}`);
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseTrace, type TraceEvent } from './trace-summary.js';

const meta = (pid: number, tid: number, kind: 'thread_name' | 'process_name', name: string): TraceEvent => ({
  name: kind,
  ph: 'M',
  pid,
  tid,
  args: { name },
});
const x = (pid: number, tid: number, name: string, ts: number, dur: number, cat = 'devtools.timeline', tdur?: number): TraceEvent => ({
  name,
  ph: 'X',
  pid,
  tid,
  ts,
  dur,
  cat,
  ...(tdur === undefined ? {} : { tdur }),
});

test('a thread is busy for its top-level tasks, counted once where they nest, in thread time when there is one', () => {
  const s = summariseTrace([
    meta(1, 1, 'process_name', 'Renderer'),
    meta(1, 1, 'thread_name', 'CrRendererMain'),
    meta(2, 7, 'process_name', 'GPU Process'),
    meta(2, 7, 'thread_name', 'VizCompositorThread'),
    // 1 s of trace: the main thread runs two tasks of 100 ms wall, 80 ms CPU each.
    x(1, 1, 'ThreadControllerImpl::RunTask', 0, 100_000, 'toplevel', 80_000),
    x(1, 1, 'RunTask', 0, 100_000),
    x(1, 1, 'Paint', 10_000, 20_000, 'devtools.timeline', 20_000),
    x(1, 1, 'ThreadControllerImpl::RunTask', 500_000, 100_000, 'toplevel', 80_000),
    x(1, 1, 'Paint', 510_000, 10_000, 'devtools.timeline', 10_000),
    x(1, 1, 'FunctionCall', 530_000, 50_000, 'devtools.timeline', 40_000),
    // A pool task inside a task of the same thread is not counted again.
    x(2, 7, 'ThreadControllerImpl::RunTask', 0, 200_000, 'toplevel'),
    x(2, 7, 'ThreadPool_RunTask', 50_000, 100_000, 'toplevel'),
    x(2, 7, 'ThreadControllerImpl::RunTask', 900_000, 100_000, 'toplevel'),
  ]);
  assert.equal(s.spanS, 1);
  assert.deepEqual(s.threads, [
    { process: 'GPU Process', thread: 'VizCompositorThread', cpuPct: 30, wallPct: 30 },
    { process: 'Renderer', thread: 'CrRendererMain', cpuPct: 16, wallPct: 20 },
  ]);
  assert.deepEqual(s.mainThreads['Renderer 1'], [
    { name: 'FunctionCall', perSecond: 1, cpuPct: 4 },
    { name: 'Paint', perSecond: 2, cpuPct: 3 },
  ]);
});

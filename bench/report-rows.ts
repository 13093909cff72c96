// The rows of the benchmark report's table, one function per scenario, and the formatting they share (report.ts
// renders the whole file with them).
import type { LoadLevel, ViewersResult } from './load.js';
import type { BenchResults, Outcome } from './report.js';

/** Adds a row: metric, Onair, nginx-rtmp, their ratio, the target, whether it is met. */
export type Row = (metric: string, onair: string, nginx: string, ratio: string, target: string, met: string) => void;

export const ONAIR = 'onair';
export const NGINX = 'nginx-rtmp';

export function ok<T>(x: Outcome<T> | undefined): T | undefined {
  return x && !(typeof x === 'object' && 'error' in x) ? (x as T) : undefined;
}
export function err(x: Outcome<unknown> | undefined): string | undefined {
  return x && typeof x === 'object' && 'error' in (x as object) ? (x as { error: string }).error : undefined;
}
export function fmt(v: number | undefined, digits = 0, unit = ''): string {
  return v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(digits)}${unit}`;
}
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? undefined : a / b;
}
export function met(v: boolean | undefined): string {
  return v === undefined ? '—' : v ? 'yes' : '**no**';
}
export function cell(o: Outcome<unknown> | undefined, v: string): string {
  if (o === undefined) return 'not run';
  const e = err(o);
  return e ? 'error' : v;
}

/**
 * The bars for CPU per stream with Low-Latency HLS on (the default): at most 1.5x nginx-rtmp at one stream and 1.0x
 * at 32 and more; no bar is set between, so those levels keep 1.5x.
 */
export function loadCpuBar(streams: number): number {
  return streams >= 32 ? 1.0 : 1.5;
}

/** The bar for RSS growth per stream (MB), against idle and against the previous level alike. */
export const RSS_GROWTH_BAR_MB = 3;

/** Publish to first playable segment. */
export function startupRows(r: BenchResults, row: Row): void {
  if (!r.startup) return;
  const so = ok(r.startup[ONAIR]),
    sn = ok(r.startup[NGINX]);
  const n = so?.runs.length ?? sn?.runs.length ?? 0;
  row(
    `Publish → first playable segment, median of ${n} (ms)`,
    cell(r.startup[ONAIR], fmt(so?.medianMs)),
    cell(r.startup[NGINX], fmt(sn?.medianMs)),
    fmt(ratio(so?.medianMs, sn?.medianMs), 2),
    'Onair ≤ 1500 ms',
    met(so && so.ok > 0 ? so.medianMs <= 1500 : undefined),
  );
  row(
    '… same, counted from the first media byte sent (excl. ffmpeg start-up) (ms)',
    cell(r.startup[ONAIR], fmt(so?.medianFromMediaMs)),
    cell(r.startup[NGINX], fmt(sn?.medianFromMediaMs)),
    fmt(ratio(so?.medianFromMediaMs, sn?.medianFromMediaMs), 2),
    'reported',
    '—',
  );
}

/** Live latency through the players, and the paired publish. */
export function latencyRows(r: BenchResults, row: Row): void {
  if (!r.latency) return;
  const lo = ok(r.latency[ONAIR]),
    ln = ok(r.latency[NGINX]);
  const n = lo?.segments.length ?? ln?.segments.length ?? 0;
  row(
    `Segment availability delay, median of ${n} segments (ms)`,
    cell(r.latency[ONAIR], fmt(lo?.medianMs)),
    cell(r.latency[NGINX], fmt(ln?.medianMs)),
    fmt(ratio(lo?.medianMs, ln?.medianMs), 2),
    r.latencyPaired ? 'reported (separate runs: each has its own publisher-start estimate)' : 'Onair ≤ nginx',
    r.latencyPaired ? '—' : met(lo && ln ? lo.medianMs <= ln.medianMs : undefined),
  );
  const pr = r.latencyPaired && ok(r.latencyPaired);
  if (r.latencyPaired) {
    const pe = err(r.latencyPaired);
    row(
      `… paired, one publisher to both: Onair − nginx per segment, median of ${pr ? pr.segments.length : 0} (ms)`,
      pr ? `${fmt(pr.medianDiffMs, 2)} (mean ${fmt(pr.meanDiffMs, 2)}; sooner in ${pr.firstSooner}, later in ${pr.firstLater})` : pe ? 'error' : '',
      pr ? '0' : '',
      '',
      'Onair − nginx ≤ 0',
      met(pr ? pr.medianDiffMs <= 0 : undefined),
    );
    if (pr)
      row(
        "… paired, taken when the answers arrived (adds each server's HTTP answer time) (ms)",
        fmt(pr.answeredMedianDiffMs, 2),
        '0',
        '',
        'reported',
        '—',
      );
    if (pr)
      row(
        '… paired: median delay of each, at answer arrival (ms)',
        fmt(pr.medianMs[0], 1),
        fmt(pr.medianMs[1], 1),
        fmt(ratio(pr.medianMs[0], pr.medianMs[1]), 2),
        'reported',
        '—',
      );
  }
  row(
    'Segment availability delay, p90 (ms)',
    cell(r.latency[ONAIR], fmt(lo?.p90Ms)),
    cell(r.latency[NGINX], fmt(ln?.p90Ms)),
    fmt(ratio(lo?.p90Ms, ln?.p90Ms), 2),
    'reported',
    '—',
  );
  row(
    '… median counted from publisher spawn (incl. ffmpeg start-up) (ms)',
    cell(r.latency[ONAIR], fmt(lo?.spawnMedianMs)),
    cell(r.latency[NGINX], fmt(ln?.spawnMedianMs)),
    fmt(ratio(lo?.spawnMedianMs, ln?.spawnMedianMs), 2),
    'reported',
    '—',
  );
  if (lo?.pdtMedianMs !== undefined || ln?.pdtMedianMs !== undefined) {
    row('… median against EXT-X-PROGRAM-DATE-TIME (server clock) (ms)', fmt(lo?.pdtMedianMs), fmt(ln?.pdtMedianMs), '', 'informational', '—');
  }
  row(
    'Mean segment duration (s)',
    cell(r.latency[ONAIR], fmt(lo?.meanSegmentS, 3)),
    cell(r.latency[NGINX], fmt(ln?.meanSegmentS, 3)),
    '',
    '1 s',
    '—',
  );
}

/** CPU and RSS per stream at each level of publishers. */
export function loadRows(r: BenchResults, row: Row): void {
  if (!r.load) return;
  const lo = ok(r.load[ONAIR])?.levels ?? [],
    ln = ok(r.load[NGINX])?.levels ?? [];
  const counts = [...new Set([...lo, ...ln].map((l) => ok(l)?.streams).filter((x): x is number => x !== undefined))].sort((a, b) => a - b);
  for (const c of counts) {
    const a = lo.map(ok).find((l) => l?.streams === c);
    const b = ln.map(ok).find((l) => l?.streams === c);
    const co = (l: LoadLevel | undefined, v: string) => (l ? v : r.load?.[ONAIR] === undefined ? 'not run' : 'error');
    const cn = (l: LoadLevel | undefined, v: string) => (l ? v : r.load?.[NGINX] === undefined ? 'not run' : 'error');
    const rc = ratio(a?.cpuPct, b?.cpuPct);
    const cpuBar = loadCpuBar(c);
    row(
      `CPU, ${c} stream${c > 1 ? 's' : ''} (% of one core)`,
      co(a, fmt(a?.cpuPct, 1)),
      cn(b, fmt(b?.cpuPct, 1)),
      fmt(rc, 2),
      `Onair ≤ ${cpuBar.toFixed(1)}× nginx`,
      met(rc === undefined ? undefined : rc <= cpuBar),
    );
    const idle = (l: LoadLevel | undefined) =>
      `${fmt(l?.rssMB, 1)} (${l?.freshRssMB !== undefined ? `${fmt(l.freshRssMB, 1)} · ` : ''}${fmt(l?.idleRssMB, 1)})`;
    row(
      `RSS, ${c} stream${c > 1 ? 's' : ''} (MB; idle fresh · provisioned)`,
      co(a, idle(a)),
      cn(b, idle(b)),
      fmt(ratio(a?.rssMB, b?.rssMB), 2),
      'reported',
      '—',
    );
    // Growth against idle is muddied by what a fresh Node process has not collected yet; growth from the previous
    // level (each level a fresh server) is the cost of the added streams alone. The target holds for both.
    const prev = counts[counts.indexOf(c) - 1];
    const pa = prev === undefined ? undefined : lo.map(ok).find((l) => l?.streams === prev);
    const pb = prev === undefined ? undefined : ln.map(ok).find((l) => l?.streams === prev);
    const step = (l: LoadLevel | undefined, p: LoadLevel | undefined) => (l && p ? (l.rssMB - p.rssMB) / (l.streams - p.streams) : undefined);
    const sa = step(a, pa),
      sb = step(b, pb);
    const growth = (l: LoadLevel | undefined, st: number | undefined) =>
      `${fmt(l?.rssGrowthPerStreamMB, 2)}${st !== undefined ? ` · ${fmt(st, 2)}` : ''}`;
    row(
      `RSS growth per stream, ${c} stream${c > 1 ? 's' : ''} (MB; vs idle${prev !== undefined ? ` · vs ${prev} stream${prev > 1 ? 's' : ''}` : ''})`,
      co(a, growth(a, sa)),
      cn(b, growth(b, sb)),
      '',
      `Onair ≤ ${RSS_GROWTH_BAR_MB} MB`,
      met(a ? Math.max(a.rssGrowthPerStreamMB, sa ?? -Infinity) <= RSS_GROWTH_BAR_MB : undefined),
    );
    const h = (l: LoadLevel | undefined) =>
      `${l?.healthyStreams}/${c} · ${fmt(l?.publishersCpuPct, 0)} · ${fmt(l?.otherCpuPct, 0)} · ${fmt(l?.boxBusyPct, 0)}% of ${l?.cores}${l?.saturated ? ' SATURATED' : ''}`;
    row(
      `${c} stream${c > 1 ? 's' : ''}: healthy · publishers' CPU % · other CPU % · box busy`,
      co(a, h(a)),
      cn(b, h(b)),
      '',
      'all healthy, box < 90%',
      met(a && b ? a.healthyStreams === c && b.healthyStreams === c && !a.saturated && !b.saturated : undefined),
    );
  }
}

/** Viewers of one stream: CPU, throughput and errors. */
export function viewersRows(r: BenchResults, row: Row): void {
  if (!r.viewers) return;
  const vo = ok(r.viewers[ONAIR]),
    vn = ok(r.viewers[NGINX]);
  const conns = vo?.connections ?? vn?.connections ?? 1000;
  const rq = ratio(vo?.wrk.requestsPerSec, vn?.wrk.requestsPerSec);
  row(
    `Viewers (wrk -c${conns}): requests/s`,
    cell(r.viewers[ONAIR], fmt(vo?.wrk.requestsPerSec)),
    cell(r.viewers[NGINX], fmt(vn?.wrk.requestsPerSec)),
    fmt(rq, 2),
    'Onair ≥ 0.5× nginx',
    met(rq === undefined ? undefined : rq >= 0.5),
  );
  row(
    'Viewers: latency p50 (ms)',
    cell(r.viewers[ONAIR], fmt(vo?.wrk.p50Ms, 1)),
    cell(r.viewers[NGINX], fmt(vn?.wrk.p50Ms, 1)),
    fmt(ratio(vo?.wrk.p50Ms, vn?.wrk.p50Ms), 2),
    'reported',
    '—',
  );
  row(
    'Viewers: latency p99 (ms)',
    cell(r.viewers[ONAIR], fmt(vo?.wrk.p99Ms, 1)),
    cell(r.viewers[NGINX], fmt(vn?.wrk.p99Ms, 1)),
    fmt(ratio(vo?.wrk.p99Ms, vn?.wrk.p99Ms), 2),
    'reported',
    '—',
  );
  row(
    'Viewers: MB/s served',
    cell(r.viewers[ONAIR], fmt(vo?.wrk.transferPerSecMB, 0)),
    cell(r.viewers[NGINX], fmt(vn?.wrk.transferPerSecMB, 0)),
    fmt(ratio(vo?.wrk.transferPerSecMB, vn?.wrk.transferPerSecMB), 2),
    'reported',
    '—',
  );
  const errs = (v: ViewersResult | undefined) =>
    v ? `${v.wrk.non2xx3xx} / ${v.wrk.socketErrors.connect + v.wrk.socketErrors.read + v.wrk.socketErrors.write + v.wrk.socketErrors.timeout}` : '';
  // A non-2xx is a wrong answer (target 0); socket errors here are wrk's 5 s timeouts of a saturated server (reported).
  row(
    'Viewers: non-2xx / socket errors (wrk: no answer within 5 s)',
    cell(r.viewers[ONAIR], errs(vo)),
    cell(r.viewers[NGINX], errs(vn)),
    '',
    'non-2xx 0; errors reported',
    met(vo && vn ? vo.wrk.non2xx3xx === 0 && vn.wrk.non2xx3xx === 0 : undefined),
  );
  row(
    'Viewers: server CPU % / box busy %',
    cell(r.viewers[ONAIR], vo ? `${fmt(vo.serverCpuPct, 0)} / ${fmt(vo.boxBusyPct, 0)}` : ''),
    cell(r.viewers[NGINX], vn ? `${fmt(vn.serverCpuPct, 0)} / ${fmt(vn.boxBusyPct, 0)}` : ''),
    '',
    'reported',
    '—',
  );
}

/** Publish to first playable part (LL-HLS). */
export function firstpartRows(r: BenchResults, row: Row): void {
  if (!r.firstpart) return;
  const fo = ok(r.firstpart[ONAIR]),
    fn = ok(r.firstpart[NGINX]);
  const n = fo?.runs.length ?? fn?.runs.length ?? 0;
  row(
    `Publish → first playable LL-HLS part (nginx-rtmp: segment), from the first keyframe written, median of ${n} (ms)`,
    cell(r.firstpart[ONAIR], fmt(fo?.medianMs)),
    cell(r.firstpart[NGINX], fmt(fn?.medianMs)),
    fmt(ratio(fo?.medianMs, fn?.medianMs), 2),
    'Onair ≤ 500 ms',
    met(fo && fo.ok > 0 ? fo.medianMs <= 500 && fo.ok === fo.runs.length : undefined),
  );
  row('… max (ms)', cell(r.firstpart[ONAIR], fmt(fo?.maxMs)), cell(r.firstpart[NGINX], fmt(fn?.maxMs)), '', 'reported', '—');
  row(
    '… first playlist answered (Onair: the master; nginx: listing a segment), median (ms)',
    cell(r.firstpart[ONAIR], fmt(fo?.medianFirstPlaylistMs)),
    cell(r.firstpart[NGINX], fmt(fn?.medianFirstPlaylistMs)),
    '',
    'reported',
    '—',
  );
}

/** The simulated LL-HLS viewers: part delivery and server CPU. */
export function llviewersRows(r: BenchResults, row: Row): void {
  if (!r.llviewers) return;
  const v = ok(r.llviewers);
  const c = (x: string) => (v ? x : err(r.llviewers) ? 'error' : '');
  const per = v ? v.partsInWindow.video + v.partsInWindow.audio : 0;
  const NO_LL = 'no LL-HLS';
  row(
    `LL-HLS viewers (${v?.viewers ?? '?'}, ${v?.options.measureS ?? '?'} s): part complete → held, p50 · p95 · p99 (ms)`,
    c(v ? `${fmt(v.latency.p50, 0)} · ${fmt(v.latency.p95, 0)} · ${fmt(v.latency.p99, 0)}${v.saturated ? ' SATURATED' : ''}` : ''),
    NO_LL,
    '',
    'Onair p99 ≤ 250 ms',
    met(v ? v.latency.p99 <= 250 : undefined),
  );
  row(
    `… parts missed: total · most by one viewer (each should hold ${per}: ${v?.partsInWindow.video ?? '?'} video + ${v?.partsInWindow.audio ?? '?'} audio)`,
    c(v ? `${v.missedTotal} · ${v.missedPerViewerMax} (${v.viewersMissingAny} viewers missed any; ${v.joined}/${v.viewers} joined)` : ''),
    NO_LL,
    '',
    '0',
    met(v ? v.missedTotal === 0 : undefined),
  );
  const non200 = v
    ? Object.entries(v.non200)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ') || 'none'
    : '';
  row('… non-200 answers (request kind, status; 0 = no answer)', c(non200), NO_LL, '', 'reported', '—');
  row(
    '… server CPU % · client CPU % (2 workers) · box busy %',
    c(v ? `${fmt(v.serverCpuPct, 0)} · ${fmt(v.clientCpuPct, 0)} · ${fmt(v.boxBusyPct, 0)}% of ${v.cores}` : ''),
    NO_LL,
    '',
    'reported',
    '—',
  );
  if (v?.clientLoopDelayMs) {
    row(
      '… client event-loop delay, worst worker p99 · max (ms; near the latencies: client-bound)',
      `${fmt(v.clientLoopDelayMs.p99, 0)} · ${fmt(v.clientLoopDelayMs.max, 0)}`,
      NO_LL,
      '',
      'reported',
      '—',
    );
  }
  if (v?.pdtLagMs) {
    row(
      '… reference check: segment program date − its first frame leaving the publisher, median · p99 (ms)',
      `${fmt(v.pdtLagMs.median, 1)} · ${fmt(v.pdtLagMs.p99, 1)}`,
      NO_LL,
      '',
      'informational',
      '—',
    );
  }
}

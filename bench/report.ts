// Results file shape, how it is stored, and its Markdown rendering.
// CLI: `npx tsx bench/report.ts [results.json.gz] [--update-readme]` prints the Markdown table of the given results file,
// or of the newest full (non-quick) run in bench/results/ (falling back to the newest of any kind);
// --update-readme also writes it between the results markers of bench/README.md.
// `npx tsx bench/report.ts --g2g-runs a.json.gz b.json c.json [--update-readme]` prints the min/median/max table of the
// glass-to-glass scenario over those runs (and writes it between the g2g markers of bench/README.md).
// Results files are gzipped JSON (`.json.gz`): the per-run and per-segment numbers run to thousands of lines, and
// the readable summary is the Markdown written beside them. Plain `.json` files read the same.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { G2gResult } from './g2g.js';
import { g2gRows, renderG2gRuns } from './g2g-report.js';
import type { FirstPartResult } from './firstpart.js';
import type { LlViewersResult } from './llviewers.js';
import type { LatencyResult, PairedLatencyResult } from './latency.js';
import type { LoadLevel, ViewersResult } from './load.js';
import type { StartupResult } from './scenarios.js';

export type Outcome<T> = T | { error: string };

export interface BenchResults {
  meta: {
    startedAt: string;
    finishedAt: string;
    quick: boolean;
    host: { cpu: string; cores: number; memMB: number; kernel: string; serverData?: string };
    versions: Record<string, string>;
    gitCommit?: string;
    input: Record<string, unknown>;
    segmentSeconds: number;
    options: Record<string, unknown>;
  };
  targets: string[];
  startup?: Record<string, Outcome<StartupResult>>;
  latency?: Record<string, Outcome<LatencyResult>>;
  /** Both servers fed by one tee publisher (present when both ran). */
  latencyPaired?: Outcome<PairedLatencyResult>;
  load?: Record<string, Outcome<{ levels: Outcome<LoadLevel>[] }>>;
  /** Onair only: the same load levels with RTMP and with SRT (MPEG-TS) publishers. */
  srt?: Outcome<{ levels: Outcome<LoadLevel>[] }>;
  viewers?: Record<string, Outcome<ViewersResult>>;
  /** Glass-to-glass latency in Chromium, every server up at once (one run, all pages). */
  g2g?: Outcome<G2gResult>;
  /** Publish -> first playable LL-HLS part (Onair) / first segment (nginx-rtmp), from the first keyframe. */
  firstpart?: Record<string, Outcome<FirstPartResult>>;
  /** Simulated LL-HLS viewers on one Onair stream (nginx-rtmp has no LL-HLS). */
  llviewers?: Outcome<LlViewersResult>;
  warnings: string[];
}

const ONAIR = 'onair';
const NGINX = 'nginx-rtmp';

function ok<T>(x: Outcome<T> | undefined): T | undefined {
  return x && !(typeof x === 'object' && 'error' in x) ? (x as T) : undefined;
}
function err(x: Outcome<unknown> | undefined): string | undefined {
  return x && typeof x === 'object' && 'error' in (x as object) ? (x as { error: string }).error : undefined;
}
function fmt(v: number | undefined, digits = 0, unit = ''): string {
  return v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(digits)}${unit}`;
}
function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? undefined : a / b;
}
function met(v: boolean | undefined): string {
  return v === undefined ? '—' : v ? 'yes' : '**no**';
}
function cell(o: Outcome<unknown> | undefined, v: string): string {
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

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  const m = r.meta;
  out.push(
    `### RTMP → HLS: Onair vs nginx-rtmp (${m.startedAt.slice(0, 16).replace('T', ' ')} UTC${m.quick ? ', QUICK mode: smoke numbers only' : ''})`,
  );
  out.push('');
  out.push(
    `Host: ${m.host.cpu}, ${m.host.cores} cores, ${Math.round(m.host.memMB / 1024)} GB RAM, Linux ${m.host.kernel}` +
      (m.host.serverData ? `, servers' files in ${m.host.serverData}. ` : '. ') +
      `${Object.entries(m.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}` +
      (m.gitCommit ? `, onair ${m.gitCommit.slice(0, 10)}` : '') +
      '.',
  );
  out.push(
    `Input: ${m.input.height}p${m.input.fps} H.264 ${m.input.videoKbps} kbit/s CBR, keyframe every ${m.input.gop} frames, AAC ${m.input.audioKbps} kbit/s; ` +
      `published with ffmpeg -re -stream_loop -1 -c copy. Segment length ${m.segmentSeconds} s on both servers.`,
  );
  const g = ok(r.g2g);
  if (g) {
    out.push(
      `Glass-to-glass: its own publisher, ${g.publisher}; painter frames handed to ffmpeg late by p99 ${g.painter?.lateP99Ms ?? '?'} ms, max ${g.painter?.lateMaxMs ?? '?'} ms; ` +
        `Chromium pages one at a time (${g.order.join(', ')}), ${g.warmupSeconds} s warm-up after the first decoded frame.`,
    );
  }
  out.push('');
  out.push('| Metric | Onair | nginx-rtmp | Onair / nginx | Target | Met |');
  out.push('|---|---:|---:|---:|---|---|');
  const row = (metric: string, o: string, n: string, q: string, target: string, ok: string) =>
    out.push(`| ${metric} | ${o} | ${n} | ${q} | ${target} | ${ok} |`);

  if (r.startup) {
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
  if (r.latency) {
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
  if (r.load) {
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
  if (r.viewers) {
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

  if (r.firstpart) {
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
  if (r.llviewers) {
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

  if (r.g2g) g2gRows(ok(r.g2g), err(r.g2g), row);
  srtRows(r, out);

  const notes: string[] = [];
  if (r.g2g && err(r.g2g)) notes.push(`g2g: ${err(r.g2g)!.split('\n')[0].slice(0, 300)}`);
  for (const [id, p] of Object.entries(ok(r.g2g)?.pages ?? {})) {
    const e = err(p);
    if (e) notes.push(`g2g / ${id}: ${e.split('\n')[0].slice(0, 300)}`);
  }
  if (r.latencyPaired && err(r.latencyPaired)) notes.push(`latency paired: ${err(r.latencyPaired)!.split('\n')[0].slice(0, 300)}`);
  if (r.llviewers && err(r.llviewers)) notes.push(`llviewers: ${err(r.llviewers)!.split('\n')[0].slice(0, 300)}`);
  if (r.srt && err(r.srt)) notes.push(`srt: ${err(r.srt)!.split('\n')[0].slice(0, 300)}`);
  for (const l of ok(r.srt)?.levels ?? []) if (err(l)) notes.push(`srt: ${err(l)!.split('\n')[0].slice(0, 300)}`);
  for (const [scen, rec] of Object.entries({ startup: r.startup, latency: r.latency, load: r.load, viewers: r.viewers, firstpart: r.firstpart })) {
    for (const [t, o] of Object.entries(rec ?? {})) {
      const e = err(o);
      if (e) notes.push(`${scen} / ${t}: ${e.split('\n')[0].slice(0, 300)}`);
      const levels = ok(o as Outcome<{ levels: Outcome<LoadLevel>[] }>)?.levels;
      if (scen === 'load' && levels)
        for (const l of levels) {
          const le = err(l);
          if (le) notes.push(`load / ${t}: ${le.split('\n')[0].slice(0, 300)}`);
        }
    }
  }
  for (const w of r.warnings) notes.push(w);
  if (notes.length) {
    out.push('');
    out.push('Notes:');
    for (const n of notes) out.push(`- ${n}`);
  }
  out.push('');
  out.push(
    "CPU is % of one core summed over the server's whole process tree (utime+stime from /proc); RSS is the sum of VmRSS over the tree; " +
      'growth per stream = (RSS at N streams − the lower of the two idle RSS samples, fresh and after provisioning the users) / N, and (RSS at N − RSS at the previous level) / (N − previous N), each level a fresh server. Publishers are excluded from server numbers. Latency methods: bench/README.md.',
  );
  return out.join('\n') + '\n';
}

/** Reads a results file, gzipped or plain (told by its first bytes, not its name). */
export function readResults(file: string): BenchResults {
  const raw = readFileSync(file);
  const gzipped = raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  return JSON.parse((gzipped ? gunzipSync(raw) : raw).toString('utf8')) as BenchResults;
}

/** Writes a results file gzipped; its name should end in `.json.gz`. */
export function writeResults(file: string, r: BenchResults): void {
  writeFileSync(file, gzipSync(JSON.stringify(r, null, 2) + '\n', { level: 9 }));
}

export function newestResults(dir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /^rtmp-hls-.*\.json(\.gz)?$/.test(f));
  } catch {
    return undefined;
  }
  const byTime = files.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return byTime.find((f) => !f.includes('-quick') && !f.includes('-partial')) ?? byTime.find((f) => !f.includes('-quick')) ?? byTime[0];
}

/** Replace the text between the `name` markers (results, g2g) of README.md with `md`. */
export function spliceReadme(readme: string, md: string, name = 'results'): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const a = readme.indexOf(begin);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${name} markers`);
  return `${readme.slice(0, a + begin.length)}\n${md}${readme.slice(b)}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const benchDir = fileURLToPath(new URL('.', import.meta.url));
  const dir = join(benchDir, 'results');
  const args = process.argv.slice(2);
  const update = args.includes('--update-readme');
  if (args.includes('--g2g-runs')) {
    const files = args.filter((a) => !a.startsWith('--'));
    const runs = files
      .map((f) => ({ file: basename(f), g2g: ok(readResults(f).g2g) }))
      .filter((x): x is { file: string; g2g: G2gResult } => x.g2g !== undefined);
    if (runs.length === 0) {
      process.stderr.write('usage: npx tsx bench/report.ts --g2g-runs RESULTS.json[.gz]... [--update-readme] (files with a g2g result)\n');
      process.exit(2);
    }
    const md = renderG2gRuns(runs);
    if (update) {
      const readme = join(benchDir, 'README.md');
      writeFileSync(readme, spliceReadme(readFileSync(readme, 'utf8'), `\n${md}`, 'g2g'));
      process.stderr.write(`updated ${readme} from ${files.join(', ')}\n`);
    }
    process.stdout.write(md);
    process.exit(0);
  }
  const file = args.find((a) => !a.startsWith('--')) ?? newestResults(dir);
  if (!file) {
    process.stderr.write(`no results in ${dir}; run npx tsx bench/run.ts first\n`);
    process.exit(1);
  }
  const md = renderMarkdown(readResults(file));
  if (update) {
    const readme = join(benchDir, 'README.md');
    writeFileSync(readme, spliceReadme(readFileSync(readme, 'utf8'), `\n_From \`${basename(file)}\`._\n\n${md}`));
    process.stderr.write(`updated ${readme} from ${file}\n`);
  }
  process.stdout.write(md);
}

/** SRT against RTMP ingest on Onair: a table of its own after the main one (its columns are ingests, not servers). */
function srtRows(r: BenchResults, out: string[]): void {
  const levels = (ok(r.srt)?.levels ?? []).map(ok).filter((l): l is LoadLevel => l !== undefined);
  if (!r.srt) return;
  out.push('');
  out.push('SRT ingest against RTMP ingest (Onair, the same input; each level a fresh server):');
  out.push('');
  out.push('| Streams | CPU RTMP (% of one core) | CPU SRT | SRT / RTMP | CPU per stream RTMP · SRT | RSS RTMP · SRT (MB) | Healthy RTMP · SRT |');
  out.push('|---:|---:|---:|---:|---|---|---|');
  const counts = [...new Set(levels.map((l) => l.streams))].sort((a, b) => a - b);
  if (!counts.length) out.push('| — | error | error | — | — | — | — |');
  for (const n of counts) {
    const a = levels.find((l) => l.streams === n && (l.ingest ?? 'rtmp') === 'rtmp');
    const b = levels.find((l) => l.streams === n && l.ingest === 'srt');
    out.push(
      `| ${n} | ${fmt(a?.cpuPct, 1)} | ${fmt(b?.cpuPct, 1)} | ${fmt(ratio(b?.cpuPct, a?.cpuPct), 2)} | ` +
        `${fmt(a?.cpuPctPerStream, 2)} · ${fmt(b?.cpuPctPerStream, 2)} | ${fmt(a?.rssMB, 1)} · ${fmt(b?.rssMB, 1)} | ` +
        `${a ? `${a.healthyStreams}/${n}` : '—'} · ${b ? `${b.healthyStreams}/${n}` : '—'} |`,
    );
  }
}

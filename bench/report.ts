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
import { err, firstpartRows, fmt, latencyRows, llviewersRows, loadRows, ok, ratio, startupRows, viewersRows } from './report-rows.js';

export { loadCpuBar, RSS_GROWTH_BAR_MB } from './report-rows.js';

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

  startupRows(r, row);
  latencyRows(r, row);
  loadRows(r, row);
  viewersRows(r, row);
  firstpartRows(r, row);
  llviewersRows(r, row);
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

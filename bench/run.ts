// Onair vs nginx-rtmp, RTMP in -> HLS out. See bench/README.md.
//
//   npx tsx bench/run.ts [--quick] [--only startup,latency,load,srt,viewers,g2g,firstpart,llviewers] [--streams 1,8,32]
//                        [--targets onair,nginx,onair-edge] [--connections 1000] [--g2g-seconds 60] [--ll-viewers 1000] [--ll-client hlsjs|apple] [--out DIR]
//
// Full runs write bench/results/rtmp-hls-<date>.json.gz (everything, gzipped), its table beside it
// (rtmp-hls-<date>.md) and bench/results/rtmp-hls-latest.md.
// Quick or partial runs (--quick, --only, --targets) write to bench/work/results/ (gitignored) unless
// --out is given, so smoke numbers never overwrite the committed table.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem, release } from 'node:os';
import { spawnSync } from 'node:child_process';
import { BENCH_DIR, INPUT_SPEC, REPO_DIR, WORK_DIR, ensureInput } from './media.js';
import { killAllSync, serverDataRoot } from './spawn.js';
import { nginxTarget, onairTarget, SEGMENT_SECONDS, type Target } from './targets.js';
import { latencyScenario, pairedLatencyScenario } from './latency.js';
import { loadLevel, viewersScenario } from './load.js';
import { startupScenario, type Ctx } from './scenarios.js';
import { g2gBudgetMs, g2gScenario } from './g2g.js';
import { firstPartScenario } from './firstpart.js';
import { llViewersBudgetMs, llViewersScenario } from './llviewers.js';
import { LL_CLIENTS, type LlClient } from './llviewers-client.js';
import { renderMarkdown, writeResults, type BenchResults, type Outcome } from './report.js';

const SCENARIOS = ['startup', 'latency', 'load', 'srt', 'viewers', 'g2g', 'firstpart', 'llviewers'] as const;
type Scenario = (typeof SCENARIOS)[number];

function usage(msg?: string): never {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write(
    'usage: npx tsx bench/run.ts [--quick] [--only startup,latency,load,srt,viewers,g2g,firstpart,llviewers] [--streams 1,8,32] [--targets onair,nginx,onair-edge] [--connections 1000] [--g2g-seconds 60] [--ll-viewers 1000] [--ll-client hlsjs|apple] [--out DIR]\n',
  );
  process.exit(2);
}

function parseArgs(argv: string[]) {
  const o = {
    quick: false,
    only: [...SCENARIOS] as Scenario[],
    streams: undefined as number[] | undefined,
    targets: ['onair', 'nginx'],
    connections: 1000,
    g2gSeconds: undefined as number | undefined,
    llViewers: 1000,
    llClient: 'hlsjs' as LlClient,
    out: undefined as string | undefined,
    partial: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--only') {
      o.only = val()
        .split(',')
        .map((s) => s.trim()) as Scenario[];
      for (const s of o.only) if (!SCENARIOS.includes(s)) usage(`unknown scenario ${s}`);
      o.partial = true;
    } else if (a === '--streams') {
      o.streams = val().split(',').map(Number);
      if (o.streams.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) usage('--streams takes integers 1..64');
    } else if (a === '--targets') {
      o.targets = val()
        .split(',')
        .map((s) => s.trim());
      for (const t of o.targets) if (!['onair', 'nginx', 'onair-edge'].includes(t)) usage(`unknown target ${t}`);
      if (o.targets.length < 2) o.partial = true;
    } else if (a === '--connections') {
      o.connections = Number(val());
      if (!Number.isInteger(o.connections) || o.connections < 1 || o.connections > 10000) usage('--connections 1..10000');
    } else if (a === '--g2g-seconds') {
      o.g2gSeconds = Number(val());
      if (!Number.isFinite(o.g2gSeconds) || o.g2gSeconds < 5 || o.g2gSeconds > 600) usage('--g2g-seconds 5..600');
    } else if (a === '--ll-viewers') {
      o.llViewers = Number(val());
      if (!Number.isInteger(o.llViewers) || o.llViewers < 1 || o.llViewers > 5000) usage('--ll-viewers 1..5000');
    } else if (a === '--ll-client') {
      o.llClient = val() as LlClient;
      if (!LL_CLIENTS.includes(o.llClient)) usage(`--ll-client ${LL_CLIENTS.join('|')}`);
    } else if (a === '--out') o.out = val();
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return o;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  return (
    `${r.stdout ?? ''}${r.stderr ?? ''}`
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '?'
  );
}

function versions(): Record<string, string> {
  return {
    node: process.version,
    ffmpeg: firstLine('ffmpeg', ['-version']).match(/ffmpeg version (\S+)/)?.[1] ?? '?',
    nginx: firstLine('nginx', ['-v']).match(/nginx\/(\S+)/)?.[1] ?? '?',
    wrk: firstLine('wrk', ['--version']).match(/wrk (\S+)/)?.[1] ?? '?',
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const quick = opts.quick;
  const p = {
    startupRepeats: quick ? 3 : 5,
    latencySegments: quick ? 10 : 30,
    streams: opts.streams ?? (quick ? [1, 2] : [1, 8, 32]),
    // SRT against RTMP ingest into the same server build, each level a fresh server (Onair only).
    srtStreams: quick ? [1] : [1, 8],
    // Both servers get the same warm-up before sampling: steady state, after Node has compiled its hot code and
    // dropped its start-up garbage (both happen in the first seconds of the first stream).
    warmupMs: quick ? 5_000 : 30_000,
    // 45 s: at one stream a server uses about 1 % of a core, and a shorter window is mostly noise.
    sampleMs: quick ? 5_000 : 45_000,
    viewers: { connections: opts.connections, threads: 2, durationS: quick ? 5 : 15 },
    // Glass-to-glass: each player page is measured this long, after its first decoded frame and a warm-up.
    g2g: { seconds: opts.g2gSeconds ?? (quick ? 15 : 60), warmupSeconds: 5 },
    firstPartRepeats: quick ? 3 : 5,
    // LL-HLS viewers: measured window after a warm-up (every viewer joined and following the live edge).
    llViewers: { viewers: opts.llViewers, workers: 2, warmupS: quick ? 8 : 10, measureS: quick ? 15 : 60, client: opts.llClient },
  };
  const log = (s: string) => process.stdout.write(`${s}\n`);
  // onair-edge: two Onair nodes behind the shipped nginx edge (docs/SCALING.md), on this machine's PostgreSQL and Redis.
  const targets: Target[] = opts.targets.map((t) =>
    t === 'onair' ? onairTarget() : t === 'onair-edge' ? onairTarget({ clusterNodes: 2 }) : nginxTarget(),
  );

  // Per-scenario budgets (per target); a global watchdog on top of their sum.
  const budgetMs: Record<Scenario, number> = {
    startup: p.startupRepeats * 20_000 + 60_000,
    latency: p.latencySegments * 1500 + 90_000,
    load: p.streams.reduce((a, n) => a + p.warmupMs + p.sampleMs + 60_000 + n * 2000, 0),
    srt: 2 * p.srtStreams.reduce((a, n) => a + p.warmupMs + p.sampleMs + 60_000 + n * 2000, 0),
    viewers: p.viewers.durationS * 1000 + 120_000,
    g2g: g2gBudgetMs(p.g2g),
    firstpart: p.firstPartRepeats * 20_000 + 60_000,
    llviewers: llViewersBudgetMs(p.llViewers),
  };
  // The latency scenario runs once more, paired, when both servers are in; g2g runs once with every server up.
  const runsOf = (s: Scenario) =>
    s === 'g2g' || s === 'llviewers' || s === 'srt' ? 1 : targets.length + (s === 'latency' && targets.length > 1 ? 1 : 0);
  const totalBudget = 120_000 + opts.only.reduce((a, s) => a + budgetMs[s] * runsOf(s), 0);
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: global time budget of ${Math.round(totalBudget / 1000)} s exceeded; killing everything\n`);
    killAllSync();
    process.exit(3);
  }, totalBudget);
  watchdog.unref();

  const startedAt = new Date().toISOString();
  log(
    `bench: ${quick ? 'QUICK ' : ''}run of [${opts.only.join(', ')}] on [${targets.map((t) => t.name).join(', ')}], budget ≤ ${Math.round(totalBudget / 60000)} min`,
  );
  const input = await ensureInput(log);
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_DIR, encoding: 'utf8' });
  const results: BenchResults = {
    meta: {
      startedAt,
      finishedAt: '',
      quick,
      host: {
        cpu: cpus()[0]?.model ?? '?',
        cores: cpus().length,
        memMB: Math.round(totalmem() / 1048576),
        kernel: release(),
        serverData: serverDataRoot(),
      },
      versions: versions(),
      ...(git.status === 0 ? { gitCommit: git.stdout.trim() } : {}),
      input: { ...INPUT_SPEC },
      segmentSeconds: SEGMENT_SECONDS,
      options: { ...p, only: opts.only, targets: opts.targets },
    },
    targets: targets.map((t) => t.name),
    warnings: [],
  };

  const runScenario = async <T>(scen: Scenario, t: Target, fn: (ctx: Ctx) => Promise<T>): Promise<Outcome<T>> => {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error(`${scen} exceeded its ${Math.round(budgetMs[scen] / 1000)} s budget`)), budgetMs[scen]);
    const t0 = Date.now();
    log(`[${scen}] ${t.name}`);
    try {
      return await fn({ input, log, signal: ac.signal });
    } catch (err) {
      const msg = (err as Error)?.message ?? String(err);
      log(`  ERROR: ${msg.split('\n').slice(0, 12).join('\n  ')}`);
      return { error: msg.slice(0, 4000) };
    } finally {
      clearTimeout(timer);
      log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  };

  for (const scen of opts.only) {
    if (scen === 'startup') {
      results.startup = {};
      for (const t of targets) results.startup[t.name] = await runScenario(scen, t, (ctx) => startupScenario(t, ctx, p.startupRepeats));
    } else if (scen === 'latency') {
      results.latency = {};
      for (const t of targets) results.latency[t.name] = await runScenario(scen, t, (ctx) => latencyScenario(t, ctx, p.latencySegments));
      const onair = targets.find((t) => t.name === 'onair');
      const nginx = targets.find((t) => t.name !== 'onair');
      if (onair && nginx) {
        const both: Target = { ...onair, name: `${onair.name} + ${nginx.name}, paired` };
        results.latencyPaired = await runScenario(scen, both, (ctx) => pairedLatencyScenario(onair, nginx, ctx, p.latencySegments * 2));
      }
    } else if (scen === 'load') {
      results.load = {};
      for (const t of targets) {
        results.load[t.name] = await runScenario(scen, t, async (ctx) => {
          const levels = [];
          for (const n of p.streams) {
            try {
              levels.push(await loadLevel(t, ctx, n, p.warmupMs, p.sampleMs));
            } catch (err) {
              if (ctx.signal.aborted) throw err;
              const msg = (err as Error).message;
              ctx.log(`  load N=${n} ERROR: ${msg.split('\n')[0]}`);
              levels.push({ error: `N=${n}: ${msg.slice(0, 2000)}` });
            }
          }
          return { levels };
        });
      }
    } else if (scen === 'srt') {
      // Onair alone (nginx-rtmp takes no SRT): RTMP then SRT publishers of the same input, per stream count.
      const onair = targets.find((t) => t.name === 'onair');
      if (onair)
        results.srt = await runScenario(scen, onair, async (ctx) => {
          const levels = [];
          for (const n of p.srtStreams) {
            for (const ingest of ['rtmp', 'srt'] as const) {
              try {
                levels.push(await loadLevel(onair, ctx, n, p.warmupMs, p.sampleMs, ingest));
              } catch (err) {
                if (ctx.signal.aborted) throw err;
                const msg = (err as Error).message;
                ctx.log(`  ${ingest} N=${n} ERROR: ${msg.split('\n')[0]}`);
                levels.push({ error: `${ingest} N=${n}: ${msg.slice(0, 2000)}` });
              }
            }
          }
          return { levels };
        });
    } else if (scen === 'viewers') {
      results.viewers = {};
      for (const t of targets) results.viewers[t.name] = await runScenario(scen, t, (ctx) => viewersScenario(t, ctx, p.viewers));
    } else if (scen === 'firstpart') {
      results.firstpart = {};
      for (const t of targets) results.firstpart[t.name] = await runScenario(scen, t, (ctx) => firstPartScenario(t, ctx, p.firstPartRepeats));
    } else if (scen === 'llviewers') {
      // nginx-rtmp has no Low-Latency HLS: Onair alone, or behind the edge when that is the only Onair target.
      const onair = targets.find((t) => t.name === 'onair') ?? targets.find((t) => t.name === 'onair-edge');
      if (onair) results.llviewers = await runScenario(scen, onair, (ctx) => llViewersScenario(onair, ctx, p.llViewers));
    } else if (scen === 'g2g') {
      const all: Target = { ...targets[0], name: targets.map((t) => t.name).join(' + ') };
      results.g2g = await runScenario(scen, all, (ctx) => g2gScenario(targets, ctx, p.g2g));
    }
  }

  for (const t of targets) {
    const w = (t as { warnings?: string[] }).warnings;
    if (w) for (const x of new Set(w)) results.warnings.push(`${t.name}: ${x}`);
  }
  const saturated = Object.values(results.load ?? {})
    .flatMap((o) => ('levels' in o ? o.levels : []))
    .some((l) => 'saturated' in l && l.saturated);
  if (saturated)
    results.warnings.push(
      'the box was ≥ 90% busy during at least one load sample: CPU numbers there are lower bounds and comparisons are unreliable',
    );

  results.meta.finishedAt = new Date().toISOString();
  const full = !quick && !opts.partial;
  const outDir = opts.out ?? (full ? join(BENCH_DIR, 'results') : join(WORK_DIR, 'results'));
  mkdirSync(outDir, { recursive: true });
  const stamp = startedAt.replace(/:/g, '').replace(/\..*$/, '').replace('T', '-');
  // A glass-to-glass run on its own (with both servers) is complete in itself: g2g-<date>.json, apart from the RTMP → HLS runs.
  const g2gOnly = opts.only.length === 1 && opts.only[0] === 'g2g';
  const prefix = g2gOnly ? 'g2g' : 'rtmp-hls';
  const tag = quick ? '-quick' : opts.partial && !(g2gOnly && targets.length > 1) ? '-partial' : '';
  const jsonPath = join(outDir, `${prefix}-${stamp}${tag}.json.gz`);
  const md = renderMarkdown(results);
  writeResults(jsonPath, results);
  const runMdPath = join(outDir, `${prefix}-${stamp}${tag}.md`);
  writeFileSync(runMdPath, md);
  const mdPath = join(outDir, `${prefix}${tag}-latest.md`);
  writeFileSync(mdPath, md);
  log('');
  log(md);
  log(`wrote ${jsonPath}\nwrote ${runMdPath}\nwrote ${mdPath}`);
}

main().then(
  () => {
    killAllSync();
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? err}\n`);
    killAllSync();
    process.exit(1);
  },
);

// Restream benchmark: what each restream destination costs Onair. N streams publish into a fresh Onair server
// (ffmpeg -c copy of the benchmark's input); each channel pushes to 0, 1 and then 3 destinations (an nginx-rtmp
// receiving them all, its CPU not counted), a fresh server per level. The Onair process's own CPU (its threads; not
// its children, i.e. not the thumbnail ffmpeg it starts per stream, whose short lives made the tree's count jump)
// is sampled over the window; the cost of one destination is (CPU at k destinations - CPU at 0) / (k x N),
// set against the ingest's own cost per stream (CPU at 0 / N). Target: each destination at most a quarter of the
// ingest's cost. With --pin (the default on a box of 2 or more cores) Onair runs on the last core and the publishers
// and nginx on the others (taskset), so they do not share Onair's core and caches. Runs alternate the order of the
// levels (0,1,3 then 3,1,0), so a drift of the box's load over a run does not always favour the same level.
//
// Two methods. `--method toggle` (the default): ONE server and its N publishers stay up for the whole measurement;
// each channel has 3 destinations, and between windows they are switched on and off through the API
// (PATCH enabled) to the level measured, so every level is measured on the same process, warmed up the same: what
// differs between two windows is the destinations. Each run measures every level twice, in a palindrome (0 1 3 3 1 0). `--method fresh`: a fresh server per level (the first method;
// the ingest alone varied more between fresh servers than the cost measured).
//
//   npx tsx bench/restream.ts [--method toggle|fresh] [--streams 16] [--levels 0,1,3] [--warmup 8] [--seconds 20]
//                             [--runs 4] [--no-pin] [--profile DIR]   (Onair runs with --cpu-prof; profiles in DIR)
//
// Results: bench/results/restream-<time>.json and a table on stdout (min / median / max over the runs, then each run).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureInput, REPO_DIR, startPublisher, type Publisher } from './media.js';
import { cpuCount, measureGroups, readAllStats, treePids } from './proc.js';
import { killAllSync, sleep, waitUntil } from './spawn.js';
import { nginxTarget, onairTarget, type Instance } from './targets.js';
import { arg } from './cli-args.js';

const STREAMS = Number(arg('streams', '16'));
const LEVELS = arg('levels', '0,1,3').split(',').map(Number);
const WARMUP_S = Number(arg('warmup', '8'));
const SECONDS = Number(arg('seconds', '20'));
const RUNS = Number(arg('runs', '3'));
const PROFILE_DIR = arg('profile', '');
/** toggle: one server, destinations switched on and off between windows; fresh: a fresh server per level. */
const METHOD = arg('method', 'toggle');
if (METHOD !== 'toggle' && METHOD !== 'fresh') throw new Error(`--method is toggle or fresh, not ${METHOD}`);
const CORES = cpuCount();
const PIN = !process.argv.includes('--no-pin') && CORES >= 2;
/** Onair's core, and the others' (publishers, nginx). */
const ONAIR_CPUS = String(CORES - 1);
const OTHER_CPUS = CORES > 2 ? `0-${CORES - 2}` : '0';
const log = (s: string) => console.error(`[restream] ${s}`);

interface LevelResult {
  destinations: number;
  onairCpuPct: number;
  boxBusyPct: number;
  /** Destinations live at the end of the window (of streams x destinations). */
  live: number;
}

async function api(base: string, method: string, url: string, body?: unknown, token?: string): Promise<any> {
  const r = await fetch(base + url, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000), // a box busy with other jobs: registration (scrypt) can take seconds
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Every thread of `root` and its descendants onto `cpus` (threads started later inherit it). */
function pin(root: number, cpus: string): void {
  if (!PIN) return;
  for (const pid of treePids(root, readAllStats())) spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** SIGTERM and wait (up to 60 s) for the process to be gone: a --cpu-prof profile is written on the way out. */
async function stopForProfile(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  await waitUntil('Onair exited (profile written)', async () => !existsSync(`/proc/${pid}`), 60_000, 200).catch(() => undefined);
}

/** One level: a fresh Onair, N channels with `k` destinations each into nginx, N publishers; Onair's CPU measured. */
async function level(input: string, sink: Instance, k: number): Promise<LevelResult> {
  process.env.ONAIR_RESTREAM_ALLOW_PRIVATE = 'true';
  if (PROFILE_DIR) process.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${path.resolve(PROFILE_DIR)}`;
  const onair = await onairTarget()
    .start()
    .finally(() => delete process.env.NODE_OPTIONS);
  pin(onair.pid(), ONAIR_CPUS);
  const base = new URL(onair.hlsUrl('x')).origin;
  const publishers: Publisher[] = [];
  const tokens: string[] = [];
  try {
    for (let i = 0; i < STREAMS; i++) {
      const username = `rs${k}x${i}`;
      const { token } = await api(base, 'POST', '/api/auth/register', { username, password: `restream-bench-${i}-pw` });
      tokens.push(token);
      const channel = await api(base, 'GET', '/api/me/channel', undefined, token);
      for (let j = 0; j < k; j++)
        await api(base, 'POST', '/api/me/destinations', { name: `sink ${j}`, url: sink.rtmpBase, key: `${username}-d${j}`, enabled: true }, token);
      publishers.push(startPublisher(input, `${onair.rtmpBase}/${channel.streamKey}`));
      pin(publishers.at(-1)!.proc.pid, OTHER_CPUS);
    }
    const liveDestinations = async () => {
      let n = 0;
      for (const t of tokens)
        n += ((await api(base, 'GET', '/api/me/destinations', undefined, t)) as { status: { state: string } }[]).filter(
          (d) => d.status.state === 'live',
        ).length;
      return n;
    };
    await waitUntil(`${STREAMS * k} destinations live`, async () => (await liveDestinations()) === STREAMS * k, 60_000, 500);
    await sleep(WARMUP_S * 1000);
    const m = await measureGroups({ onair: () => [onair.pid()] }, SECONDS * 1000, 1000, undefined, true);
    return { destinations: k, onairCpuPct: m.groups.onair.cpuPct, boxBusyPct: m.boxBusyPct, live: await liveDestinations() };
  } finally {
    for (const p of publishers) await p.stop();
    if (PROFILE_DIR) await stopForProfile(onair.pid());
    await onair.stop();
  }
}

/**
 * The toggle method: one Onair, N channels with max(levels) destinations each (created disabled), N publishers; for
 * each run, the levels in alternating order, each window after switching the destinations to that level and
 * waiting for them to be live and `settle` seconds.
 */
async function toggleRuns(input: string, sink: Instance): Promise<LevelResult[][]> {
  process.env.ONAIR_RESTREAM_ALLOW_PRIVATE = 'true';
  // No thumbnails: each is an ffmpeg Onair spawns per stream every 10 s, and the fork costs Onair's own process a few
  // ms each time, bunched: the largest swing between windows of the same process. A destination costs none of it,
  // and without it the ingest's own cost (the divisor) is lower, so the ratio is if anything stricter.
  process.env.ONAIR_THUMBNAIL_SECONDS = '0';
  if (PROFILE_DIR) process.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${path.resolve(PROFILE_DIR)}`;
  const onair = await onairTarget()
    .start()
    .finally(() => delete process.env.NODE_OPTIONS);
  pin(onair.pid(), ONAIR_CPUS);
  const base = new URL(onair.hlsUrl('x')).origin;
  const publishers: Publisher[] = [];
  const channels: Array<{ token: string; ids: number[] }> = [];
  const most = Math.max(...LEVELS);
  try {
    for (let i = 0; i < STREAMS; i++) {
      const username = `rt${i}`;
      const { token } = await api(base, 'POST', '/api/auth/register', { username, password: `restream-bench-${i}-pw` });
      const channel = await api(base, 'GET', '/api/me/channel', undefined, token);
      const ids: number[] = [];
      for (let j = 0; j < most; j++)
        ids.push(
          (
            await api(
              base,
              'POST',
              '/api/me/destinations',
              { name: `sink ${j}`, url: sink.rtmpBase, key: `${username}-d${j}`, enabled: false },
              token,
            )
          ).id,
        );
      channels.push({ token, ids });
      publishers.push(startPublisher(input, `${onair.rtmpBase}/${channel.streamKey}`));
      pin(publishers.at(-1)!.proc.pid, OTHER_CPUS);
    }
    const states = async () => {
      const all: string[] = [];
      for (const c of channels)
        for (const d of (await api(base, 'GET', '/api/me/destinations', undefined, c.token)) as { status: { state: string } }[])
          all.push(d.status.state);
      return all;
    };
    let current = 0;
    const setLevel = async (k: number) => {
      for (const c of channels)
        for (let j = Math.min(k, current); j < Math.max(k, current); j++)
          await api(base, 'PATCH', `/api/me/destinations/${c.ids[j]}`, { enabled: j < k }, c.token);
      current = k;
      await waitUntil(
        `${STREAMS * k} destinations live`,
        async () => (await states()).filter((s) => s === 'live').length === STREAMS * k,
        60_000,
        500,
      );
    };
    log(`warming up ${WARMUP_S * 2} s`);
    await sleep(WARMUP_S * 2000);
    const runs: LevelResult[][] = [];
    for (let r = 0; r < RUNS; r++) {
      // Each run measures every level twice, in a palindrome (0 1 3 3 1 0, then 3 1 0 0 1 3): a drift of the
      // process's or the box's load over the run weighs on every level alike, and each level is the mean of its two.
      const order = r % 2 === 0 ? LEVELS : [...LEVELS].reverse();
      const windows: LevelResult[] = [];
      for (const k of [...order, ...[...order].reverse()]) {
        log(`run ${r + 1}/${RUNS}: ${k} destinations each`);
        await setLevel(k);
        await sleep(WARMUP_S * 1000);
        const m = await measureGroups({ onair: () => [onair.pid()] }, SECONDS * 1000, 1000, undefined, true);
        const live = (await states()).filter((s) => s === 'live').length;
        windows.push({ destinations: k, onairCpuPct: m.groups.onair.cpuPct, boxBusyPct: m.boxBusyPct, live });
        log(`  Onair CPU ${f1(m.groups.onair.cpuPct)} % of a core, box ${f1(m.boxBusyPct)} % busy`);
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      runs.push(
        order.map((k) => {
          const w = windows.filter((x) => x.destinations === k);
          return {
            destinations: k,
            onairCpuPct: mean(w.map((x) => x.onairCpuPct)),
            boxBusyPct: mean(w.map((x) => x.boxBusyPct)),
            live: Math.min(...w.map((x) => x.live)),
          };
        }),
      );
    }
    return runs;
  } finally {
    for (const p of publishers) await p.stop();
    if (PROFILE_DIR) await stopForProfile(onair.pid());
    await onair.stop();
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

async function main(): Promise<void> {
  const input = await ensureInput(log);
  const sink = await nginxTarget().start();
  pin(sink.pid(), OTHER_CPUS);
  log(PIN ? `pinned: Onair on cpu ${ONAIR_CPUS}, publishers and nginx on ${OTHER_CPUS}` : 'not pinned');
  const runs: LevelResult[][] = [];
  /** A level that failed twice ends the measuring: the complete runs are reported, the partial one kept in the JSON. */
  let aborted: { run: number; destinations: number; error: string; partial: LevelResult[] } | null = null;
  try {
    if (METHOD === 'toggle') runs.push(...(await toggleRuns(input, sink)));
    for (let r = 0; r < RUNS && !aborted && METHOD === 'fresh'; r++) {
      const results: LevelResult[] = [];
      for (const k of r % 2 === 0 ? LEVELS : [...LEVELS].reverse()) {
        log(`run ${r + 1}/${RUNS}: ${STREAMS} streams, ${k} destinations each`);
        // One retry of a level that failed (an API call timing out on a saturated box), on a fresh server.
        const got = await level(input, sink, k)
          .catch((err: Error) => {
            log(`  failed (${err.message}); once more`);
            return level(input, sink, k);
          })
          .catch((err: Error) => {
            log(`  failed again (${err.message}): measuring ends here`);
            aborted = { run: r + 1, destinations: k, error: err.message, partial: results };
            return null;
          });
        if (!got) break;
        results.push(got);
        log(`  Onair CPU ${f1(got.onairCpuPct)} % of a core, box ${f1(got.boxBusyPct)} % busy`);
      }
      if (!aborted) runs.push(results);
    }
  } finally {
    await sink.stop();
  }
  if (runs.length === 0) throw new Error('no complete run');
  const base = (run: LevelResult[]) => run.find((x) => x.destinations === 0)?.onairCpuPct ?? NaN;
  const ratioOf = (run: LevelResult[], k: number) =>
    (run.find((x) => x.destinations === k)!.onairCpuPct - base(run)) / (k * STREAMS) / (base(run) / STREAMS);
  const lines = [
    `Restream cost: ${STREAMS} streams (${METHOD === 'toggle' ? 'one server, destinations switched per window' : 'a fresh server per level'}, ${runs.length} runs, ${SECONDS} s windows after ${WARMUP_S} s warm-up, the Onair process's own CPU, ${
      PIN ? `Onair pinned to cpu ${ONAIR_CPUS}, publishers and nginx to ${OTHER_CPUS}` : 'not pinned'
    }); min / median / max`,
    '',
    '| destinations per stream | Onair CPU (% of a core) | per stream | one destination ÷ ingest per stream (target ≤ 0.25) | destinations live | box busy % |',
    '|---|---|---|---|---|---|',
  ];
  for (const k of LEVELS) {
    const at = runs.map((run) => run.find((x) => x.destinations === k)!);
    const cpu = stats(at.map((x) => x.onairCpuPct));
    const per = stats(at.map((x) => x.onairCpuPct / STREAMS));
    const ratio = k === 0 ? null : stats(runs.map((run) => ratioOf(run, k)));
    const busy = stats(at.map((x) => x.boxBusyPct));
    lines.push(
      `| ${k} | ${f1(cpu.min)} / **${f1(cpu.median)}** / ${f1(cpu.max)} | ${f2(per.min)} / ${f2(per.median)} / ${f2(per.max)} | ${
        ratio ? `${f2(ratio.min)} / **${f2(ratio.median)}** / ${f2(ratio.max)}` : '—'
      } | ${at.map((x) => `${x.live}/${k * STREAMS}`).join(', ')} | ${f1(busy.min)} / ${f1(busy.median)} / ${f1(busy.max)} |`,
    );
  }
  lines.push('', 'Each run (in order): Onair CPU at ' + LEVELS.join(' / ') + ' destinations; one destination ÷ ingest per stream');
  for (const [i, run] of runs.entries()) {
    const cpus = LEVELS.map((k) => f1(run.find((x) => x.destinations === k)!.onairCpuPct)).join(' / ');
    const ratios = LEVELS.filter((k) => k > 0).map((k) => `${k}: ${f2(ratioOf(run, k))}`);
    lines.push(`- run ${i + 1}: ${cpus} % of a core; ${ratios.join(', ')}`);
  }
  const stop = aborted as { run: number; destinations: number; error: string } | null;
  if (stop) lines.push(`- run ${stop.run}: stopped at ${stop.destinations} destinations (${stop.error}); not in the table`);
  console.log(lines.join('\n'));
  const dir = path.join(REPO_DIR, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `restream-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { method: METHOD, streams: STREAMS, levels: LEVELS, seconds: SECONDS, warmup: WARMUP_S, pinned: PIN, processOnly: true, runs, aborted },
      null,
      2,
    ),
  );
  log(`wrote ${path.relative(REPO_DIR, file)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    killAllSync();
    process.exit(1);
  },
);

// N simulated Low-Latency HLS viewers on one Onair stream (nginx-rtmp has no LL-HLS). The viewers live in worker
// processes (llviewers-worker.ts), each a keep-alive HTTP client doing what hls.js does in lowLatencyMode (or, with
// `client: 'apple'`, what Apple's players do: full playlists and the preload hint; llviewers-client.ts). The harness publishes (ffmpeg -re, as everywhere), observes the playlists
// itself (what parts exist, and when each ends on the server's clock), samples CPU, and sums up (llviewers-stats.ts).
//
// "Part complete" is the part's end on the server's own clock as the playlist gives it: its segment's
// EXT-X-PROGRAM-DATE-TIME (the wall clock when the stream's first frame reached the packager + the segment's media time
// since: dates follow the media timeline) + the durations of the
// parts before it + its own. The packager can cut a part only once the frame after it has arrived, which, with a
// publisher paced at 1x, is at about that instant. Latency = a viewer holding the part's last byte − that end, one
// machine clock. As a check on that reference, each segment's program date is compared with when its first frame
// left the publisher (ffmpeg -progress, as in the latency scenario): the result reports that lag.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { httpGet, sleep, spawnGroup, tempDir, type Managed } from './spawn.js';
import { BENCH_DIR, REPO_DIR, startPublisher, type Publisher } from './media.js';
import { parseMaster, resolveUri, median, quantile } from './hls.js';
import { followTrack, HttpPool, type LlClient } from './llviewers-client.js';
import { LL_TRACKS, summarize, type LlTrack, type LlViewersSummary } from './llviewers-stats.js';
import type { WorkerConfig, WorkerOutput } from './llviewers-worker.js';
import { measureGroups } from './proc.js';
import { withInstance, type Ctx } from './scenarios.js';
import type { Target } from './targets.js';

export interface LlViewersOptions {
  viewers: number;
  workers: number;
  warmupS: number;
  measureS: number;
  client: LlClient;
}

/**
 * Worker start-up (tsx compiling the worker) before the first viewer joins; joins spread over RAMP_MS: thousands of
 * connections opened within a second or two overflow the server's accept queue (Node's default backlog, 511), and the
 * dropped handshakes come back after TCP's 1 s, 3 s, 7 s retries, which measures the kernel rather than the server.
 */
const JOIN_LEAD_MS = 3000;
const RAMP_MS = 5000;
/** After the window: parts ending just before its end still being delivered, then answers in flight. */
const GRACE_MS = 3000;
const DRAIN_MS = 3000;
/** Target: p99 from part complete to a viewer holding it. */
export const LL_P99_TARGET_MS = 250;

export function llViewersBudgetMs(o: LlViewersOptions): number {
  return 120_000 + JOIN_LEAD_MS + RAMP_MS + (o.warmupS + o.measureS) * 1000 + GRACE_MS + DRAIN_MS + 30_000;
}

export interface LlViewersResult extends LlViewersSummary {
  options: LlViewersOptions;
  serverCpuPct: number;
  serverRssMB: number;
  clientCpuPct: number;
  publisherCpuPct: number;
  boxBusyPct: number;
  cores: number;
  /** Segment program date − when its first frame left the publisher (ms): how late the server's clock stamps. */
  pdtLagMs?: { segments: number; median: number; p99: number; max: number };
  partTarget?: number;
  /** The box was ≥ 90% busy over the window: latencies are the box's as much as the server's. */
  saturated: boolean;
  met: boolean;
}

export async function llViewersScenario(target: Target, ctx: Ctx, o: LlViewersOptions): Promise<LlViewersResult> {
  return withInstance(target, async (inst, pubs) => {
    const key = await target.publishName(0);
    const masterUrl = inst.hlsUrl(target.playName(0));
    const pub = startPublisher(ctx.input, `${inst.rtmpBase}/${key}`);
    pubs.push(pub);
    // The stream is up once the master resolves and the video playlist lists parts.
    let tracks: Record<LlTrack, string> | undefined;
    for (let k = 0; k < 300 && !tracks; k++) {
      if (!pub.proc.isRunning()) throw new Error(`publisher exited: ${pub.proc.tail().slice(-300)}`);
      const r = await httpGet(masterUrl, 2000);
      const m = r.status === 200 ? parseMaster(r.body.toString('utf8')) : undefined;
      if (m?.variants.length && m.audio) {
        const video = resolveUri(masterUrl, m.variants[0]);
        if ((await httpGet(video, 2000)).status === 200) tracks = { video, audio: resolveUri(masterUrl, m.audio) };
      }
      if (!tracks) await sleep(100, ctx.signal);
    }
    if (!tracks) throw new Error('the stream did not come up within 30 s (master with a video variant and an audio rendition)');

    const joinWall = Date.now() + JOIN_LEAD_MS;
    const windowStartWall = joinWall + o.warmupS * 1000;
    const windowEndWall = windowStartWall + o.measureS * 1000;
    const stopWall = windowEndWall + GRACE_MS;

    // The observer: follows both playlists without fetching media, and notes every part's end and every segment's date.
    const observed: Record<LlTrack, Map<string, number>> = { video: new Map(), audio: new Map() };
    const segments = new Map<number, { pdtMs: number; durationS: number }>();
    let partTarget: number | undefined;
    const pool = HttpPool.forUrl(masterUrl);
    const observer = Promise.all(
      LL_TRACKS.map((t) =>
        followTrack(
          pool,
          tracks![t],
          stopWall,
          {
            answer: () => {},
            playlist: (pl) => {
              if (t === 'video') {
                partTarget ??= pl.partTarget;
                for (const s of pl.segments)
                  if (s.pdtMs !== undefined && !segments.has(s.msn)) segments.set(s.msn, { pdtMs: s.pdtMs, durationS: s.durationS });
              }
              for (const p of pl.parts)
                if (p.endMs !== undefined && !observed[t].has(`${p.msn}.${p.index}`)) observed[t].set(`${p.msn}.${p.index}`, p.endMs);
            },
          },
          false,
        ),
      ),
    );

    const dir = mkdtempSync(join(tmpdir(), 'onair-bench-llviewers-'));
    tempDir.track(dir);
    const workers: Managed[] = [];
    try {
      for (let w = 0; w < o.workers; w++) {
        const viewers = Math.floor(o.viewers / o.workers) + (w < o.viewers % o.workers ? 1 : 0);
        if (viewers === 0) continue;
        const cfg: WorkerConfig = {
          masterUrl,
          viewers,
          joinWall,
          rampMs: RAMP_MS,
          windowStartWall,
          windowEndWall,
          stopWall,
          drainMs: DRAIN_MS,
          client: o.client,
          out: join(dir, `worker-${w}.json`),
        };
        workers.push(
          spawnGroup(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'llviewers-worker.ts'), JSON.stringify(cfg)], { cwd: REPO_DIR }),
        );
      }
      ctx.log(`  llviewers: ${o.viewers} ${o.client} viewers in ${workers.length} workers; warm-up ${o.warmupS} s, measured ${o.measureS} s`);
      await sleep(windowStartWall - Date.now(), ctx.signal);
      const m = await measureGroups(
        {
          server: () => inst.serverPids?.() ?? [inst.pid()],
          client: () => workers.map((x) => x.pid),
          publisher: () => [pub.proc.pid],
        },
        o.measureS * 1000,
        1000,
        ctx.signal,
      );
      // Bounded: the workers stop by themselves at stopWall + DRAIN_MS.
      const deadline = stopWall + DRAIN_MS + 20_000 - Date.now();
      const exits = await Promise.race([Promise.all(workers.map((x) => x.exited)), sleep(deadline, ctx.signal).then(() => undefined)]);
      if (!exits) throw new Error(`workers did not finish within ${Math.round(deadline / 1000)} s of the window's end`);
      await Promise.race([observer, sleep(10_000, ctx.signal)]);
      pool.destroy();
      const outs: WorkerOutput[] = workers.map((x, i) => {
        try {
          return JSON.parse(readFileSync(join(dir, `worker-${i}.json`), 'utf8')) as WorkerOutput;
        } catch {
          throw new Error(`worker ${i} wrote no result (exit ${JSON.stringify(exits[i])}): ${x.tail().slice(-1500)}`);
        }
      });
      const inWindow = (t: LlTrack) => Object.fromEntries([...observed[t]].filter(([, e]) => e >= windowStartWall && e < windowEndWall));
      const s = summarize({ video: inWindow('video'), audio: inWindow('audio') }, outs);
      const pdtLagMs = pdtLag(segments, pub, windowStartWall, windowEndWall);
      const result: LlViewersResult = {
        ...s,
        options: o,
        serverCpuPct: m.groups.server.cpuPct,
        serverRssMB: m.groups.server.rssMaxMB,
        clientCpuPct: m.groups.client.cpuPct,
        publisherCpuPct: m.groups.publisher.cpuPct,
        boxBusyPct: m.boxBusyPct,
        cores: m.cores,
        ...(pdtLagMs ? { pdtLagMs } : {}),
        ...(partTarget !== undefined ? { partTarget } : {}),
        saturated: m.boxBusyPct >= 90,
        met: s.missedTotal === 0 && s.latency.p99 <= LL_P99_TARGET_MS,
      };
      const l = s.latency;
      ctx.log(
        `  llviewers: ${s.joined}/${s.viewers} joined; parts in window ${s.partsInWindow.video} video + ${s.partsInWindow.audio} audio; ` +
          `held ${s.deliveriesHeld}/${s.deliveriesExpected}, missed ${s.missedTotal} (max ${s.missedPerViewerMax} per viewer, ${s.viewersMissingAny} viewers missing any)`,
      );
      ctx.log(
        `  llviewers: part end → held p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms; ` +
          `non-200 ${JSON.stringify(s.non200)}; CPU server ${m.groups.server.cpuPct.toFixed(0)}%, client ${m.groups.client.cpuPct.toFixed(0)}%, box ${m.boxBusyPct.toFixed(0)}%` +
          `${pdtLagMs ? `; PDT lag median ${pdtLagMs.median.toFixed(1)} ms, p99 ${pdtLagMs.p99.toFixed(1)} ms` : ''}` +
          `${s.clientLoopDelayMs ? `; client loop delay p99 ${s.clientLoopDelayMs.p99.toFixed(0)} ms, max ${s.clientLoopDelayMs.max.toFixed(0)} ms` : ''}`,
      );
      return result;
    } finally {
      pool.destroy();
      await Promise.all(workers.map((x) => x.stop('SIGTERM', 2000)));
      rmSync(dir, { recursive: true, force: true });
      tempDir.forget(dir);
    }
  });
}

/**
 * Each segment's program date against when its first frame left the publisher: media time 0 left ffmpeg at its
 * -progress estimate, and segment k starts at the sum of the earlier segments' durations (the segments from the
 * first on, contiguous). Segments starting in the window only.
 */
function pdtLag(segments: Map<number, { pdtMs: number; durationS: number }>, pub: Publisher, from: number, to: number): LlViewersResult['pdtLagMs'] {
  const zero = pub.mediaZeroPerf();
  if (zero === undefined || !segments.has(0)) return undefined;
  const zeroWall = pub.startWall + (zero - pub.startPerf);
  const lags: number[] = [];
  let start = 0;
  for (let msn = 0; segments.has(msn); msn++) {
    const s = segments.get(msn)!;
    if (s.pdtMs >= from && s.pdtMs < to) lags.push(s.pdtMs - (zeroWall + start * 1000));
    start += s.durationS;
  }
  if (!lags.length) return undefined;
  return { segments: lags.length, median: median(lags), p99: quantile(lags, 0.99), max: Math.max(...lags) };
}

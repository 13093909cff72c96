// CPU and RSS at N streams (loadLevel) and many plain HLS viewers through wrk (viewersScenario). Each starts a
// fresh server and stops it in a finally block; every loop is bounded.

import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { httpGet, sleep, tempDir } from './spawn.js';
import { startPublisher } from './media.js';
import { resolveUri, type Playlist } from './hls.js';
import { measureGroups, type UsageSummary } from './proc.js';
import { runWrk, type WrkResult } from './wrk.js';
import type { Target } from './targets.js';
import type { CacheStatus } from '../server/test-support/edge.js';
import { getPlaylist, publisherGone, withInstance, type Ctx, type Fetched } from './scenarios.js';

export interface LoadLevel {
  streams: number;
  /** How the publishers sent: RTMP (FLV), or MPEG-TS over SRT (the `srt` scenario). */
  ingest?: 'rtmp' | 'srt';
  /** Idle RSS after the users were provisioned (the sample just before publishing). */
  idleRssMB: number;
  /** Idle RSS of the fresh server, before provisioning. */
  freshRssMB?: number;
  idleCpuPct: number;
  /** Server tree CPU, % of one core, mean over the sample window. */
  cpuPct: number;
  cpuPctPerStream: number;
  rssMB: number;
  rssMaxMB: number;
  rssGrowthPerStreamMB: number;
  serverProcesses: string[];
  serverPidsMax: number;
  publishersCpuPct: number;
  publishersRssMB: number;
  /** Whole box busy %, all cores together (100 = all cores saturated). */
  boxBusyPct: number;
  /** Box CPU not attributable to server or publishers (harness, wrk, other tenants), % of one core. */
  otherCpuPct: number;
  cores: number;
  /** Box nearly saturated: server numbers are then a lower bound. */
  saturated: boolean;
  /** Streams whose playlist advanced by at least half the expected segments during the window. */
  healthyStreams: number;
  sampleSeconds: number;
  warmupSeconds: number;
}

async function lastSeqs(urls: string[]): Promise<(number | undefined)[]> {
  return Promise.all(
    urls.map(async (u) => {
      const { pl } = await getPlaylist(u);
      const s = pl?.segments;
      return s && s.length ? s[s.length - 1].seq : undefined;
    }),
  );
}

export async function loadLevel(
  target: Target,
  ctx: Ctx,
  n: number,
  warmupMs: number,
  sampleMs: number,
  ingest: 'rtmp' | 'srt' = 'rtmp',
): Promise<LoadLevel> {
  return withInstance(target, async (inst, pubs) => {
    // Two idle samples: fresh, and after provisioning (Onair's password hashing and its garbage can leave the
    // provisioned server bigger than it is once streams run). Growth counts from the lower one.
    const fresh = await measureGroups({ server: () => [inst.pid()] }, 2000, 1000, ctx.signal);
    const keys: string[] = [];
    for (let i = 0; i < n; i++) keys.push(await target.publishName(i)); // provisioning before the idle sample
    const urls = keys.map((_, i) => inst.hlsUrl(target.playName(i)));
    await sleep(2000, ctx.signal);
    const idle = await measureGroups({ server: () => [inst.pid()] }, 3000, 1000, ctx.signal);
    const url = (key: string) => {
      if (ingest === 'rtmp') return `${inst.rtmpBase}/${key}`;
      if (!inst.srtUrl) throw new Error(`${target.name} takes no SRT`);
      return inst.srtUrl(key);
    };
    for (let i = 0; i < n; i++) pubs.push(startPublisher(ctx.input, url(keys[i])));
    await sleep(warmupMs, ctx.signal);
    const before = await lastSeqs(urls);
    const m = await measureGroups({ server: () => [inst.pid()], publishers: () => pubs.map((p) => p.proc.pid) }, sampleMs, 1000, ctx.signal);
    const after = await lastSeqs(urls);
    const expect = (m.groups.server.seconds / 1) * 0.5;
    let healthy = 0;
    for (let i = 0; i < n; i++) {
      const a = before[i],
        b = after[i];
      if (a !== undefined && b !== undefined && b - a >= Math.max(1, Math.floor(expect)) && pubs[i].proc.isRunning()) healthy++;
    }
    const s: UsageSummary = m.groups.server;
    const idleS = idle.groups.server;
    const level: LoadLevel = {
      streams: n,
      ingest,
      idleRssMB: idleS.rssMeanMB,
      freshRssMB: fresh.groups.server.rssMeanMB,
      idleCpuPct: idleS.cpuPct,
      cpuPct: s.cpuPct,
      cpuPctPerStream: s.cpuPct / n,
      rssMB: s.rssMeanMB,
      rssMaxMB: s.rssMaxMB,
      rssGrowthPerStreamMB: (s.rssMeanMB - Math.min(idleS.rssMeanMB, fresh.groups.server.rssMeanMB)) / n,
      serverProcesses: s.comms,
      serverPidsMax: s.pidsMax,
      publishersCpuPct: m.groups.publishers.cpuPct,
      publishersRssMB: m.groups.publishers.rssMeanMB,
      boxBusyPct: m.boxBusyPct,
      otherCpuPct: Math.max(0, m.boxBusyPct * m.cores - s.cpuPct - m.groups.publishers.cpuPct),
      cores: m.cores,
      saturated: m.boxBusyPct >= 90,
      healthyStreams: healthy,
      sampleSeconds: s.seconds,
      warmupSeconds: warmupMs / 1000,
    };
    ctx.log(
      `  load N=${n}${ingest === 'srt' ? ' (SRT)' : ''}: server cpu ${level.cpuPct.toFixed(1)}% rss ${level.rssMB.toFixed(1)} MB ` +
        `(idle ${level.freshRssMB!.toFixed(1)} fresh, ${level.idleRssMB.toFixed(1)} provisioned, +${level.rssGrowthPerStreamMB.toFixed(2)}/stream), publishers ${level.publishersCpuPct.toFixed(1)}%, ` +
        `box ${level.boxBusyPct.toFixed(0)}% of ${m.cores} cores (other ${level.otherCpuPct.toFixed(0)}% of a core), healthy ${healthy}/${n}`,
    );
    return level;
  });
}

// ---------------------------------------------------------------------------------------------
// 4. 1000 viewers (wrk)

export interface ViewersResult {
  wrk: WrkResult;
  paths: string[];
  nofile: string;
  connections: number;
  threads: number;
  durationS: number;
  serverCpuPct: number;
  /** A cluster's parts on their own (each node, the edge): CPU % of one core and peak RSS. */
  parts?: Record<string, { cpuPct: number; rssMB: number }>;
  serverRssMB: number;
  boxBusyPct: number;
  /** Segments of the request list still answering 200 right after the run. */
  segmentsStillAvailable: number;
  segmentBytes: number[];
  /** An edge in front: what its cache answered during the run, by kind of object and cache status. */
  edgeCache?: CacheStatus;
}

/** nginx's $upstream_cache_status values of answers that did not ask the nodes (UPDATING: kept while one refreshes). */
const FROM_CACHE = ['HIT', 'UPDATING', 'STALE'];

/** Of the requests the edge's cache was asked for: how many were answered from it, and how many went to the nodes. */
export function cacheAnswers(byStatus: Record<string, number>): { ratio: number | null; upstream: number } {
  const asked = Object.entries(byStatus).filter(([k]) => k !== '-');
  const total = asked.reduce((n, [, v]) => n + v, 0);
  const cached = asked.reduce((n, [k, v]) => n + (FROM_CACHE.includes(k) ? v : 0), 0);
  return { ratio: total ? cached / total : null, upstream: total - cached };
}

function cacheDelta(after: CacheStatus, before: CacheStatus): CacheStatus {
  const out = structuredClone(after);
  for (const kind of Object.keys(out) as Array<keyof CacheStatus>) {
    for (const [status, n] of Object.entries(before[kind])) out[kind][status] = (out[kind][status] ?? 0) - n;
  }
  return out;
}

export async function viewersScenario(
  target: Target,
  ctx: Ctx,
  o: { connections: number; threads: number; durationS: number },
): Promise<ViewersResult> {
  return withInstance(target, async (inst, pubs) => {
    const key = await target.publishName(0);
    const url = inst.hlsUrl(target.playName(0));
    const pub = startPublisher(ctx.input, `${inst.rtmpBase}/${key}`);
    pubs.push(pub);
    let got: Fetched | undefined;
    let pl: Playlist | undefined;
    for (let k = 0; k < 1000; k++) {
      const gone = publisherGone(pub);
      if (gone) throw new Error(gone);
      got = await getPlaylist(url);
      pl = got.pl;
      if (pl && pl.segments.length >= 4) break;
      if (performance.now() - pub.startPerf > 30_000) throw new Error('playlist did not reach 4 segments within 30 s');
      await sleep(250, ctx.signal);
    }
    if (!pl || pl.segments.length < 4) throw new Error('playlist did not reach 4 segments');
    const base = new URL(url);
    const pathOf = (u: URL) => u.pathname + u.search;
    // A live viewer fetches each media playlist once per segment, then that segment: playlist, segment, ...
    // With audio as its own playlist (Onair), it does so for the video and for the audio.
    const tracks: Array<{ playlist: URL; segments: URL[] }> = [
      { playlist: new URL(got!.mediaUrl), segments: pl.segments.slice(-3).map((s) => new URL(resolveUri(got!.mediaUrl, s.uri))) },
    ];
    if (got?.audioUrl) {
      const audio = await getPlaylist(got.audioUrl);
      if (!audio.pl || audio.pl.segments.length < 3) throw new Error('audio playlist has fewer than 3 segments');
      tracks.push({
        playlist: new URL(audio.mediaUrl),
        segments: audio.pl.segments.slice(-3).map((s) => new URL(resolveUri(audio.mediaUrl, s.uri))),
      });
    }
    const latest = tracks.flatMap((t) => t.segments);
    const paths = [0, 1, 2].flatMap((i) => tracks.flatMap((t) => [pathOf(t.playlist), pathOf(t.segments[i])]));
    const segmentBytes: number[] = [];
    for (const u of latest) {
      const r = await httpGet(u.toString(), 2000);
      segmentBytes.push('body' in r ? r.body.length : 0);
    }
    const dir = mkdtempSync(join(tmpdir(), 'onair-bench-wrk-'));
    tempDir.track(dir);
    try {
      const groups = Object.fromEntries(Object.entries(inst.groups?.() ?? {}).map(([k, pids]) => [k, () => pids]));
      const server = () => inst.serverPids?.() ?? [inst.pid()];
      const cacheBefore = inst.cacheStatus?.();
      const measuring = measureGroups({ server, ...groups }, Math.max(1000, (o.durationS - 1) * 1000), 1000, ctx.signal).catch((err: unknown) =>
        err instanceof Error ? err : new Error(String(err)),
      );
      const run = await runWrk({
        baseUrl: `${base.protocol}//${base.host}`,
        scriptPath: join(dir, 'viewers.lua'),
        paths,
        threads: o.threads,
        connections: o.connections,
        durationS: o.durationS,
      });
      const m = await measuring;
      if (m instanceof Error) throw m;
      let edgeCache: CacheStatus | undefined;
      if (cacheBefore && inst.cacheStatus) {
        await sleep(1500, ctx.signal); // nginx flushes its log buffer each second
        edgeCache = cacheDelta(inst.cacheStatus(), cacheBefore);
        const said = (k: keyof CacheStatus) => {
          const a = cacheAnswers(edgeCache![k]);
          return `${a.ratio?.toFixed(5) ?? '-'} from the cache, ${a.upstream} to the nodes`;
        };
        ctx.log(`  edge cache: segments ${said('segment')}; parts ${said('part')}; playlists ${said('playlist')}; ${JSON.stringify(edgeCache)}`);
      }
      let still = 0;
      for (const u of latest) if ((await httpGet(u.toString(), 2000)).status === 200) still++;
      const w = run.result;
      ctx.log(
        `  viewers: ${w.requestsPerSec.toFixed(0)} req/s, p50 ${w.p50Ms?.toFixed(2)} ms, p99 ${w.p99Ms?.toFixed(2)} ms, ` +
          `non-2xx ${w.non2xx3xx}, socket errors ${JSON.stringify(w.socketErrors)}, nofile ${run.nofile}`,
      );
      return {
        wrk: w,
        paths,
        nofile: run.nofile,
        connections: o.connections,
        threads: o.threads,
        durationS: o.durationS,
        serverCpuPct: m.groups.server.cpuPct,
        parts: Object.fromEntries(Object.keys(groups).map((k) => [k, { cpuPct: m.groups[k].cpuPct, rssMB: m.groups[k].rssMaxMB }])),
        serverRssMB: m.groups.server.rssMaxMB,
        boxBusyPct: m.boxBusyPct,
        segmentsStillAvailable: still,
        segmentBytes,
        ...(edgeCache ? { edgeCache } : {}),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

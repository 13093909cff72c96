// The four measurements. Each one starts a fresh server instance, and stops it and every publisher
// it started in a finally block. All loops are bounded by count and by the scenario's AbortSignal.

import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { httpGet, sleep, tempDir } from './spawn.js';
import { startPublisher, type Publisher } from './media.js';
import { parseMaster, parsePlaylist, resolveUri, median, quantile, type Playlist } from './hls.js';
import { measureGroups, type UsageSummary } from './proc.js';
import { runWrk, type WrkResult } from './wrk.js';
import type { Instance, Target } from './targets.js';

export interface Ctx {
  input: string;
  log: (s: string) => void;
  signal: AbortSignal;
}

/** Playlist polling of the startup scenario (fixed rate from the publisher's spawn). */
const POLL_MS = 20;
/**
 * Playlist polling of the latency scenario: every 2.5 to 7.5 ms, drawn at random. A fixed period divides the 1 s
 * segment clock and would hold one poll phase for the whole run (up to a period of bias, different per server);
 * random intervals sample every phase alike, and a short mean bounds the wait a poll adds.
 */
const LATENCY_POLL_MS = { min: 2.5, max: 7.5 };

/** A fresh instance of `target` for `fn`, stopped with every publisher `fn` put in `pubs`, even on error. */
export async function withInstance<T>(target: Target, fn: (inst: Instance, pubs: Publisher[]) => Promise<T>): Promise<T> {
  const inst = await target.start();
  const pubs: Publisher[] = [];
  try {
    return await fn(inst, pubs);
  } finally {
    await Promise.all(pubs.map((p) => p.stop()));
    await inst.stop();
  }
}

interface Fetched {
  status: number;
  pl?: Playlist;
  /** The media playlist's URL (segment URIs resolve against it): `url`, or the master's first variant. */
  mediaUrl: string;
  /** A master's separate audio playlist, resolved. */
  audioUrl?: string;
  error?: string;
}

/**
 * The media playlist at `url`, following a master to its first variant as a player does (Onair serves a master
 * over per-track playlists; nginx-rtmp a media playlist). Following costs Onair one more request per poll.
 */
export async function getPlaylist(url: string): Promise<Fetched> {
  const r = await httpGet(url, 1000);
  if (r.status !== 200) return { status: r.status, mediaUrl: url, error: 'error' in r ? r.error : undefined };
  const text = r.body.toString('utf8');
  const master = parseMaster(text);
  if (master?.variants.length) {
    const inner = await getPlaylist(resolveUri(url, master.variants[0]));
    return { ...inner, ...(master.audio ? { audioUrl: resolveUri(url, master.audio) } : {}) };
  }
  try {
    return { status: 200, pl: parsePlaylist(text), mediaUrl: url };
  } catch (err) {
    return { status: 200, mediaUrl: url, error: (err as Error).message };
  }
}

/** The first segment of `url`'s media playlist and its init, fetched: true when all answered 200 with bytes. */
export async function firstSegmentPlayable(url: string): Promise<{ ok: boolean; bytes: number }> {
  const { pl, mediaUrl } = await getPlaylist(url);
  const seg = pl?.segments[0];
  if (!pl || !seg) return { ok: false, bytes: 0 };
  const map = pl.mapUri ? await httpGet(resolveUri(mediaUrl, pl.mapUri), 2000) : { status: 200 };
  const s = await httpGet(resolveUri(mediaUrl, seg.uri), 2000);
  const bytes = 'body' in s ? s.body.length : 0;
  return { ok: map.status === 200 && s.status === 200 && bytes > 0, bytes };
}

/**
 * Sleep until the next POLL_MS tick counted from `t0`: a fixed-rate schedule (a slow poll does not
 * shift later ones) that skips missed ticks instead of bursting to catch up.
 */
async function nextTick(t0: number, signal: AbortSignal): Promise<void> {
  const now = performance.now();
  await sleep(t0 + Math.floor((now - t0) / POLL_MS + 1) * POLL_MS - now, signal);
}

/** A player's polling of `url`: the master (if any) resolved once, then only the media playlist. */
function mediaPlaylistPoller(url: string): () => Promise<Playlist | undefined> {
  let mediaUrl: string | undefined;
  return async () => {
    if (mediaUrl === undefined) {
      const got = await getPlaylist(url);
      if (got.pl) mediaUrl = got.mediaUrl;
      return got.pl;
    }
    const r = await httpGet(mediaUrl, 1000);
    if (r.status !== 200) return undefined;
    try {
      return parsePlaylist(r.body.toString('utf8'));
    } catch {
      return undefined; // a torn or foreign answer: polled again
    }
  };
}

/** The wait between latency polls: random in LATENCY_POLL_MS. */
function latencyPause(signal: AbortSignal): Promise<void> {
  return sleep(LATENCY_POLL_MS.min + Math.random() * (LATENCY_POLL_MS.max - LATENCY_POLL_MS.min), signal);
}

function publisherGone(pub: Publisher): string | undefined {
  return pub.proc.isRunning()
    ? undefined
    : `publisher exited: ${pub.proc
        .tail()
        .slice(-500)
        .replace(/rtmp:\/\/\S+/g, 'rtmp://…')}`;
}

// ---------------------------------------------------------------------------------------------
// 1. Publish -> first playable segment

export interface StartupRun {
  /** ms from publisher spawn until a listed segment (and its EXT-X-MAP, if any) was fetched with 200. */
  playableMs?: number;
  /** Same, counted from the moment ffmpeg sent media time 0 (spawn + ffmpeg start-up + RTMP handshake). */
  playableFromMediaMs?: number;
  firstPlaylistMs?: number;
  firstListedMs?: number;
  polls: number;
  segmentBytes?: number;
  error?: string;
}

export interface StartupResult {
  runs: StartupRun[];
  medianMs: number;
  medianFromMediaMs: number;
  minMs: number;
  maxMs: number;
  ok: number;
}

export async function startupScenario(target: Target, ctx: Ctx, repeats: number): Promise<StartupResult> {
  return withInstance(target, async (inst, pubs) => {
    const runs: StartupRun[] = [];
    for (let r = 0; r < repeats; r++) {
      const key = await target.publishName(r);
      const url = inst.hlsUrl(target.playName(r));
      const pub = startPublisher(ctx.input, `${inst.rtmpBase}/${key}`);
      pubs.push(pub);
      const run: StartupRun = { polls: 0 };
      const maxPolls = Math.ceil(15_000 / POLL_MS);
      try {
        for (let k = 0; k < maxPolls; k++) {
          const gone = publisherGone(pub);
          if (gone) {
            run.error = gone;
            break;
          }
          run.polls++;
          const { status, pl, mediaUrl, audioUrl } = await getPlaylist(url);
          const now = performance.now() - pub.startPerf;
          if (status === 200 && run.firstPlaylistMs === undefined) run.firstPlaylistMs = now;
          if (pl?.segments.length) {
            run.firstListedMs ??= now;
            // Playable: the first segment and its init, and the audio's too when audio is its own playlist.
            const video = await firstSegmentPlayable(mediaUrl);
            const audio = audioUrl ? await firstSegmentPlayable(audioUrl) : { ok: true, bytes: 0 };
            if (video.ok && audio.ok) {
              const t = performance.now();
              run.playableMs = t - pub.startPerf;
              const z = pub.mediaZeroPerf();
              if (z !== undefined) run.playableFromMediaMs = t - z;
              run.segmentBytes = video.bytes + audio.bytes;
              break;
            }
          }
          await nextTick(pub.startPerf, ctx.signal);
        }
        if (run.playableMs === undefined && !run.error) run.error = `no playable segment within 15 s (${run.polls} polls)`;
      } finally {
        await pub.stop();
      }
      ctx.log(`  startup #${r + 1}: ${run.playableMs !== undefined ? `${run.playableMs.toFixed(0)} ms` : run.error}`);
      runs.push(run);
      await sleep(500, ctx.signal);
    }
    const ok = runs.map((r) => r.playableMs).filter((x): x is number => x !== undefined);
    const fromMedia = runs.map((r) => r.playableFromMediaMs).filter((x): x is number => x !== undefined);
    return { runs, medianMs: median(ok), medianFromMediaMs: median(fromMedia), minMs: Math.min(...ok), maxMs: Math.max(...ok), ok: ok.length };
  });
}

// ---------------------------------------------------------------------------------------------
// 2. Segment availability delay

export interface SegmentObs {
  seq: number;
  uri: string;
  duration: number;
  /** Media time (s) at which the segment starts: sum of EXTINF of the segments before it. */
  startMediaS: number;
  /** ms after media time 0 left the publisher at which the segment was first listed. */
  appearMs: number;
  /** appearMs - (startMediaS + duration) * 1000: the availability delay. */
  delayMs: number;
  /** Same, with the publisher's spawn instant as media time 0 (adds ffmpeg start-up; the brief's literal method). */
  spawnDelayMs: number;
  /** Same, measured against EXT-X-PROGRAM-DATE-TIME (server clock) when present; informational. */
  pdtDelayMs?: number;
}

export interface LatencyResult {
  segments: SegmentObs[];
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
  meanSegmentS: number;
  pdtMedianMs?: number;
  /** Medians with the spawn instant as media time 0 (includes ffmpeg start-up + RTMP handshake). */
  spawnMedianMs: number;
  spawnP90Ms: number;
  /** ms between publisher spawn and media time 0 leaving ffmpeg (estimated from -progress). */
  publisherStartupMs?: number;
  firstSeq?: number;
  gaps: number;
  note?: string;
}

export async function latencyScenario(target: Target, ctx: Ctx, wanted: number): Promise<LatencyResult> {
  return withInstance(target, async (inst, pubs) => {
    const key = await target.publishName(0);
    const url = inst.hlsUrl(target.playName(0));
    const pub = startPublisher(ctx.input, `${inst.rtmpBase}/${key}`);
    pubs.push(pub);
    const seen = new Map<number, { uri: string; duration: number; appearPerf: number; appearWall: number; pdtMs?: number }>();
    let firstSeq: number | undefined;
    const maxPolls = Math.ceil(((wanted + 1) * 1.5 * 1000 + 15_000) / LATENCY_POLL_MS.min);
    const poll = mediaPlaylistPoller(url);
    for (let k = 0; k < maxPolls && seen.size < wanted + 1; k++) {
      const gone = publisherGone(pub);
      if (gone) throw new Error(gone);
      const pl = await poll();
      const appearPerf = performance.now();
      const appearWall = Date.now();
      for (const s of pl?.segments ?? []) {
        firstSeq ??= s.seq;
        if (!seen.has(s.seq)) seen.set(s.seq, { uri: s.uri, duration: s.duration, appearPerf, appearWall, pdtMs: s.pdtMs });
      }
      await latencyPause(ctx.signal);
    }
    if (firstSeq === undefined) throw new Error('no segment ever appeared');
    const zero = pub.mediaZeroPerf();
    const zeroPerf = zero ?? pub.startPerf;
    const seqs = [...seen.keys()].sort((a, b) => a - b);
    const segments: SegmentObs[] = [];
    let start = 0;
    let gaps = 0;
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i];
      if (i > 0 && seq !== seqs[i - 1] + 1) {
        gaps++;
        break;
      } // cumulative media time unknown past a gap
      const o = seen.get(seq)!;
      const endMs = (start + o.duration) * 1000;
      const appearMs = o.appearPerf - zeroPerf;
      const delayMs = appearMs - endMs;
      const spawnDelayMs = o.appearPerf - pub.startPerf - endMs;
      const pdtDelayMs = o.pdtMs !== undefined ? o.appearWall - (o.pdtMs + o.duration * 1000) : undefined;
      segments.push({
        seq,
        uri: o.uri,
        duration: o.duration,
        startMediaS: start,
        appearMs,
        delayMs,
        spawnDelayMs,
        ...(pdtDelayMs !== undefined ? { pdtDelayMs } : {}),
      });
      start += o.duration;
    }
    const used = segments.slice(0, wanted);
    const d = used.map((s) => s.delayMs);
    const pdt = used.map((s) => s.pdtDelayMs).filter((x): x is number => x !== undefined);
    const sd = used.map((s) => s.spawnDelayMs);
    ctx.log(
      `  latency: ${used.length} segments, median ${median(d).toFixed(0)} ms, p90 ${quantile(d, 0.9).toFixed(0)} ms ` +
        `(from spawn: ${median(sd).toFixed(0)} / ${quantile(sd, 0.9).toFixed(0)}; publisher start-up ${zero !== undefined ? (zero - pub.startPerf).toFixed(0) : '?'} ms)`,
    );
    return {
      segments: used,
      medianMs: median(d),
      p90Ms: quantile(d, 0.9),
      minMs: Math.min(...d),
      maxMs: Math.max(...d),
      meanSegmentS: used.reduce((a, s) => a + s.duration, 0) / Math.max(1, used.length),
      ...(pdt.length ? { pdtMedianMs: median(pdt) } : {}),
      spawnMedianMs: median(sd),
      spawnP90Ms: quantile(sd, 0.9),
      ...(zero !== undefined ? { publisherStartupMs: zero - pub.startPerf } : {}),
      firstSeq,
      gaps,
      ...(used.length < wanted || zero === undefined
        ? {
            note: [
              used.length < wanted ? `only ${used.length} of ${wanted} segments observed` : '',
              zero === undefined ? 'no ffmpeg -progress report: media time 0 taken as spawn time' : '',
            ]
              .filter(Boolean)
              .join('; '),
          }
        : {}),
    };
  });
}

/**
 * 2b. The same delay measured paired: both servers up at once, one ffmpeg sending the same packets to both (tee),
 * both media playlists polled together at random 2.5-7.5 ms intervals. Segment i of each holds the same media (both
 * cut at the same 1 s keyframes), so appear(Onair) - appear(nginx) per segment needs no estimate of when media left
 * the publisher: the comparison the target asks for, free of the per-run t0 error of the separate runs.
 */
export interface PairedLatencyResult {
  names: [string, string];
  segments: Array<{ index: number; startMediaS: number; diffMs: number; answeredDiffMs: number; delayMs: [number, number] }>;
  /**
   * Median, mean and p90 of listed(first) - listed(second), ms, where "listed" is the start of the polling round
   * (both asked at once) whose answer first listed the segment: 0 when both listed it in the same round, a
   * multiple of the round interval otherwise; negative: the first lists sooner.
   */
  medianDiffMs: number;
  /** The same taken when those answers arrived: adds each server's HTTP answer time (Node's vs nginx's). */
  answeredMedianDiffMs: number;
  meanDiffMs: number;
  p90DiffMs: number;
  /** Segments the first server listed in an earlier / a later round than the second (the rest: same round). */
  firstSooner: number;
  firstLater: number;
  /** Per-server median delay against the shared t0 (as in 2). */
  medianMs: [number, number];
  skipped: number;
}

export async function pairedLatencyScenario(a: Target, b: Target, ctx: Ctx, wanted: number): Promise<PairedLatencyResult> {
  return withInstance(a, (ia, pubsA) =>
    withInstance(b, async (ib, pubsB) => {
      const keyA = await a.publishName(0);
      const keyB = await b.publishName(0);
      const pub = startPublisher(ctx.input, [`${ia.rtmpBase}/${keyA}`, `${ib.rtmpBase}/${keyB}`]);
      pubsA.push(pub);
      void pubsB;
      type Seen = { uri: string; duration: number; sentPerf: number; appearPerf: number };
      const poller = (url: string) => {
        const fetchPlaylist = mediaPlaylistPoller(url);
        const seen = new Map<number, Seen>();
        return {
          seen,
          async poll(sentPerf: number): Promise<void> {
            const pl = await fetchPlaylist();
            const appearPerf = performance.now();
            for (const s of pl?.segments ?? []) if (!seen.has(s.seq)) seen.set(s.seq, { uri: s.uri, duration: s.duration, sentPerf, appearPerf });
          },
        };
      };
      const pa = poller(ia.hlsUrl(a.playName(0)));
      const pb = poller(ib.hlsUrl(b.playName(0)));
      const maxPolls = Math.ceil(((wanted + 2) * 1.5 * 1000 + 15_000) / LATENCY_POLL_MS.min);
      for (let k = 0; k < maxPolls && (pa.seen.size < wanted + 2 || pb.seen.size < wanted + 2); k++) {
        const gone = publisherGone(pub);
        if (gone) throw new Error(gone);
        // Both requests at once, in random order: neither server is always asked first.
        const round = performance.now();
        await (Math.random() < 0.5 ? Promise.all([pa.poll(round), pb.poll(round)]) : Promise.all([pb.poll(round), pa.poll(round)]));
        await latencyPause(ctx.signal);
      }
      // Each server's segments in order, with their media start (sum of earlier EXTINFs); paired by index, kept only
      // where both start at the same media time.
      const timeline = (seen: Map<number, Seen>) => {
        const seqs = [...seen.keys()].sort((x, y) => x - y);
        const out: Array<Seen & { start: number }> = [];
        let start = 0;
        for (let i = 0; i < seqs.length; i++) {
          if (i > 0 && seqs[i] !== seqs[i - 1] + 1) break;
          const o = seen.get(seqs[i])!;
          out.push({ ...o, start });
          start += o.duration;
        }
        return out;
      };
      const ta = timeline(pa.seen);
      const tb = timeline(pb.seen);
      const zero = pub.mediaZeroPerf() ?? pub.startPerf;
      const segments: PairedLatencyResult['segments'] = [];
      let skipped = 0;
      // The first segment of each starts when that server got the stream: not comparable; from the second on.
      for (let i = 1; i < Math.min(ta.length, tb.length) && segments.length < wanted; i++) {
        const x = ta[i],
          y = tb[i];
        if (Math.abs(x.start - y.start) > 0.05 || Math.abs(x.duration - y.duration) > 0.05) {
          skipped++;
          continue;
        }
        const end = (x.start + x.duration) * 1000;
        segments.push({
          index: i,
          startMediaS: x.start,
          diffMs: x.sentPerf - y.sentPerf,
          answeredDiffMs: x.appearPerf - y.appearPerf,
          delayMs: [x.appearPerf - zero - end, y.appearPerf - zero - end],
        });
      }
      if (segments.length === 0) throw new Error(`no comparable segments (${ta.length} and ${tb.length} seen, ${skipped} misaligned)`);
      const d = segments.map((s) => s.diffMs);
      const result: PairedLatencyResult = {
        names: [a.name, b.name],
        segments,
        medianDiffMs: median(d),
        answeredMedianDiffMs: median(segments.map((x) => x.answeredDiffMs)),
        meanDiffMs: d.reduce((s, v) => s + v, 0) / d.length,
        p90DiffMs: quantile(d, 0.9),
        firstSooner: d.filter((v) => v < 0).length,
        firstLater: d.filter((v) => v > 0).length,
        medianMs: [median(segments.map((s) => s.delayMs[0])), median(segments.map((s) => s.delayMs[1]))],
        skipped,
      };
      ctx.log(
        `  paired latency: ${segments.length} segments, ${a.name} − ${b.name}: median ${result.medianDiffMs.toFixed(2)} ms, mean ${result.meanDiffMs.toFixed(2)} ms ` +
          `(by answer arrival: median ${result.answeredMedianDiffMs.toFixed(2)} ms); ` +
          `${a.name} sooner in ${result.firstSooner}, later in ${result.firstLater}; delays ${result.medianMs.map((v) => v.toFixed(1)).join(' / ')} ms${skipped ? `; ${skipped} misaligned` : ''}`,
      );
      return result;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// 3. CPU / RSS at N streams

export interface LoadLevel {
  streams: number;
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

export async function loadLevel(target: Target, ctx: Ctx, n: number, warmupMs: number, sampleMs: number): Promise<LoadLevel> {
  return withInstance(target, async (inst, pubs) => {
    // Two idle samples: fresh, and after provisioning (Onair's password hashing and its garbage can leave the
    // provisioned server bigger than it is once streams run). Growth counts from the lower one.
    const fresh = await measureGroups({ server: () => [inst.pid()] }, 2000, 1000, ctx.signal);
    const keys: string[] = [];
    for (let i = 0; i < n; i++) keys.push(await target.publishName(i)); // provisioning before the idle sample
    const urls = keys.map((_, i) => inst.hlsUrl(target.playName(i)));
    await sleep(2000, ctx.signal);
    const idle = await measureGroups({ server: () => [inst.pid()] }, 3000, 1000, ctx.signal);
    for (let i = 0; i < n; i++) pubs.push(startPublisher(ctx.input, `${inst.rtmpBase}/${keys[i]}`));
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
      `  load N=${n}: server cpu ${level.cpuPct.toFixed(1)}% rss ${level.rssMB.toFixed(1)} MB ` +
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
  serverRssMB: number;
  boxBusyPct: number;
  /** Segments of the request list still answering 200 right after the run. */
  segmentsStillAvailable: number;
  segmentBytes: number[];
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
      const measuring = measureGroups({ server: () => [inst.pid()] }, Math.max(1000, (o.durationS - 1) * 1000), 1000, ctx.signal).catch(
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
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
        serverRssMB: m.groups.server.rssMaxMB,
        boxBusyPct: m.boxBusyPct,
        segmentsStillAvailable: still,
        segmentBytes,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

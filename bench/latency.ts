// Segment availability delay: separate runs per server (latencyScenario) and both servers fed by one publisher,
// polled in rounds (pairedLatencyScenario). Bounded by count and by the scenario's AbortSignal.

import { startPublisher } from './media.js';
import { median, quantile } from './hls.js';
import type { Target } from './targets.js';
import { latencyPause, LATENCY_POLL_MS, mediaPlaylistPoller, publisherGone, withInstance, type Ctx } from './scenarios.js';

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

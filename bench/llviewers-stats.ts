// The llviewers scenario's numbers from its workers' outputs and the harness's observer: pure, unit-tested
// (llviewers-stats.test.ts).

import type { WorkerOutput } from './llviewers-worker.js';

export const LL_TRACKS = ['video', 'audio'] as const;
export type LlTrack = (typeof LL_TRACKS)[number];

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LlViewersSummary {
  viewers: number;
  joined: number;
  /** Parts whose end falls in the window, per track: listed to the observer or to any viewer. */
  partsInWindow: Record<LlTrack, number>;
  /** Parts the observer never saw listed that some viewer did (0 unless the observer fell behind). */
  partsOnlyViewersSaw: number;
  /** viewers x parts (both tracks). */
  deliveriesExpected: number;
  deliveriesHeld: number;
  missedTotal: number;
  missedPerViewerMax: number;
  viewersMissingAny: number;
  /** held − part end, ms, both tracks pooled; and per track. */
  latency: LatencySummary;
  latencyByTrack: Record<LlTrack, LatencySummary>;
  /** Answers by request kind and status ("0": no answer — network error or time limit). */
  statuses: Record<string, Record<string, number>>;
  /** Non-200 answers by "kind status". */
  non200: Record<string, number>;
  errors: string[];
  /** The workers' event-loop delay over the window (ms): the highest p99 and max among them. */
  clientLoopDelayMs?: { p99: number; max: number };
}

/** Nearest-rank quantile of an ascending array (q in [0,1]); NaN when empty. */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function latencySummary(values: number[]): LatencySummary {
  const s = Float64Array.from(values).sort();
  return {
    count: s.length,
    p50: sortedQuantile(s, 0.5),
    p95: sortedQuantile(s, 0.95),
    p99: sortedQuantile(s, 0.99),
    max: s.length ? s[s.length - 1] : NaN,
  };
}

/**
 * `observed`: per track, "msn.index" -> end (ms since epoch) of every part the observer saw listed with its end in
 * the window. A viewer is expected to hold every part in the window on both tracks; what it did not is missed.
 */
export function summarize(observed: Record<LlTrack, Record<string, number>>, outs: WorkerOutput[]): LlViewersSummary {
  const parts = {} as Record<LlTrack, Set<string>>;
  let onlyViewers = 0;
  for (const t of LL_TRACKS) {
    parts[t] = new Set(Object.keys(observed[t]));
    for (const o of outs) {
      for (const k of Object.keys(o.ends[t])) {
        if (!parts[t].has(k)) {
          parts[t].add(k);
          onlyViewers++;
        }
      }
    }
  }
  const perViewer = parts.video.size + parts.audio.size;
  let viewers = 0,
    joined = 0,
    held = 0,
    missedTotal = 0,
    missedMax = 0,
    missingAny = 0;
  const latency: Record<LlTrack, number[]> = { video: [], audio: [] };
  const statuses: Record<string, Record<string, number>> = {};
  const errors: string[] = [];
  for (const o of outs) {
    viewers += o.viewers;
    joined += o.joined;
    for (let v = 0; v < o.viewers; v++) {
      const got = LL_TRACKS.reduce((n, t) => n + Math.min(parts[t].size, o.heldInWindow[t][v] ?? 0), 0);
      held += got;
      const missed = perViewer - got;
      missedTotal += missed;
      missedMax = Math.max(missedMax, missed);
      if (missed > 0) missingAny++;
    }
    for (const t of LL_TRACKS) for (const x of o.latencyMs[t]) latency[t].push(x);
    for (const [kind, byStatus] of Object.entries(o.statuses)) {
      const into = (statuses[kind] ??= {});
      for (const [s, n] of Object.entries(byStatus)) into[s] = (into[s] ?? 0) + n;
    }
    for (const e of o.errors) if (errors.length < 20) errors.push(e);
  }
  const non200: Record<string, number> = {};
  for (const [kind, byStatus] of Object.entries(statuses)) {
    for (const [s, n] of Object.entries(byStatus)) if (s !== '200') non200[`${kind} ${s}`] = n;
  }
  const loops = outs.map((o) => o.loopDelayMs).filter((x): x is NonNullable<WorkerOutput['loopDelayMs']> => x !== undefined);
  return {
    viewers,
    joined,
    ...(loops.length ? { clientLoopDelayMs: { p99: Math.max(...loops.map((x) => x.p99)), max: Math.max(...loops.map((x) => x.max)) } } : {}),
    partsInWindow: { video: parts.video.size, audio: parts.audio.size },
    partsOnlyViewersSaw: onlyViewers,
    deliveriesExpected: viewers * perViewer,
    deliveriesHeld: held,
    missedTotal,
    missedPerViewerMax: missedMax,
    viewersMissingAny: missingAny,
    latency: latencySummary([...latency.video, ...latency.audio]),
    latencyByTrack: { video: latencySummary(latency.video), audio: latencySummary(latency.audio) },
    statuses,
    non200,
    errors,
  };
}

// A child process of the llviewers scenario holding a share of the simulated LL-HLS viewers (one event loop per
// process, so the client side is not one loop). Each viewer resolves the master, then follows the video playlist and
// the audio rendition's playlist (llviewers-client.ts). At the end it writes, as JSON to `out`: for each viewer and
// track the parts held whose end (on the server's clock) falls in the measured window, the latency of each
// (held − end), every answer's status by request kind, and the end time of every part its viewers saw listed.
//
//   node --import tsx bench/llviewers-worker.ts '<json WorkerConfig>'

import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseMaster } from './hls.js';
import type { LlPlaylist } from './llhls.js';
import { followTrack, HttpPool, partKey, partKeyString, wallNow, type Answer, type LlClient, type RequestKind } from './llviewers-client.js';

export interface WorkerConfig {
  masterUrl: string;
  viewers: number;
  /** Wall clock (ms since epoch) at which the first viewer joins; the others follow over `rampMs`. */
  joinWall: number;
  rampMs: number;
  /** Parts whose end lies in [windowStartWall, windowEndWall) are counted. */
  windowStartWall: number;
  windowEndWall: number;
  /** No new request after this; answers in flight are awaited for `drainMs` more. */
  stopWall: number;
  drainMs: number;
  /** Whose requests the viewers make (llviewers-client.ts). */
  client: LlClient;
  out: string;
}

export interface WorkerOutput {
  viewers: number;
  joined: number;
  /** Per track: per viewer, parts held whose end is in the window (distinct). */
  heldInWindow: Record<'video' | 'audio', number[]>;
  /** Per track: held − end (ms) of every part held in the window, every viewer. */
  latencyMs: Record<'video' | 'audio', number[]>;
  /** Per track: end (ms since epoch) of every part any viewer saw listed in the window, by "msn.index". */
  ends: Record<'video' | 'audio', Record<string, number>>;
  /** Status counts by request kind ("0" = no answer: network error or time limit). */
  statuses: Partial<Record<RequestKind, Record<string, number>>>;
  errors: string[];
  heldAfterWindowEnd: number;
  /**
   * This process's event-loop delay over the window (ms): when it is of the order of the latencies, the client, not
   * the server, set them.
   */
  loopDelayMs?: { p50: number; p99: number; max: number };
}

const TRACKS = ['video', 'audio'] as const;
/** Connections per viewer: a browser's per-host limit over HTTP/1.1. */
const VIEWER_SOCKETS = 6;
type Track = (typeof TRACKS)[number];

/**
 * Every part held, as (viewer, part key, wall clock of its last byte), in arrival order, in one growing typed array:
 * a minute of a thousand viewers is about 1.5 million entries, which as Maps per viewer kept the workers' garbage
 * collector busy enough to take CPU from the box the server shares.
 */
class HeldLog {
  private data = new Float64Array(3 * 65536);
  private n = 0;

  push(viewer: number, key: number, atWall: number): void {
    if (this.n + 3 > this.data.length) {
      const more = new Float64Array(this.data.length * 2);
      more.set(this.data);
      this.data = more;
    }
    this.data[this.n++] = viewer;
    this.data[this.n++] = key;
    this.data[this.n++] = atWall;
  }

  forEach(f: (viewer: number, key: number, atWall: number) => void): void {
    for (let i = 0; i < this.n; i += 3) f(this.data[i], this.data[i + 1], this.data[i + 2]);
  }
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
  /**
   * One keep-alive pool per viewer, at most VIEWER_SOCKETS connections, as a browser holds per host over HTTP/1.1:
   * requests beyond that wait for a free connection. Without the bound, a viewer that falls behind fetches every part
   * it missed at once, each on a new connection, and a thousand such viewers run both processes out of descriptors.
   */
  const pools: HttpPool[] = [];
  const master = new URL(cfg.masterUrl);
  const masterPath = master.pathname + master.search;
  const statuses: WorkerOutput['statuses'] = {};
  const errors: string[] = [];
  const onAnswer = (kind: RequestKind, a: Answer) => {
    const s = (statuses[kind] ??= {});
    s[String(a.status)] = (s[String(a.status)] ?? 0) + 1;
    if (a.error && errors.length < 20)
      errors.push(`${kind}: ${a.error} at ${((a.endWall - cfg.windowStartWall) / 1000).toFixed(1)} s from the window's start`);
  };
  /** Part end times as listed, by track and part key (the same for every viewer: the server's playlist). */
  const ends: Record<Track, Map<number, number>> = { video: new Map(), audio: new Map() };
  /**
   * Playlists whose parts are already in `ends`: the viewers share parsed playlists (llviewers-client.ts), so each is
   * gone through once per process rather than once per viewer.
   */
  const endsNoted: Record<Track, WeakSet<LlPlaylist>> = { video: new WeakSet(), audio: new WeakSet() };
  const held = { video: new HeldLog(), audio: new HeldLog() };
  let joined = 0;

  const viewer = async (v: number) => {
    const pool = HttpPool.forUrl(master, VIEWER_SOCKETS);
    pools.push(pool);
    await new Promise((r) => setTimeout(r, Math.max(0, cfg.joinWall + (cfg.rampMs * v) / Math.max(1, cfg.viewers) - wallNow())));
    let tracks: { video: string; audio?: string } | undefined;
    for (let i = 0; i < 50 && !tracks && wallNow() < cfg.stopWall; i++) {
      const a = await pool.get(masterPath, 5000, true);
      onAnswer('master', a);
      const m = a.status === 200 && a.body ? parseMaster(a.body.toString('utf8')) : undefined;
      if (m?.variants.length)
        tracks = {
          video: new URL(m.variants[0], cfg.masterUrl).toString(),
          ...(m.audio ? { audio: new URL(m.audio, cfg.masterUrl).toString() } : {}),
        };
      else await new Promise((r) => setTimeout(r, 200));
    }
    if (!tracks) return;
    joined++;
    const follow = (t: Track, u: string) =>
      followTrack(
        pool,
        u,
        cfg.stopWall,
        {
          answer: onAnswer,
          part: (msn, index, heldWall) => held[t].push(v, partKey(msn, index), heldWall),
          playlist: (pl) => {
            if (endsNoted[t].has(pl)) return;
            endsNoted[t].add(pl);
            for (const p of pl.parts) {
              const key = partKey(p.msn, p.index);
              if (p.endMs !== undefined && !ends[t].has(key)) ends[t].set(key, p.endMs);
            }
          },
        },
        true,
        cfg.client,
      );
    await Promise.all([follow('video', tracks.video), ...(tracks.audio ? [follow('audio', tracks.audio)] : [])]);
  };
  // The client's own event-loop delay over the measured window.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  setTimeout(() => loop.enable(), Math.max(0, cfg.windowStartWall - wallNow()));
  setTimeout(() => loop.disable(), Math.max(0, cfg.windowEndWall - wallNow()));
  const all = Promise.all(
    Array.from({ length: cfg.viewers }, (_, v) =>
      viewer(v).catch((err: unknown) => {
        if (errors.length < 20) errors.push(`viewer ${v}: ${(err as Error).message}`);
      }),
    ),
  );
  // Followers stop issuing requests at stopWall; parts in flight get drainMs more.
  await new Promise((r) => setTimeout(r, Math.max(0, cfg.stopWall - wallNow())));
  await Promise.race([all, new Promise((r) => setTimeout(r, cfg.drainMs))]);

  const out: WorkerOutput = {
    viewers: cfg.viewers,
    joined,
    heldInWindow: { video: [], audio: [] },
    latencyMs: { video: [], audio: [] },
    ends: { video: {}, audio: {} },
    statuses,
    errors,
    heldAfterWindowEnd: 0,
    ...(loop.count > 0 ? { loopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 } } : {}),
  };
  const inWindow = (end: number | undefined) => end !== undefined && end >= cfg.windowStartWall && end < cfg.windowEndWall;
  for (const t of TRACKS) {
    for (const [k, e] of ends[t]) if (inWindow(e)) out.ends[t][partKeyString(k)] = e;
    const counts = new Array<number>(cfg.viewers).fill(0);
    // A part held twice (fetched again) counts once, at its first arrival (the log is in arrival order).
    const seen = new Set<number>();
    held[t].forEach((v, k, at) => {
      const e = ends[t].get(k);
      if (!inWindow(e)) return;
      const id = v * 2 ** 32 + k;
      if (seen.has(id)) return;
      seen.add(id);
      counts[v]++;
      out.latencyMs[t].push(Math.round((at - e!) * 100) / 100);
      if (at > cfg.windowEndWall) out.heldAfterWindowEnd++;
    });
    out.heldInWindow[t] = counts;
  }
  writeFileSync(cfg.out, JSON.stringify(out));
  for (const p of pools) p.destroy();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`llviewers worker: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});

// What the scenarios share (a fresh instance per scenario, playlist fetches and polls) and the startup scenario.
// Latency is in latency.ts, load and viewers in load.ts. Each scenario stops its instance and every publisher
// it started in a finally block. All loops are bounded by count and by the scenario's AbortSignal.

import { httpGet, sleep } from './spawn.js';
import { startPublisher, type Publisher } from './media.js';
import { parseMaster, parsePlaylist, resolveUri, median, type Playlist } from './hls.js';
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
export const LATENCY_POLL_MS = { min: 2.5, max: 7.5 };

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

export interface Fetched {
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
export async function nextTick(t0: number, signal: AbortSignal): Promise<void> {
  const now = performance.now();
  await sleep(t0 + Math.floor((now - t0) / POLL_MS + 1) * POLL_MS - now, signal);
}

/** A player's polling of `url`: the master (if any) resolved once, then only the media playlist. */
export function mediaPlaylistPoller(url: string): () => Promise<Playlist | undefined> {
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
export function latencyPause(signal: AbortSignal): Promise<void> {
  return sleep(LATENCY_POLL_MS.min + Math.random() * (LATENCY_POLL_MS.max - LATENCY_POLL_MS.min), signal);
}

/** Why a publisher (any process spawned through spawn.ts) is gone, with its output's tail and no RTMP URL; undefined while it runs. */
export function publisherGone(pub: Pick<Publisher, 'proc'>): string | undefined {
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

// One Low-Latency HLS track as a player follows it. As hls.js (1.7, lowLatencyMode) does: a blocking playlist reload
// for the next part (_HLS_msn/_HLS_part), as a delta update (_HLS_skip=YES) once the server offers them
// (CAN-SKIP-UNTIL) and the playlist held is recent, and every new part fetched as soon as it is listed; hls.js parses
// EXT-X-PRELOAD-HINT but does not request it. As Apple's players do (`apple`): full playlists, and the part named by
// EXT-X-PRELOAD-HINT requested as soon as it is hinted (the server holds that request until the part is cut). Used by
// the viewers (llviewers-worker.ts) and, without fetching media, by the harness's observer of what the server lists.

import { nextPartDirective, parseLlPlaylist, type LlPlaylist } from './llhls.js';
import { HttpPool, wallNow, type Answer } from './http-lite.js';

export { HttpPool, wallNow, type Answer };

export type RequestKind = 'master' | 'playlist' | 'init' | 'part' | 'hint';

/** Whose requests a follower makes: hls.js's (delta updates, no hinted part) or Apple's (full playlists, hinted part). */
export type LlClient = 'hlsjs' | 'apple';
export const LL_CLIENTS: readonly LlClient[] = ['hlsjs', 'apple'];

export interface FollowerEvents {
  /** Every answer, by kind (for the status counts). */
  answer(kind: RequestKind, a: Answer): void;
  /** A part held in full: segment msn, part index, when its last byte arrived. */
  part?(msn: number, index: number, heldWall: number): void;
  /** A playlist answer parsed (the observer records what it lists). */
  playlist?(pl: LlPlaylist): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Parsed playlists, shared by the viewers of a process: they all receive the same few answers (one per part and
 * track), and parsing each copy would make the client, not the server, the bottleneck. Found by comparing bytes with
 * the newest answers parsed (newest first: most viewers hold the newest playlist of each track), which is cheaper than
 * decoding every answer to a string to look it up by text. A body not among them is parsed (and becomes the newest).
 */
const parsed: Array<{ body: Buffer; pl: LlPlaylist }> = [];
const PARSED_KEPT = 64;
function parseShared(body: Buffer): LlPlaylist {
  for (let k = parsed.length - 1; k >= 0; k--) if (parsed[k].body.length === body.length && parsed[k].body.equals(body)) return parsed[k].pl;
  const pl = parseLlPlaylist(body.toString('utf8'));
  parsed.push({ body, pl });
  if (parsed.length > PARSED_KEPT) parsed.shift();
  return pl;
}
/** Longest a blocking request or a hinted part may be held (the server gives up after 3 target durations). */
const HOLD_TIMEOUT_MS = 8000;

/**
 * A part as one number (msn * 1024 + index; a segment has far fewer parts): the viewers' sets and maps of parts are
 * keyed by it instead of a "msn.index" string built per part, per playlist, per viewer.
 */
export const partKey = (msn: number, index: number): number => msn * 1024 + index;
export const partKeyString = (key: number): string => `${Math.floor(key / 1024)}.${key % 1024}`;
const msnOfKey = (key: number): number => Math.floor(key / 1024);
/**
 * Parts older than this many segments before the oldest listed are forgotten (a follower's sets stay bounded): longer
 * ago than any request is held (HOLD_TIMEOUT_MS), so forgetting changes no decision.
 */
const FORGET_SEGMENTS = 10;

/** A plain file name (what Onair lists): resolved by appending it to the playlist's folder, without a URL object. */
const PLAIN_URI = /^[\w-][\w.-]*$/;

/** The request path of `uri` as listed in the playlist at `base`, which must be on the pool's origin. */
export function resolvePath(base: URL, baseDir: string, uri: string): string {
  if (PLAIN_URI.test(uri)) return baseDir + uri;
  const u = new URL(uri, base);
  if (u.origin !== base.origin) throw new Error(`${uri} is on another origin than ${base.href}`);
  return u.pathname + u.search;
}

/**
 * Follows one media playlist until `stopWall`: blocking reloads for the next part, parts fetched as they are
 * listed or hinted (unless `fetchMedia` is false). Bounded by the time and by an iteration count. `pool`: the
 * viewer's connections to the playlist's origin.
 */
export async function followTrack(
  pool: HttpPool,
  playlistUrl: string,
  stopWall: number,
  ev: FollowerEvents,
  fetchMedia = true,
  client: LlClient = 'hlsjs',
): Promise<void> {
  const base = new URL(playlistUrl);
  const basePath = base.pathname + base.search;
  const baseDir = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1);
  const path = (uri: string) => resolvePath(base, baseDir, uri);
  const requested = new Set<number>();
  const listed = new Set<number>();
  /** The key of the newest part listed so far (-1: none yet); parts are listed in order. */
  let newest = -1;
  let forgotBefore = 0;

  const fetchPart = (msn: number, index: number, uri: string, kind: 'part' | 'hint') => {
    const key = partKey(msn, index);
    if (requested.has(key) || !fetchMedia) return;
    requested.add(key);
    void (async () => {
      // A listed part is fetched twice at most; a hinted one that does not come (the segment closed first, the
      // server's waiters are full) is fetched again once the playlist lists it.
      const p = path(uri);
      for (let attempt = 0; attempt < 2; attempt++) {
        const a = await pool.get(p, HOLD_TIMEOUT_MS, false);
        ev.answer(attempt === 0 ? kind : 'part', a);
        if (a.status === 200 && a.bytes > 0) {
          ev.part?.(msn, index, a.endWall);
          return;
        }
        if (kind === 'hint' && !listed.has(key)) {
          requested.delete(key);
          return;
        }
        kind = 'part';
        if (wallNow() >= stopWall) return;
      }
    })();
  };

  let pl: LlPlaylist | undefined;
  let nextPath = basePath;
  for (let i = 0; i < 100_000 && wallNow() < stopWall; i++) {
    const a = await pool.get(nextPath, HOLD_TIMEOUT_MS, true);
    ev.answer('playlist', a);
    if (a.status !== 200 || !a.body) {
      // 503 (too many waiting, or the part did not come in time) carries Retry-After: honour it, at most 1 s.
      await sleep(a.status === 503 ? Math.min(1000, (a.retryAfterS ?? 1) * 1000) : a.status === 0 ? 200 : 100);
      continue;
    }
    let fresh: LlPlaylist;
    try {
      fresh = parseShared(a.body);
    } catch {
      await sleep(100);
      continue;
    }
    ev.playlist?.(fresh);
    if (!pl && fresh.mapUri && fetchMedia) ev.answer('init', await pool.get(path(fresh.mapUri), HOLD_TIMEOUT_MS, false));
    pl = fresh;
    // The parts newer than any listed before, found from the end: a reload lists one or two more than the last one.
    const parts = pl.parts;
    let from = parts.length;
    while (from > 0 && partKey(parts[from - 1].msn, parts[from - 1].index) > newest) from--;
    // The first playlist: start at the live edge (its newest part). Later ones: every part after the newest seen.
    const fetchFrom = newest < 0 ? Math.max(0, parts.length - 1) : from;
    for (let k = from; k < parts.length; k++) listed.add(partKey(parts[k].msn, parts[k].index));
    for (let k = fetchFrom; k < parts.length; k++) fetchPart(parts[k].msn, parts[k].index, parts[k].uri, 'part');
    if (from < parts.length) newest = partKey(parts[parts.length - 1].msn, parts[parts.length - 1].index);
    if (parts.length && parts[0].msn - FORGET_SEGMENTS > forgotBefore) {
      forgotBefore = parts[0].msn - FORGET_SEGMENTS;
      for (const set of [requested, listed]) for (const k of set) if (msnOfKey(k) < forgotBefore) set.delete(k);
    }
    const next = nextPartDirective(pl);
    if (client === 'apple' && pl.preloadHint) fetchPart(next.msn, next.part, pl.preloadHint, 'hint');
    // What URLSearchParams would give for the playlist's own URL (Onair's have no query) with the directives set.
    // hls.js asks for a delta update while the playlist it holds is younger than half the skip boundary: here it
    // was just received.
    const skip = client === 'hlsjs' && pl.canSkipUntil > 0 ? '&_HLS_skip=YES' : '';
    nextPath = `${basePath}${base.search ? '&' : '?'}_HLS_msn=${next.msn}&_HLS_part=${next.part}${skip}`;
  }
}

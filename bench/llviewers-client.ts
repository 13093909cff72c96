// One Low-Latency HLS track as hls.js follows it in lowLatencyMode, plus what Apple's players add: a blocking playlist
// reload for the next part (_HLS_msn/_HLS_part), every new part fetched as soon as it is listed, and the part named by
// EXT-X-PRELOAD-HINT requested as soon as it is hinted (the server holds that request until the part is cut). Used by
// the viewers (llviewers-worker.ts) and, without fetching media, by the harness's observer of what the server lists.

import http from 'node:http';
import { comparePart, nextPartDirective, parseLlPlaylist, type LlPlaylist } from './llhls.js';

export type RequestKind = 'master' | 'playlist' | 'init' | 'part' | 'hint';

export interface Answer {
  status: number;
  bytes: number;
  /** Wall clock (ms since epoch, sub-ms) when the last byte was read, or the request failed. */
  endWall: number;
  body?: Buffer;
  retryAfterS?: number;
  error?: string;
}

/** Wall clock with sub-millisecond resolution (performance.now() anchored at the process's time origin). */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** GET over a keep-alive agent (the viewer's); never rejects (status 0 with `error` on a network error or the time limit). */
export function get(agent: http.Agent, url: URL, timeoutMs: number, keepBody: boolean): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: Omit<Answer, 'endWall'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...a, endWall: wallNow() });
    };
    // Host, port and path rather than the URL object: a little less work per request for a client making thousands a second.
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keepBody) chunks.push(c);
      });
      res.on('end', () => {
        const ra = Number(res.headers['retry-after']);
        done({
          status: res.statusCode ?? 0,
          bytes,
          ...(keepBody ? { body: Buffer.concat(chunks) } : {}),
          ...(Number.isFinite(ra) ? { retryAfterS: ra } : {}),
        });
      });
      res.on('error', (err) => done({ status: 0, bytes, error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => done({ status: 0, bytes: 0, error: err.message }));
  });
}

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
 * Parsed playlists by text, shared by the viewers of a process: they all receive the same few answers (one per part
 * and track), and parsing each copy would make the client, not the server, the bottleneck.
 */
const parsed = new Map<string, LlPlaylist>();
function parseShared(text: string): LlPlaylist {
  let pl = parsed.get(text);
  if (!pl) {
    pl = parseLlPlaylist(text);
    parsed.set(text, pl);
    if (parsed.size > 64) parsed.delete(parsed.keys().next().value!);
  }
  return pl;
}
/** Longest a blocking request or a hinted part may be held (the server gives up after 3 target durations). */
const HOLD_TIMEOUT_MS = 8000;

/**
 * Follows one media playlist until `stopWall`: blocking reloads for the next part, parts fetched as they are
 * listed or hinted (unless `fetchMedia` is false). Bounded by the time and by an iteration count.
 */
export async function followTrack(agent: http.Agent, playlistUrl: string, stopWall: number, ev: FollowerEvents, fetchMedia = true): Promise<void> {
  const base = new URL(playlistUrl);
  const url = (uri: string) => new URL(uri, base);
  const keyOf = (msn: number, index: number) => `${msn}.${index}`;
  const requested = new Set<string>();
  const listed = new Set<string>();
  let last: { msn: number; index: number } | undefined;

  const fetchPart = (msn: number, index: number, uri: string, kind: 'part' | 'hint') => {
    const key = keyOf(msn, index);
    if (requested.has(key) || !fetchMedia) return;
    requested.add(key);
    void (async () => {
      // A listed part is fetched twice at most; a hinted one that does not come (the segment closed first, the
      // server's waiters are full) is fetched again once the playlist lists it.
      for (let attempt = 0; attempt < 2; attempt++) {
        const a = await get(agent, url(uri), HOLD_TIMEOUT_MS, false);
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
  let nextUrl = url(playlistUrl);
  for (let i = 0; i < 100_000 && wallNow() < stopWall; i++) {
    const a = await get(agent, nextUrl, HOLD_TIMEOUT_MS, true);
    ev.answer('playlist', a);
    if (a.status !== 200 || !a.body) {
      // 503 (too many waiting, or the part did not come in time) carries Retry-After: honour it, at most 1 s.
      await sleep(a.status === 503 ? Math.min(1000, (a.retryAfterS ?? 1) * 1000) : a.status === 0 ? 200 : 100);
      continue;
    }
    let fresh: LlPlaylist;
    try {
      fresh = parseShared(a.body.toString('utf8'));
    } catch {
      await sleep(100);
      continue;
    }
    ev.playlist?.(fresh);
    if (!pl && fresh.mapUri && fetchMedia) ev.answer('init', await get(agent, url(fresh.mapUri), HOLD_TIMEOUT_MS, false));
    pl = fresh;
    // The first playlist: start at the live edge (its newest part). Later ones: every part after the last seen.
    const parts = last ? pl.parts.filter((p) => comparePart(p.msn, p.index, last!.msn, last!.index) > 0) : pl.parts.slice(-1);
    for (const p of pl.parts) listed.add(keyOf(p.msn, p.index));
    for (const p of parts) fetchPart(p.msn, p.index, p.uri, 'part');
    const newest = pl.parts.at(-1);
    if (newest && (!last || comparePart(newest.msn, newest.index, last.msn, last.index) > 0)) last = { msn: newest.msn, index: newest.index };
    const next = nextPartDirective(pl);
    if (pl.preloadHint) fetchPart(next.msn, next.part, pl.preloadHint, 'hint');
    nextUrl = url(playlistUrl);
    nextUrl.searchParams.set('_HLS_msn', String(next.msn));
    nextUrl.searchParams.set('_HLS_part', String(next.part));
  }
}

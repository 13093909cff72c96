// How a live stream answers a request for one of its files under Low-Latency HLS's delivery directives
// (RFC 8216bis 6.2.5): blocking playlist reload (_HLS_msn, _HLS_part), delta updates (_HLS_skip), a hinted part that
// is not cut yet, and the segment in progress. Each wait is on the stream's version (bumped per part and per segment,
// the ABR renditions' too), bounded in time and in waiters per stream. HTTP turns the answers into responses; it
// never reaches the packagers behind them.
import path from 'node:path';
import { partOfFile, segmentOfFile } from './hls-playlist.js';
import type { PartSource } from './growing-parts.js';
import type { LiveStream } from './live-stream.js';
import type { ManifestUris } from './manifests.js';
import { LOW_LATENCY_LIMITS, type LivePackager } from './packager.js';

export interface DeliveryDirectives {
  msn?: number;
  part?: number;
  skip: boolean;
}

const DECIMAL = /^\d{1,9}$/;

/** The directives of a playlist request's query, or an error message for a malformed one. */
export function parseDirectives(query: unknown): DeliveryDirectives | string {
  const q = (query ?? {}) as Record<string, unknown>;
  const int = (name: string): number | undefined | string => {
    const v = q[name];
    if (v === undefined) return undefined;
    return typeof v === 'string' && DECIMAL.test(v) ? Number(v) : `${name} must be a decimal integer.`;
  };
  const msn = int('_HLS_msn');
  const part = int('_HLS_part');
  if (typeof msn === 'string') return msn;
  if (typeof part === 'string') return part;
  if (part !== undefined && msn === undefined) return '_HLS_part needs _HLS_msn.';
  const skip = q._HLS_skip;
  if (skip !== undefined && skip !== 'YES' && skip !== 'v2') return '_HLS_skip must be YES or v2.';
  return { msn, part, skip: skip !== undefined };
}

/**
 * A live playlist request's answer: the playlist; `refused` with the status the RFC gives (400 for a malformed or
 * too-far-ahead request, 503 when the wait ran out or too many wait already); or `missing` when the stream has no
 * such playlist (yet: a track playlist before the first segment, after waiting up to 10 s).
 */
export type PlaylistAnswer = { body: string } | { refused: 400 | 503; message: string } | { missing: true };

/** Longest a request is held for this stream: LOW_LATENCY_LIMITS.maxWaitTargetDurations target durations. */
function maxWaitMs(stream: LiveStream): number {
  return LOW_LATENCY_LIMITS.maxWaitTargetDurations * stream.packager.targetDuration() * 1000;
}

/** Longest a playlist request waits for a stream's first segment: a GOP as long as OBS Simple mode's (8.3 s) fits. */
const FIRST_SEGMENT_WAIT_MS = 10_000;

/**
 * `rel` (the master, a track's or an ABR rendition's playlist) as `query`'s directives ask for it, its URIs under
 * `uris`. A media playlist request with _HLS_msn is held until its part or segment is listed. Without Low-Latency HLS
 * the directives are ignored, as by a server that does not announce them.
 */
export async function answerPlaylist(stream: LiveStream, rel: string, uris: ManifestUris, query: unknown): Promise<PlaylistAnswer> {
  let delta = false;
  let blocking = false;
  const t = stream.target(rel);
  if (t && stream.isMediaPlaylist(rel) && t.packager.lowLatency) {
    const d = parseDirectives(query);
    if (typeof d === 'string') return { refused: 400, message: d };
    delta = d.skip;
    if (d.msn !== undefined) {
      // The request counts in the playlist's numbers, which may continue an earlier stream's (SequenceContinuation).
      const held = await holdFor(stream, t.packager, d.msn - (t.packager.continues?.msn ?? 0), d.part);
      if (held) return held;
      blocking = true;
    }
  }
  const body = await firstPlaylist(stream, () => stream.playlist(rel, uris, delta, blocking));
  return body === undefined ? { missing: true } : { body };
}

/** Waits until `packager` lists part `part` of segment `msn` (or the segment); a refusal when it must not or did not. */
async function holdFor(stream: LiveStream, packager: LivePackager, msn: number, part: number | undefined): Promise<PlaylistAnswer | undefined> {
  const { segments } = packager.position();
  // More than two segments beyond the last one listed (RFC 8216bis 6.2.5.2).
  if (msn > segments + 1) {
    const base = packager.continues?.msn ?? 0;
    return { refused: 400, message: `_HLS_msn ${base + msn} is more than two segments beyond the last (${base + segments - 1}).` };
  }
  if (stream.reached(msn, part, packager)) return undefined;
  if (stream.waiting >= LOW_LATENCY_LIMITS.maxWaitersPerStream)
    return { refused: 503, message: 'Too many requests are waiting for this stream; try again.' };
  // The RFC's answer to a request not satisfied within three target durations is 503 (6.2.5.2): the current
  // playlist would not tell the player anything it did not ask past. A stream that ends answers its final playlist.
  if (!(await stream.waitUntil(() => stream.reached(msn, part, packager), maxWaitMs(stream))) && !stream.ending) {
    return { refused: 503, message: 'The requested part did not arrive in time.' };
  }
  return undefined;
}

/**
 * A playlist of a live stream that is not there yet (the stream has just started): `render` again at each change,
 * up to 10 s, so a player that opens as the stream starts gets its playlist a moment later instead of a 404, which
 * hls.js does not retry. Undefined when it did not come.
 */
async function firstPlaylist(stream: LiveStream, render: () => string | undefined): Promise<string | undefined> {
  let text = render();
  if (text !== undefined || stream.ending || stream.packager.position().segments > 0) return text;
  if (stream.waiting >= LOW_LATENCY_LIMITS.maxWaitersPerStream) return undefined;
  await stream.waitUntil(() => (text = render()) !== undefined, FIRST_SEGMENT_WAIT_MS);
  return text;
}

/**
 * A media file of the stream that is only in memory: a part (complete, or growing: its chunks are then streamed as
 * they are cut) or a listed segment not written yet; undefined when it is on disk, or never was. A part named by a
 * preload hint (or just ahead of it) is waited for until it starts, and the segment in progress until it is cut.
 */
export function answerMedia(stream: LiveStream, rel: string): Promise<PartSource> {
  return partOfFile(path.posix.basename(rel)) ? awaitPart(stream, rel) : awaitSegment(stream, rel);
}

/** A part: waits (bounded) for a hinted part to start; undefined when it will not come (passed, out of reach, late). */
async function awaitPart(stream: LiveStream, rel: string): Promise<PartSource> {
  const t = stream.target(rel);
  if (!t) return undefined;
  const { packager, name } = t;
  const want = partOfFile(name);
  if (!want || !packager.lowLatency || stream.ending) return packager.segment(name);
  const until = Date.now() + maxWaitMs(stream);
  // Bounded: each pass waits for a part to start or close, or for the time left.
  for (;;) {
    const source = packager.partSource(name);
    if (source) return source;
    const { segments } = packager.position();
    // Only the segment in progress and the next one can still get new parts; a later part closing passes this one.
    const gone =
      want.msn < segments ||
      want.msn > segments + 1 ||
      stream.reached(want.msn, want.part, packager) ||
      stream.reached(want.msn, want.part + 1, packager) ||
      stream.reached(want.msn + 1, 0, packager);
    const left = until - Date.now();
    if (gone || stream.ending || left <= 0) return packager.segment(name);
    await packager.waitForPart(name, left);
  }
}

/**
 * A segment still in memory, else undefined (read the file). The segment in progress is waited for (up to 3 target
 * durations): DASH readers that do not pace themselves (ffmpeg's, reading without -re) ask for it as soon as they
 * have the one before, and then get it when it is cut, as a chunked low-latency origin would, instead of a 404 they
 * would skip over.
 */
async function awaitSegment(stream: LiveStream, rel: string): Promise<Buffer | undefined> {
  const t = stream.target(rel);
  if (!t) return undefined;
  const { packager, name } = t;
  const seq = segmentOfFile(name);
  if (seq === undefined || stream.ending || seq !== packager.position().segments || stream.waiting >= LOW_LATENCY_LIMITS.maxWaitersPerStream) {
    return packager.segment(name);
  }
  await stream.waitUntil(() => stream.reached(seq, undefined, packager), maxWaitMs(stream));
  return packager.segment(name);
}

// Low-Latency HLS delivery directives (RFC 8216bis 6.2.5): blocking playlist reload (_HLS_msn, _HLS_part), delta
// updates (_HLS_skip), requests for a hinted part that is not cut yet, and for the segment in progress. Each wait is on the stream's version
// (bumped per part and per segment, the ABR renditions' too), bounded in time and in waiters per stream.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';
import { partOfFile, segmentOfFile } from '../media/hls-playlist.js';
import type { PartSource } from '../media/growing-parts.js';
import type { LiveStream } from '../media/live-stream.js';
import { LOW_LATENCY_LIMITS, type LivePackager } from '../media/packager.js';

export interface DeliveryDirectives {
  msn?: number;
  part?: number;
  skip: boolean;
}

const DECIMAL = /^\d{1,9}$/;

/** The directives of a playlist request, or an error message for a malformed one. */
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

/** Longest a request is held for this stream: LOW_LATENCY_LIMITS.maxWaitTargetDurations target durations. */
function maxWaitMs(stream: LiveStream): number {
  return LOW_LATENCY_LIMITS.maxWaitTargetDurations * stream.packager.targetDuration() * 1000;
}

const badRequest = (reply: FastifyReply, message: string) =>
  reply.status(400).header('cache-control', 'no-store').send(errorBody('bad_request', message));
const unavailable = (reply: FastifyReply, message: string) =>
  reply.status(503).header('cache-control', 'no-store').header('retry-after', '1').send(errorBody('unavailable', message));

/**
 * Holds a live media playlist request (a track's, or an ABR rendition's: `packager` renders it) until its
 * directives are met. Returns the delta flag to render with, or null when `reply` was sent (400 for a malformed or
 * too-far-ahead request, 503 when the wait runs out or too many wait already). Without Low-Latency HLS the
 * directives are ignored, as for a server that does not announce them.
 */
export async function awaitDirectives(
  req: FastifyRequest,
  reply: FastifyReply,
  stream: LiveStream,
  packager: LivePackager = stream.packager,
): Promise<{ delta: boolean; blocking: boolean } | null> {
  if (!packager.lowLatency) return { delta: false, blocking: false };
  const d = parseDirectives(req.query);
  if (typeof d === 'string') {
    badRequest(reply, d);
    return null;
  }
  if (d.msn === undefined) return { delta: d.skip, blocking: false };
  const { segments } = packager.position();
  // More than two segments beyond the last one listed (RFC 8216bis 6.2.5.2).
  if (d.msn > segments + 1) {
    badRequest(reply, `_HLS_msn ${d.msn} is more than two segments beyond the last (${segments - 1}).`);
    return null;
  }
  const { msn, part } = d;
  if (!stream.reached(msn, part, packager)) {
    if (stream.waiting >= LOW_LATENCY_LIMITS.maxWaitersPerStream) {
      unavailable(reply, 'Too many requests are waiting for this stream; try again.');
      return null;
    }
    // The RFC's answer to a request not satisfied within three target durations is 503 (6.2.5.2); the
    // current playlist would not tell the player anything it did not ask past.
    if (!(await stream.waitUntil(() => stream.reached(msn, part, packager), maxWaitMs(stream)))) {
      if (!stream.ending) {
        unavailable(reply, 'The requested part did not arrive in time.');
        return null;
      }
    }
  }
  return { delta: d.skip, blocking: true };
}

/**
 * A part named by a preload hint (or just ahead of it): waits until it starts and returns it, growing (its chunks
 * are then streamed as they are cut) or complete; undefined when it will not come (never existed, passed, out of
 * reach, or the wait ran out: then 404 follows).
 */
export async function awaitPart(stream: LiveStream, rel: string): Promise<PartSource> {
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

/** Longest a playlist request waits for a stream's first segment: a GOP as long as OBS Simple mode's (8.3 s) fits. */
const FIRST_SEGMENT_WAIT_MS = 10_000;

/**
 * A playlist of a live stream that is not there yet (the stream has just started): `render` again at each change,
 * up to 10 s, so a player that opens as the stream starts gets its playlist a moment later instead of a 404, which
 * hls.js does not retry. Undefined when it did not come.
 */
export async function awaitPlaylist(stream: LiveStream, render: () => string | undefined): Promise<string | undefined> {
  let text = render();
  if (text !== undefined || stream.ending || stream.packager.position().segments > 0) return text;
  if (stream.waiting >= LOW_LATENCY_LIMITS.maxWaitersPerStream) return undefined;
  await stream.waitUntil(() => (text = render()) !== undefined, FIRST_SEGMENT_WAIT_MS);
  return text;
}

/**
 * A segment file of a live stream: its bytes while only in memory, else undefined (read the file). The segment in
 * progress is waited for (up to 3 target durations): DASH readers that do not pace themselves (ffmpeg's, reading
 * without -re) ask for it as soon as they have the one before, and then get it when it is cut, as a chunked
 * low-latency origin would, instead of a 404 they would skip over.
 */
export async function awaitSegment(stream: LiveStream, rel: string): Promise<Buffer | undefined> {
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

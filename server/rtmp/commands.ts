// Small pieces of RTMP command handling: stream names with queries, the application name, AMF argument reading, and
// the time limit on the publish/play hooks.
import type { AmfValue } from './amf0.js';
import { TWO32 } from './timestamps.js';

export function str(v: AmfValue): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function splitQuery(name: string): { name: string; query: string } {
  const i = name.indexOf('?');
  return i < 0 ? { name, query: '' } : { name: name.slice(0, i), query: name.slice(i + 1) };
}

/** App name from connect: `live`, `live/`, `live?x=y` -> `live`; falls back to the tcUrl path. */
export function appNameFrom(app: string | undefined, tcUrl: string | undefined): string {
  let a = splitQuery(app ?? '').name;
  if (!a && tcUrl) {
    const m = /^[a-z]+:\/\/[^/]+\/([^?]*)/i.exec(tcUrl);
    if (m) a = m[1];
  }
  return a.replace(/\/+$/, '').replace(/^\/+/, '');
}

/** A hook's answer, or a rejection once `ms` have passed (a slow database must not hold a connection forever). */
export function withTimeout<T>(fn: () => Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('hook timed out')), ms);
    t.unref?.();
    Promise.resolve()
      .then(fn)
      .then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e) => {
          clearTimeout(t);
          reject(e);
        },
      );
  });
}

/**
 * The FLV tags inside an aggregate message (type 22), each with its timestamp moved onto the message's own (the tags
 * carry the publisher's clock, offset from the first). Bounded: at most 10,000 tags, a truncated tag ends the walk.
 */
export function forEachAggregated(b: Buffer, messageTs: number, each: (type: number, ts: number, body: Buffer) => void): void {
  let pos = 0;
  let firstTs: number | null = null;
  for (let n = 0; n < 10_000 && pos + 11 <= b.length; n++) {
    const type = b[pos];
    const size = b.readUIntBE(pos + 1, 3);
    const ts = (b.readUIntBE(pos + 4, 3) | (b[pos + 7] << 24)) >>> 0;
    const end = pos + 11 + size;
    if (end > b.length) break;
    firstTs ??= ts;
    each(type, (messageTs + ts - firstTs + TWO32) % TWO32, b.subarray(pos + 11, end));
    pos = end + 4; // previous tag size
  }
}

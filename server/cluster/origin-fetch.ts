// A node that is not a stream's origin answers its viewers with what it fetches from the origin, over the origin's
// own media routes (signed as a peer, see peer-auth.ts). Media that never changes (segments, parts) is fetched once
// however many viewers ask at once: the first request streams it from the origin, every other reader follows the
// same bytes as they arrive (a part still being cut streams through, as on the origin), and the finished bytes are
// kept in a bounded cache. Playlists, including blocking Low-Latency HLS requests, are forwarded; identical ones in
// flight share one upstream request, so a thousand viewers waiting for the next part cost the origin one.
import type { HotFileCache } from '../http/file-server.js';
import type { Logger } from '../log.js';
import { GrowingPart } from '../media/growing-parts.js';
import type { Origin } from './origins.js';
import { PEER_HEADER, peerSignature } from './peer-auth.js';

export const ORIGIN_FETCH_LIMITS = {
  /** Longest an upstream answer may take: a blocking playlist request waits up to about 3 target durations. */
  timeoutMs: 15_000,
  /** Largest playlist or error body read from an origin. */
  maxTextBytes: 4 * 1024 * 1024,
} as const;

/** What the origin answered: whole bytes, or media that streams in as the origin sends it. */
export type Fetched =
  | { status: number; contentType: string; cacheControl: string; body: Buffer }
  | { status: 200; contentType: string; cacheControl: string; part: GrowingPart };

export interface OriginFetcherOptions {
  secret: string;
  cache: HotFileCache;
  logger: Logger;
}

export class OriginFetcher {
  private readonly inflight = new Map<string, Promise<Fetched>>();
  /** Upstream requests made (tests and /metrics: what the coalescing saves). */
  upstreamRequests = 0;

  constructor(private readonly opts: OriginFetcherOptions) {}

  /**
   * GET `url` (path and query, as the viewer asked) from `origin`. `immutable`: the answer never changes for this
   * stream, so it is shared and kept (keyed without the query, which only carries the viewer's media token).
   */
  fetch(origin: Origin, url: string, immutable: boolean): Promise<Fetched> {
    const key = immutable ? `${origin.streamId}|${url.split('?')[0]}` : `${origin.nodeId}|${url}`;
    const cached = immutable ? this.opts.cache.peek(`peer:${key}`) : undefined;
    if (cached) return Promise.resolve({ status: 200, contentType: 'video/iso.segment', cacheControl: '', body: cached });
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.request(origin, url, key, immutable);
      this.inflight.set(key, pending);
      // Buffered answers leave at once; streamed media leaves when its last byte is in (see stream()).
      pending.then(
        (f) => 'body' in f && this.inflight.delete(key),
        () => this.inflight.delete(key),
      );
    }
    return pending;
  }

  private async request(origin: Origin, url: string, key: string, immutable: boolean): Promise<Fetched> {
    this.upstreamRequests++;
    const res = await fetch(new URL(url, origin.nodeUrl), {
      headers: { [PEER_HEADER]: peerSignature(this.opts.secret, 'GET', url) },
      signal: AbortSignal.timeout(ORIGIN_FETCH_LIMITS.timeoutMs),
      redirect: 'manual',
    });
    const contentType = res.headers.get('content-type') ?? 'application/octet-stream';
    const cacheControl = res.headers.get('cache-control') ?? 'no-cache';
    if (immutable && res.status === 200 && res.body) {
      const part = new GrowingPart();
      void this.stream(res.body, part, key);
      return { status: 200, contentType, cacheControl, part };
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > ORIGIN_FETCH_LIMITS.maxTextBytes) throw new Error(`origin answer over ${ORIGIN_FETCH_LIMITS.maxTextBytes} bytes`);
    return { status: res.status, contentType, cacheControl, body };
  }

  /** Appends the origin's bytes to `part` as they arrive; keeps them once complete. */
  private async stream(body: ReadableStream<Uint8Array>, part: GrowingPart, key: string): Promise<void> {
    let complete = false;
    try {
      // Bounded by the origin's answer, itself bounded by ORIGIN_FETCH_LIMITS.timeoutMs.
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>)
        part.append([Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)]);
      complete = true;
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'cluster: origin stopped sending media');
    } finally {
      this.inflight.delete(key);
      // A cut-off answer is never kept: the next viewer asks again.
      if (complete) this.opts.cache.put(`peer:${key}`, part.bytes());
      part.end();
    }
  }
}

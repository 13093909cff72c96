// Serves media files: MIME types, range requests, cache headers, and a small in-memory cache of hot files
// (a live segment is fetched by every viewer within a second or two of being written).
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isImmutable, isMediaFile, mediaHeaders, type CacheScope } from './media-headers.js';

/** One or two path parts of letters, digits, dot, dash, underscore; no part starts with a dot. */
const SAFE_REL_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\/)?[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

export function isSafeMediaPath(rel: string): boolean {
  return SAFE_REL_PATH.test(rel) && !rel.includes('..') && isMediaFile(rel);
}

interface CacheEntry {
  mtimeMs: number;
  size: number;
  body: Buffer;
}

/** Bounded LRU by bytes; Map iteration order is insertion order, so re-insert on hit. */
export class HotFileCache {
  private entries = new Map<string, CacheEntry>();
  private bytes = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly maxFileBytes = 8 * 1024 * 1024,
  ) {}

  /** A cached file's bytes without touching the disk: for files that never change once written. */
  peek(file: string): Buffer | undefined {
    const hit = this.entries.get(file);
    if (!hit) return undefined;
    this.entries.delete(file);
    this.entries.set(file, hit);
    return hit.body;
  }

  async read(file: string, st: { mtimeMs: number; size: number }): Promise<Buffer> {
    const hit = this.entries.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) {
      this.entries.delete(file);
      this.entries.set(file, hit);
      return hit.body;
    }
    const body = await readFile(file);
    this.put(file, body, st.mtimeMs);
    return body;
  }

  /** Keeps bytes that never change under `key` (a file, or what another node sent), the oldest dropped first. */
  put(key: string, body: Buffer, mtimeMs = 0): void {
    if (body.length > this.maxFileBytes) return;
    this.drop(key);
    this.entries.set(key, { mtimeMs, size: body.length, body });
    this.bytes += body.length;
    for (const [k] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k);
    }
  }

  /** Forgets every file under a folder (a deleted replay's). */
  forgetUnder(dir: string): void {
    const prefix = dir + path.sep;
    for (const file of [...this.entries.keys()]) if (file.startsWith(prefix)) this.drop(file);
  }

  private drop(file: string) {
    const e = this.entries.get(file);
    if (!e) return;
    this.bytes -= e.size;
    this.entries.delete(file);
  }

  get size(): number {
    return this.bytes;
  }
}

export interface ServeOptions {
  /** 'public' lets shared caches keep segments; private streams use 'private'. */
  cacheScope: CacheScope;
}

/** Serves `root/rel` (rel already checked with isSafeMediaPath). */
export async function serveMediaFile(
  req: FastifyRequest,
  reply: FastifyReply,
  root: string,
  rel: string,
  cache: HotFileCache,
  opts: ServeOptions,
): Promise<FastifyReply> {
  const file = path.join(root, rel);
  if (!file.startsWith(root + path.sep)) return reply.status(404).send();
  // Segments and init files are written once under a name unique to their stream: a cached copy is the file.
  if (!req.headers.range && isImmutable(file)) {
    const body = cache.peek(file);
    if (body) {
      reply.headers(mediaHeaders(file, opts.cacheScope));
      if (req.method === 'HEAD') return reply.header('content-length', String(body.length)).send();
      return reply.send(body);
    }
  }
  let st;
  try {
    st = await stat(file);
  } catch {
    return reply.status(404).type('text/plain').send('Not found');
  }
  if (!st.isFile()) return reply.status(404).type('text/plain').send('Not found');
  // A file on disk answers ranges, playlists included.
  reply.headers(mediaHeaders(file, opts.cacheScope)).header('accept-ranges', 'bytes');
  reply.header('last-modified', st.mtime.toUTCString());

  const range = req.headers.range;
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let start = m && m[1] !== '' ? Number(m[1]) : NaN;
    let end = m && m[2] !== '' ? Number(m[2]) : NaN;
    if (m && m[1] === '' && m[2] !== '') {
      // suffix range: the last N bytes
      start = Math.max(0, st.size - Number(m[2]));
      end = st.size - 1;
    } else if (m && Number.isNaN(end)) {
      end = st.size - 1;
    }
    if (!m || Number.isNaN(start) || start > end || start >= st.size) {
      return reply.status(416).header('content-range', `bytes */${st.size}`).send();
    }
    end = Math.min(end, st.size - 1);
    reply.status(206).header('content-range', `bytes ${start}-${end}/${st.size}`);
    reply.header('content-length', String(end - start + 1));
    if (req.method === 'HEAD') return reply.send();
    return reply.send(createReadStream(file, { start, end }));
  }
  if (req.method === 'HEAD') {
    reply.header('content-length', String(st.size));
    return reply.send();
  }
  return reply.send(await cache.read(file, st));
}

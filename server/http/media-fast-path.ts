// The hot path of a live event, answered straight from the HTTP server before Fastify's routing and hooks: for a
// live, public stream, its playlists (the channel's master, the stream's track and ABR rendition playlists: the
// stream renders them all), Low-Latency HLS requests (blocking playlist reloads, delta playlists, the hinted part
// while it is cut), and segments and parts already in memory. A Low-Latency viewer makes a dozen such requests a
// second; the framework's per-request work was most of their cost. Anything else (private channels, ranges, HEAD,
// other query strings, files not in memory) returns false and goes through the routes (routes-media.ts), which apply
// every rule. Answers are the same bytes and headers the routes send.
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { clientAddress } from './client-address.js';
import type { HttpDeps } from './deps.js';
import { errorBody } from './errors.js';
import type { HotFileCache } from './file-server.js';
import { CORS_HEADERS, isImmutable, mediaHeaders } from './media-headers.js';
import { GrowingPart } from '../media/growing-parts.js';
import { answerMedia, answerPlaylist, type PlaylistAnswer } from '../media/live-delivery.js';
import type { LiveStream } from '../media/live-stream.js';

/** What the fast path reads of a request: node:http's IncomingMessage has it, and so does the media lane's. */
export type MediaRequest = Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'socket'>;

/** What the fast path writes an answer with: node:http's ServerResponse, or the media lane's, straight to the socket. */
export interface MediaResponse {
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  write(chunk: Buffer | string): boolean;
  end(chunk?: Buffer | string): unknown;
  /** The connection closed before the answer ended. */
  on(event: 'close', listener: () => void): unknown;
}

/** Answers `req` and returns true, or returns false having written nothing (the routes answer). */
export type MediaFastPath = (req: MediaRequest, res: MediaResponse) => boolean;

const HLS_INDEX = /^\/hls\/([a-z0-9_-]{1,64})\/(vertical\/)?index\.m3u8$/;
/** A file of a stream folder, or of an ABR rendition's folder in it (as isSafeMediaPath: no part starts with a dot). */
const VOD_PATH = /^\/vod\/([A-Za-z0-9_-]{6,64})\/((?:[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\/)?[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127})$/;
/** The query of a Low-Latency HLS playlist request: these parameters only, each once (anything else: the routes). */
const DIRECTIVES = new Set(['_HLS_msn', '_HLS_part', '_HLS_skip']);

/** The directives of `query` as the routes' query parser gives them, or undefined when the routes should answer. */
function directivesQuery(query: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    if (!DIRECTIVES.has(k) || k in out) return undefined;
    out[k] = v;
  }
  return out;
}

export function mediaFastPath(deps: HttpDeps, cache: HotFileCache): MediaFastPath {
  /** Playlist bodies by URL, valid while the stream's version is unchanged. */
  const playlists = new Map<string, { streamId: string; version: number; body: string }>();
  const isPublic = (stream: LiveStream) => !stream.ending && deps.access.cachedChannel(stream.channel)?.visibility === 'public';
  const touch = (req: MediaRequest, stream: LiveStream) =>
    deps.viewers.touch(stream.channel, clientAddress(req, deps.trust), req.headers['user-agent']);

  /** `file` of `stream` as served at `url` (the channel's master is rewritten to point into the stream folder). */
  const livePlaylist = (req: MediaRequest, res: MediaResponse, url: string, stream: LiveStream, file: string, alias: boolean): boolean => {
    if (!isPublic(stream)) return false;
    let entry = playlists.get(url);
    if (!entry || entry.streamId !== stream.streamId || entry.version !== stream.version) {
      const body = stream.playlist(file, alias ? { base: `/vod/${stream.streamId}/` } : {});
      if (body === undefined) return false;
      entry = { streamId: stream.streamId, version: stream.version, body };
      playlists.set(url, entry);
      if (playlists.size > 10_000) playlists.delete(playlists.keys().next().value!);
    }
    touch(req, stream);
    res.writeHead(200, { ...mediaHeaders(file, 'public'), 'content-length': Buffer.byteLength(entry.body), ...CORS_HEADERS });
    res.end(entry.body);
    return true;
  };

  /** A media playlist request with delivery directives: held by the stream until they are met, answered here. */
  const blockingPlaylist = (req: MediaRequest, res: MediaResponse, stream: LiveStream, file: string, query: Record<string, string>): boolean => {
    if (!isPublic(stream) || !stream.isMediaPlaylist(file)) return false;
    touch(req, stream);
    answerPlaylist(stream, file, {}, query).then(
      (answer) => sendPlaylistAnswer(res, file, answer),
      () => sendError(res, 503, 'unavailable', 'The stream could not answer; try again.'),
    );
    return true;
  };

  /** A part (or the segment in progress) only in memory: waited for when hinted, streamed while it is cut. */
  const liveMedia = (res: MediaResponse, stream: LiveStream, file: string): boolean => {
    answerMedia(stream, file).then(
      (source) => {
        if (source instanceof GrowingPart) return streamPart(res, file, source);
        if (!source) return notFound(res);
        res.writeHead(200, { ...mediaHeaders(file, 'public'), 'content-length': source.length, ...CORS_HEADERS });
        res.end(source);
      },
      () => sendError(res, 503, 'unavailable', 'The stream could not answer; try again.'),
    );
    return true;
  };

  return (req, res) => {
    if (req.method !== 'GET' || req.headers.range || !req.url) return false;
    const hls = HLS_INDEX.exec(req.url);
    if (hls) {
      const stream = hls[2] ? deps.streams.vertical(hls[1]) : deps.streams.get(hls[1]);
      return stream ? livePlaylist(req, res, req.url, stream, 'index.m3u8', true) : false;
    }
    if (!req.url.startsWith('/vod/')) return false;
    const q = req.url.indexOf('?');
    const m = VOD_PATH.exec(q < 0 ? req.url : req.url.slice(0, q));
    if (!m) return false;
    const stream = deps.streams.byStreamId(m[1]);
    if (!stream) return false;
    const file = m[2];
    if (file.endsWith('.m3u8')) {
      if (q < 0) return stream.isMediaPlaylist(file) ? livePlaylist(req, res, req.url, stream, file, false) : false;
      const query = directivesQuery(req.url.slice(q + 1));
      return query ? blockingPlaylist(req, res, stream, file, query) : false;
    }
    if (q >= 0 || !isImmutable(file) || !isPublic(stream)) return false;
    // A segment listed this very turn is served from the stream's memory until its file is written. A part is never
    // a file of its own, so never in the file cache.
    const part = file.includes('-part-');
    const body = (part ? undefined : cache.peek(path.join(stream.dir, file))) ?? stream.segment(file);
    if (body) {
      res.writeHead(200, { ...mediaHeaders(file, 'public'), 'content-length': body.length, ...CORS_HEADERS });
      res.end(body);
      return true;
    }
    // A part is only ever in memory (a hinted one is waited for); a segment not in memory is a file: the routes.
    return part ? liveMedia(res, stream, file) : false;
  };
}

function sendPlaylistAnswer(res: MediaResponse, file: string, answer: PlaylistAnswer): void {
  if ('body' in answer) {
    res.writeHead(200, { ...mediaHeaders(file, 'public'), 'content-length': Buffer.byteLength(answer.body), ...CORS_HEADERS });
    res.end(answer.body);
  } else if ('refused' in answer) {
    sendError(res, answer.refused, answer.refused === 400 ? 'bad_request' : 'unavailable', answer.message);
  } else {
    notFound(res);
  }
}

/** What the routes answer for a file that is neither in memory nor on disk (serveMediaFile). */
function notFound(res: MediaResponse): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 9, ...CORS_HEADERS });
  res.end('Not found');
}

/** A JSON error as the routes send it (never cached; a 503 to be retried at once). */
function sendError(res: MediaResponse, status: 400 | 503, code: 'bad_request' | 'unavailable', message: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(errorBody(code, message));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...(status === 503 ? { 'retry-after': '1' } : {}),
    'content-length': Buffer.byteLength(body),
    ...CORS_HEADERS,
  });
  res.end(body);
}

/** A part still being cut: its chunks so far, then each as it is cut, in one chunked response that ends with the part. */
function streamPart(res: MediaResponse, file: string, part: GrowingPart): void {
  if (res.destroyed) return;
  res.writeHead(200, { ...mediaHeaders(file, 'public'), ...CORS_HEADERS });
  for (const b of part.stream()) res.write(b);
  const stop = part.listen((chunk) => {
    if (chunk === null) res.end();
    else for (const b of chunk) res.write(b);
  });
  res.on('close', stop);
}

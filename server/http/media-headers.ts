// The headers of every media answer, in one place: the fast path (raw Node responses, before Fastify) and the
// Fastify routes send the same ones for the same file.
import path from 'node:path';

const MIME: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.ts': 'video/mp2t',
  '.jpg': 'image/jpeg',
};

/** A file name the media routes serve at all. */
export function isMediaFile(file: string): boolean {
  return MIME[path.extname(file)] !== undefined;
}

export function mimeFor(file: string): string {
  return MIME[path.extname(file)] ?? 'application/octet-stream';
}

/** Written once under a name unique to its stream, never rewritten: segments, parts and inits. */
export function isImmutable(file: string): boolean {
  const ext = path.extname(file);
  return ext === '.m4s' || ext === '.mp4' || ext === '.ts' || ext === '.m4a';
}

export function isPlaylist(file: string): boolean {
  const ext = path.extname(file);
  return ext === '.m3u8' || ext === '.mpd';
}

/** Who may cache a channel's media: anyone (public channels) or only the viewer's own browser (the others). */
export type CacheScope = 'public' | 'private';

/** Cache-Control of a media file by its name. Playlists and manifests change (and answer blocking requests): never
 * stored. Segments, parts and inits are written once under a name unique to their stream. Anything else (the
 * thumbnail) for a few seconds. */
export function mediaCacheControl(file: string, scope: CacheScope): string {
  if (isPlaylist(file)) return 'no-cache, no-store';
  if (isImmutable(file)) return `${scope}, max-age=31536000, immutable`;
  return `${scope}, max-age=5`;
}

/** mediaHeaders by scope and extension (the only things they depend on): a live viewer asks a few times a second. */
const headersByKind = new Map<string, Readonly<Record<string, string>>>();

/** Content-Type, Cache-Control and Accept-Ranges (not for playlists) of a media file; shared, so read-only. */
export function mediaHeaders(file: string, scope: CacheScope): Readonly<Record<string, string>> {
  const kind = `${scope}${path.extname(file)}`;
  let h = headersByKind.get(kind);
  if (!h) {
    const made: Record<string, string> = { 'content-type': mimeFor(file), 'cache-control': mediaCacheControl(file, scope) };
    if (!isPlaylist(file)) made['accept-ranges'] = 'bytes';
    h = Object.freeze(made);
    // Bounded: extensions come from request paths, which the routes have matched against the few media kinds.
    if (headersByKind.size < 64) headersByKind.set(kind, h);
  }
  return h;
}

/** Response headers a player on another origin may read (hls.js and dash.js read these). */
export const EXPOSED_HEADERS = ['Content-Length', 'Content-Range'];

/** What @fastify/cors adds to every answer; the fast path answers before it runs, so it adds them itself. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSED_HEADERS.join(', '),
};

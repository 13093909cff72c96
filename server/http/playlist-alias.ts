// Playlists read from disk (replays, their ABR renditions included) served at another address: relative URIs get
// the stream folder's prefix (/vod/<streamId>/), and with a media token (`?t=`) every URI gets the same query, since
// players resolve segment URIs against the playlist URL and drop its query string. A live stream's own playlists,
// its renditions' too, are rendered with their base and query instead (LiveStream.playlist). Pure.
import { isOtherOrigin, resolveUri, withQuery } from '../media/hls-playlist.js';

export { withQuery };

/**
 * Rewrites each URI line and URI="…" attribute of an HLS playlist: relative ones get `prefix` in front, and
 * (when given) `query` is added to every URI that stays on this server.
 */
export function rewriteHlsUris(playlist: string, prefix: string, query = ''): string {
  const fix = (uri: string) => resolveUri(uri, prefix, query);
  const out: string[] = [];
  for (const line of playlist.split('\n')) {
    if (line.trim() === '') {
      out.push(line);
    } else if (line.startsWith('#')) {
      out.push(line.replace(/URI="([^"]+)"/g, (_m, uri: string) => `URI="${fix(uri)}"`));
    } else {
      out.push(fix(line.trim()));
    }
  }
  return out.join('\n');
}

/** Adds a BaseURL right after the MPD element so relative segment URLs resolve to the stream folder. */
export function addDashBaseUrl(mpd: string, base: string, query = ''): string {
  const m = /<MPD\b[^>]*>/.exec(mpd);
  if (!m) return mpd;
  const at = m.index + m[0].length;
  return addDashQuery(`${mpd.slice(0, at)}\n  <BaseURL>${base}</BaseURL>${mpd.slice(at)}`, query);
}

/**
 * Adds `query` to the segment and init templates (`media=`, `initialization=`) and to any BaseURL of a DASH
 * manifest: a query on the BaseURL alone is lost when the template is resolved against it.
 */
export function addDashQuery(mpd: string, query: string): string {
  if (!query) return mpd;
  const q = query.replace(/&/g, '&amp;');
  return mpd
    .replace(/\b(media|initialization)="([^"]*)"/g, (_m, attr: string, uri: string) => `${attr}="${withQuery(uri, q)}"`)
    .replace(/<BaseURL>([^<]*)<\/BaseURL>/g, (_m, uri: string) => `<BaseURL>${isOtherOrigin(uri) ? uri : withQuery(uri, q)}</BaseURL>`);
}

// A channel's live URLs (/hls/<channel>/…, /dash/<channel>/…) are aliases of the stream's own folder
// (/vod/<streamId>/…). The alias rewrites media URIs to the stream's folder, so every segment URL is unique
// to one stream and can be cached for good, while the channel URL stays the same from stream to stream.
// For private channels fetched with a media token (`?t=`), every URI also gets the same query: players resolve
// segment URIs against the playlist URL and drop its query string. Pure.

/** Adds `query` (e.g. "t=abc", without "?") to a URI, before any fragment. */
export function withQuery(uri: string, query: string): string {
  if (!query) return uri;
  const hash = uri.indexOf('#');
  const [base, frag] = hash >= 0 ? [uri.slice(0, hash), uri.slice(hash)] : [uri, ''];
  return `${base}${base.includes('?') ? '&' : '?'}${query}${frag}`;
}

/**
 * Rewrites each URI line and URI="…" attribute of an HLS playlist: relative ones get `prefix` in front, and
 * (when given) `query` is added to every URI that stays on this server.
 */
export function rewriteHlsUris(playlist: string, prefix: string, query = ''): string {
  const fix = (uri: string) => (isAbsolute(uri) ? (isOtherOrigin(uri) ? uri : withQuery(uri, query)) : withQuery(prefix + uri, query));
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

function isAbsolute(uri: string): boolean {
  return uri.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(uri);
}

function isOtherOrigin(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('//');
}

// A channel's live URLs (/hls/<channel>/…, /dash/<channel>/…) are aliases of the stream's own folder
// (/vod/<streamId>/…). The alias rewrites media URIs to the stream's folder, so every segment URL is unique
// to one stream and can be cached for good, while the channel URL stays the same from stream to stream. Pure.

/** Rewrites each URI line and URI="…" attribute of an HLS playlist to start with `prefix`. */
export function rewriteHlsUris(playlist: string, prefix: string): string {
  const out: string[] = [];
  for (const line of playlist.split('\n')) {
    if (line === '' ) {
      out.push(line);
    } else if (line.startsWith('#')) {
      out.push(line.replace(/URI="([^"]+)"/g, (_m, uri: string) => `URI="${isAbsolute(uri) ? uri : prefix + uri}"`));
    } else {
      out.push(isAbsolute(line) ? line : prefix + line.trim());
    }
  }
  return out.join('\n');
}

/** Adds a BaseURL right after the MPD element so relative segment URLs resolve to the stream folder. */
export function addDashBaseUrl(mpd: string, base: string): string {
  const m = /<MPD\b[^>]*>/.exec(mpd);
  if (!m) return mpd;
  const at = m.index + m[0].length;
  return `${mpd.slice(0, at)}\n  <BaseURL>${base}</BaseURL>${mpd.slice(at)}`;
}

function isAbsolute(uri: string): boolean {
  return uri.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(uri);
}

// Just enough of an HLS media-playlist parser for the benchmark (RFC 8216 media playlists, with
// EXT-X-MAP and EXT-X-PROGRAM-DATE-TIME; LL-HLS parts are ignored).

export interface Segment {
  /** Media sequence number of this segment. */
  seq: number;
  uri: string;
  /** EXTINF duration, seconds. */
  duration: number;
  /** EXT-X-PROGRAM-DATE-TIME applying to this segment, ms since epoch, if any. */
  pdtMs?: number;
}

export interface Playlist {
  mediaSequence: number;
  targetDuration?: number;
  mapUri?: string;
  endList: boolean;
  segments: Segment[];
}

export function parsePlaylist(text: string): Playlist {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (!lines[0]?.startsWith('#EXTM3U')) throw new Error('not an m3u8 playlist');
  let mediaSequence = 0;
  let targetDuration: number | undefined;
  let mapUri: string | undefined;
  let endList = false;
  const segments: Segment[] = [];
  let pendingDuration: number | undefined;
  let pendingPdt: number | undefined;
  let lastPdtEnd: number | undefined; // PDT extrapolated from the previous segment
  for (const line of lines) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.slice(22));
      else if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22));
      else if (line.startsWith('#EXTINF:')) pendingDuration = Number(line.slice(8).split(',')[0]);
      else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) {
        const t = Date.parse(line.slice(25));
        if (Number.isFinite(t)) pendingPdt = t;
      } else if (line.startsWith('#EXT-X-MAP:')) {
        const m = /URI="([^"]*)"/.exec(line);
        if (m) mapUri = m[1];
      } else if (line.startsWith('#EXT-X-ENDLIST')) endList = true;
      continue;
    }
    // A URI line: a segment if an EXTINF preceded it.
    if (pendingDuration === undefined || !Number.isFinite(pendingDuration)) continue;
    const pdtMs = pendingPdt ?? lastPdtEnd;
    segments.push({ seq: mediaSequence + segments.length, uri: line, duration: pendingDuration, ...(pdtMs !== undefined ? { pdtMs } : {}) });
    lastPdtEnd = pdtMs !== undefined ? pdtMs + pendingDuration * 1000 : undefined;
    pendingDuration = undefined;
    pendingPdt = undefined;
  }
  return { mediaSequence, targetDuration, mapUri, endList, segments };
}

export function resolveUri(base: string, uri: string): string {
  return new URL(uri, base).toString();
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile (q in [0,1]); NaN for an empty list. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

// Just enough of an HLS parser for the benchmark: media playlists (RFC 8216, with EXT-X-MAP and
// EXT-X-PROGRAM-DATE-TIME; LL-HLS parts are ignored) and the variant and audio URIs of a master playlist.

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

export interface MasterPlaylist {
  /** Variant URIs in order (players start with the first). */
  variants: string[];
  /** URI of the default audio rendition (EXT-X-MEDIA TYPE=AUDIO), when the audio is a separate playlist. */
  audio?: string;
}

/** The master playlist's URIs, or undefined when `text` is a media playlist. */
export function parseMaster(text: string): MasterPlaylist | undefined {
  if (!text.includes('#EXT-X-STREAM-INF')) return undefined;
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const out: MasterPlaylist = { variants: [] };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('#EXT-X-MEDIA:') && l.includes('TYPE=AUDIO')) out.audio ??= /URI="([^"]*)"/.exec(l)?.[1];
    if (l.startsWith('#EXT-X-STREAM-INF') && lines[i + 1] && !lines[i + 1].startsWith('#')) out.variants.push(lines[i + 1]);
  }
  return out;
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

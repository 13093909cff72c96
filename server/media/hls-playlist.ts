// Pure HLS media playlist rendering (RFC 8216) for fMP4/CMAF segments.

/** One packaged segment as the playlists see it. Times are in `timescale` units (the video timescale). */
export interface PlaylistSegment {
  seq: number;
  /** Media time of the segment start on the packager's continuous timeline. */
  start: number;
  duration: number;
  /** Wall clock (ms since epoch) of the segment's first frame. */
  programDateTime: number;
  /** A discontinuity begins with this segment. */
  discontinuity: boolean;
  /** Index N of the `init-N.mp4` this segment needs. */
  init: number;
}

export interface HlsPlaylistInput {
  /** Segments in order. When live, only the last `window` are listed. */
  segments: readonly PlaylistSegment[];
  timescale: number;
  ended: boolean;
  /** Live window size (segments). Ignored once ended: the whole list is written as VOD. */
  window?: number;
  /** Discontinuities in segments already dropped before `segments[0]`. */
  discontinuitiesBefore?: number;
  /** Lower bound for EXT-X-TARGETDURATION (seconds), so it does not shrink while live. */
  minTargetDuration?: number;
  initName?: (index: number) => string;
  segmentName?: (seq: number) => string;
}

export const defaultInitName = (n: number): string => `init-${n}.mp4`;
export const defaultSegmentName = (seq: number): string => `seg-${seq}.m4s`;

/** Seconds with 3 decimals, as EXTINF wants them. */
export function formatSeconds(ticks: number, timescale: number): string {
  return (Math.round((ticks / timescale) * 1000) / 1000).toFixed(3);
}

export function renderHlsPlaylist(input: HlsPlaylistInput): string {
  const { segments, timescale, ended } = input;
  const initName = input.initName ?? defaultInitName;
  const segName = input.segmentName ?? defaultSegmentName;
  let first = 0;
  if (!ended && input.window !== undefined && segments.length > input.window) first = segments.length - Math.max(1, input.window);
  let dsn = input.discontinuitiesBefore ?? 0;
  for (let i = 0; i < first; i++) if (segments[i].discontinuity) dsn++;
  let target = input.minTargetDuration ?? 1;
  for (let i = first; i < segments.length; i++) {
    const d = Math.ceil(Number(formatSeconds(segments[i].duration, timescale)));
    if (d > target) target = d;
  }
  const lines: string[] = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(target))}`,
    `#EXT-X-MEDIA-SEQUENCE:${segments.length > first ? segments[first].seq : 0}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${dsn}`,
  ];
  if (ended) lines.push('#EXT-X-PLAYLIST-TYPE:VOD');
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  let currentInit = -1;
  for (let i = first; i < segments.length; i++) {
    const s = segments[i];
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.init !== currentInit) {
      lines.push(`#EXT-X-MAP:URI="${initName(s.init)}"`);
      currentInit = s.init;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateTime).toISOString()}`);
    lines.push(`#EXTINF:${formatSeconds(s.duration, timescale)},`);
    lines.push(segName(s.seq));
  }
  if (ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

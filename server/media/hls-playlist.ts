// Pure HLS rendering (RFC 8216) for fMP4/CMAF segments: per-track media playlists and the master over them.

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
  /** Index N of the init segment (`v-init-N.mp4`, `a-init-N.mp4`) this segment needs. */
  init: number;
  /** File number N of the segment when it differs from `seq` (a track playlist that skipped parts). */
  number?: number;
  /** The segment holds no media (a gap in the publisher's track): listed with EXT-X-GAP. */
  gap?: boolean;
}

export interface HlsPlaylistInput {
  /** Segments in order. When live, only the last `window` are listed. */
  segments: readonly PlaylistSegment[];
  timescale: number;
  ended: boolean;
  /** Live window size (segments). Ignored once ended: the whole list is written as VOD. */
  window?: number;
  /**
   * With `ended`: EXT-X-PLAYLIST-TYPE:VOD (all segments from the first are listed). Default true; false for the
   * last version of a live playlist (its window and ENDLIST), which players following it read.
   */
  vod?: boolean;
  /** Discontinuities in segments already dropped before `segments[0]`. */
  discontinuitiesBefore?: number;
  /** Lower bound for EXT-X-TARGETDURATION (seconds), so it does not shrink while live. */
  minTargetDuration?: number;
  initName: (index: number) => string;
  segmentName: (seq: number) => string;
  /** Prefix of every relative URI (e.g. `/vod/<streamId>/`); default '' (relative to the playlist). */
  base?: string;
  /** Query added to every URI on this server (e.g. `t=…`, without `?`), for players that drop the playlist's. */
  query?: string;
  /** Low-Latency HLS (RFC 8216bis): parts, preload hint, server control, rendition report, delta updates. */
  lowLatency?: HlsLowLatency;
  /** The stream continues an earlier one's playlists at the same address (see SequenceContinuation). */
  continues?: SequenceContinuation;
}

/**
 * Where a stream's playlists continue an earlier stream's (a channel taken over by another node): its first segment
 * has media sequence number `msn` and discontinuity sequence number `discontinuity`, and opens with
 * EXT-X-DISCONTINUITY. A player still reloading the earlier stream's playlist address sees the sequence go on.
 */
export interface SequenceContinuation {
  msn: number;
  discontinuity: number;
}

/** One partial segment as the playlists list it (times in the playlist's timescale). */
export interface HlsPart {
  duration: number;
  independent: boolean;
  /** No media (EXT-X-PART GAP=YES). */
  gap?: boolean;
  /** The first part of a segment: the tags its segment begins with. */
  opens?: { disc: boolean; init: number; pdt: number };
}

/** What EXT-X-RENDITION-REPORT says of another media playlist: where it is and its newest part. */
export interface HlsRenditionReport {
  /** Relative to the playlist's own base, or absolute. */
  uri: string;
  lastMsn: number;
  lastPart: number;
}

/**
 * A live playlist's Low-Latency HLS. With `ended` (the live playlist's last version: vod false) only its last
 * segments' parts are kept, with SERVER-CONTROL and PART-INF: no open segment, hint, rendition report or skip. A
 * player at the edge goes on with the next part of the segment it was reading instead of asking for that segment
 * whole (RFC 8216bis 4.4.4.9 lets parts stay within 3 target durations of the playlist's end).
 */
export interface HlsLowLatency {
  /** PART-TARGET, seconds: no part is longer. */
  partTarget: number;
  /** PART-HOLD-BACK, seconds. */
  partHoldBack: number;
  /** CAN-SKIP-UNTIL, in target durations. */
  skipUntilTargetDurations: number;
  /** The parts of segment N, when still known. */
  parts: (seq: number) => readonly HlsPart[] | undefined;
  /** Number of the segment in progress (its parts so far follow the last segment). */
  openSeq: number;
  partName: (seq: number, index: number) => string;
  /** The stream's other media playlists (the other track, ABR renditions), each with its newest part. */
  renditionReports?: readonly HlsRenditionReport[];
  /** A delta update (_HLS_skip): segments older than CAN-SKIP-UNTIL are replaced by EXT-X-SKIP. */
  skip?: boolean;
}

/** Adds `query` (e.g. "t=abc", without "?") to a URI, before any fragment. */
export function withQuery(uri: string, query: string): string {
  if (!query) return uri;
  const hash = uri.indexOf('#');
  const [base, frag] = hash >= 0 ? [uri.slice(0, hash), uri.slice(hash)] : [uri, ''];
  return `${base}${base.includes('?') ? '&' : '?'}${query}${frag}`;
}

export function isOtherOrigin(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('//');
}

/** A URI as a playlist served at some address lists it: relative ones under `base`, ours with `query`. */
export function resolveUri(uri: string, base = '', query = ''): string {
  if (isOtherOrigin(uri)) return uri;
  return withQuery(uri.startsWith('/') ? uri : base + uri, query);
}

/**
 * File names of a stream's folder. Each track is its own CMAF track file set (what DASH players need, and what
 * HLS plays through a master with an audio group); segment N of both tracks covers the same time.
 */
export const TRACK_FILES = {
  video: {
    playlist: 'video.m3u8',
    initName: (n: number): string => `v-init-${n}.mp4`,
    segmentName: (n: number): string => `v-seg-${n}.m4s`,
    partName: (n: number, i: number): string => `v-part-${n}.${i}.m4s`,
    mediaTemplate: 'v-seg-$Number$.m4s',
  },
  audio: {
    playlist: 'audio.m3u8',
    initName: (n: number): string => `a-init-${n}.mp4`,
    segmentName: (n: number): string => `a-seg-${n}.m4s`,
    partName: (n: number, i: number): string => `a-part-${n}.${i}.m4s`,
    mediaTemplate: 'a-seg-$Number$.m4s',
  },
} as const;

const PART_FILE = /^[va]-part-(\d{1,9})\.(\d{1,6})\.m4s$/;

/** The segment number and part index a part file name (`v-part-N.I.m4s`, `a-part-N.I.m4s`) stands for. */
const SEGMENT_FILE = /^[va]-seg-(\d{1,9})\.m4s$/;

/** The media sequence number of a segment file name (`v-seg-N.m4s`, `a-seg-N.m4s`), else undefined. */
export function segmentOfFile(name: string): number | undefined {
  const m = SEGMENT_FILE.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function partOfFile(name: string): { msn: number; part: number } | undefined {
  const m = PART_FILE.exec(name);
  return m ? { msn: Number(m[1]), part: Number(m[2]) } : undefined;
}

/** Seconds with 3 decimals, as EXTINF wants them. */
export function formatSeconds(ticks: number, timescale: number): string {
  return (Math.round((ticks / timescale) * 1000) / 1000).toFixed(3);
}

export function renderHlsPlaylist(input: HlsPlaylistInput): string {
  const { segments, timescale, ended } = input;
  // Ended: a replay has no parts; the live playlist's last version keeps its last segments' parts (see HlsLowLatency).
  const ll = ended && input.vod !== false ? undefined : input.lowLatency;
  const u = (name: string): string => resolveUri(name, input.base, input.query);
  const initName = (i: number): string => u(input.initName(i));
  const segName = (n: number): string => u(input.segmentName(n));
  let first = 0;
  if (!ended && input.window !== undefined && segments.length > input.window) first = segments.length - Math.max(1, input.window);
  let gaps = false;
  for (let i = first; i < segments.length; i++) if (segments[i].gap) gaps = true;
  // The live playlists continue an earlier stream's numbering; a replay (VOD) stands alone. With a continuation the
  // track's first segment (seq 0) opens with a discontinuity, counted once that segment has left the list.
  const cont = ended && input.vod !== false ? undefined : input.continues;
  const opensDisc = (s: PlaylistSegment): boolean => s.discontinuity || (cont !== undefined && s.seq === 0);
  let dsn = input.discontinuitiesBefore ?? 0;
  for (let i = 0; i < first; i++) if (segments[i].discontinuity) dsn++;
  // While the first segment is listed, the dead stream's unfinished segment (number cont.msn - 1) is listed before it
  // as a gap: a player that was reading its parts finds that number as it knew it and plays on past it (hls.js does
  // not play past a number that is simply missing, and refuses one listed again with other media).
  const placeholder = cont !== undefined && cont.msn > 0 && (segments.length === 0 || segments[first].seq === 0);
  if (cont) dsn += cont.discontinuity - (segments.length === 0 || segments[first].seq === 0 ? 1 : 0);
  let target = input.minTargetDuration ?? 1;
  for (let i = first; i < segments.length; i++) {
    // Rounded to the nearest integer, as the target duration is defined (RFC 8216bis 4.4.3.1; SegmentIndex.targetDuration).
    const d = Math.round(Number(formatSeconds(segments[i].duration, timescale)));
    if (d > target) target = d;
  }
  target = Math.max(1, Math.ceil(target));
  const lines: string[] = [
    '#EXTM3U',
    ll ? '#EXT-X-VERSION:9' : gaps || placeholder ? '#EXT-X-VERSION:8' : '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
  ];
  const openParts = (!ended && ll?.parts(ll.openSeq)) || [];
  /** Which listed segments show their parts, and how many are skipped (delta update). */
  let partsFrom = segments.length;
  let skipped = 0;
  if (ll) {
    const skipUntil = ll.skipUntilTargetDurations * target;
    lines.push(
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=${skipUntil.toFixed(1)},PART-HOLD-BACK=${ll.partHoldBack.toFixed(3)}`,
      `#EXT-X-PART-INF:PART-TARGET=${ll.partTarget.toFixed(3)}`,
    );
    // Seconds from each segment's start to the live edge (the end of the open segment's parts).
    let fromEdge = 0;
    for (const p of openParts) fromEdge += p.duration / timescale;
    for (let i = segments.length - 1; i >= first; i--) {
      // Parts stay listed for segments ending within 3 target durations of the live edge (RFC 8216bis 4.4.4.9).
      const n = segments[i].number ?? segments[i].seq;
      if (fromEdge < 3 * target && ll.parts(n)?.length) partsFrom = i;
      // A delta update skips what ends more than CAN-SKIP-UNTIL before the live edge (RFC 8216bis 6.2.5.1).
      if (ll.skip && !ended && fromEdge > skipUntil && i < partsFrom && skipped === 0) skipped = i - first + 1;
      fromEdge += segments[i].duration / timescale;
    }
    if (skipped >= segments.length - first || placeholder) skipped = 0;
  }
  const msnBase = cont?.msn ?? 0;
  const firstMsn = msnBase + (segments.length > first ? segments[first].seq : 0) - (placeholder ? 1 : 0);
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${firstMsn}`, `#EXT-X-DISCONTINUITY-SEQUENCE:${dsn}`);
  if (ended && input.vod !== false) lines.push('#EXT-X-PLAYLIST-TYPE:VOD');
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);
  const partLines = (seq: number, parts: readonly HlsPart[]): void => {
    parts.forEach((p, i) => {
      const attrs = [`DURATION=${formatSeconds(p.duration, timescale)}`, `URI="${u(ll!.partName(seq, i))}"`];
      if (p.independent) attrs.push('INDEPENDENT=YES');
      if (p.gap) attrs.push('GAP=YES');
      lines.push(`#EXT-X-PART:${attrs.join(',')}`);
    });
  };
  let currentInit = -1;
  const opens = (disc: boolean, init: number, pdt: number): void => {
    if (disc) lines.push('#EXT-X-DISCONTINUITY');
    if (init !== currentInit) {
      lines.push(`#EXT-X-MAP:URI="${initName(init)}"`);
      currentInit = init;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(pdt).toISOString()}`);
  };
  if (placeholder) {
    const seg = segments[first];
    const o = openParts[0]?.opens;
    // A millisecond long: players place the next segment right after what they have, leaving no hole to stall on.
    if (seg) opens(false, seg.init, seg.programDateTime - 1);
    else if (o) opens(false, o.init, o.pdt - 1);
    lines.push('#EXTINF:0.001,', '#EXT-X-GAP', u(`gap-${firstMsn}.m4s`));
    // The stream's first segment declares its init again, after its discontinuity.
    currentInit = -1;
  }
  for (let i = first + skipped; i < segments.length; i++) {
    const s = segments[i];
    opens(opensDisc(s), s.init, s.programDateTime);
    if (ll && i >= partsFrom) partLines(s.number ?? s.seq, ll.parts(s.number ?? s.seq) ?? []);
    lines.push(`#EXTINF:${formatSeconds(s.duration, timescale)},`);
    if (s.gap) lines.push('#EXT-X-GAP');
    lines.push(segName(s.number ?? s.seq));
  }
  if (ll && !ended) {
    const o = openParts[0]?.opens;
    // The open segment is the track's first when nothing is listed yet.
    if (o) opens(o.disc || (cont !== undefined && segments.length === 0), o.init, o.pdt);
    partLines(ll.openSeq, openParts);
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${u(ll.partName(ll.openSeq, openParts.length))}"`);
    for (const r of ll.renditionReports ?? []) {
      lines.push(`#EXT-X-RENDITION-REPORT:URI="${u(r.uri)}",LAST-MSN=${msnBase + r.lastMsn},LAST-PART=${r.lastPart}`);
    }
  }
  if (ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

/** A video variant of a master playlist: a media playlist of video only (the audio is the shared group). */
export interface HlsVideoVariant {
  uri: string;
  /** Peak bits per second of the variant, with the audio it plays with. */
  bandwidth: number;
  codec: string;
  width?: number;
  height?: number;
  frameRate?: number;
}

export interface HlsMasterInput {
  /** Best first: players start with the first variant. */
  variants: readonly HlsVideoVariant[];
  audio?: { uri: string; codec: string; bandwidth: number };
  /** As in HlsPlaylistInput. */
  base?: string;
  query?: string;
}

/**
 * The multivariant playlist: video variants (the source, then any ABR renditions) that all play with one audio
 * rendition, EXT-X-MEDIA group "audio". Audio only: the audio media playlist is the variant, so the top-level
 * playlist is a master in every case.
 */
export function renderHlsMaster(input: HlsMasterInput): string {
  const { variants, audio } = input;
  const u = (name: string): string => resolveUri(name, input.base, input.query);
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const bw = (n: number) => `BANDWIDTH=${Math.max(1, Math.round(n))}`;
  if (variants.length && audio) {
    lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,URI="${u(audio.uri)}"`);
  }
  for (const v of variants) {
    const attrs = [bw(v.bandwidth)];
    if (v.width && v.height) attrs.push(`RESOLUTION=${v.width}x${v.height}`);
    if (v.frameRate) attrs.push(`FRAME-RATE=${v.frameRate.toFixed(3)}`);
    attrs.push(`CODECS="${[v.codec, audio?.codec].filter(Boolean).join(',')}"`);
    if (audio) attrs.push('AUDIO="audio"');
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, u(v.uri));
  }
  if (!variants.length && audio) lines.push(`#EXT-X-STREAM-INF:${bw(audio.bandwidth)},CODECS="${audio.codec}"`, u(audio.uri));
  return lines.join('\n') + '\n';
}

// Just enough of a Low-Latency HLS media playlist parser (RFC 8216bis) for the LL-HLS scenarios: segments with their
// program date, the parts of each (EXT-X-PART) and of the segment in progress, the preload hint, and the server
// control attributes. Pure and unit-tested (llhls.test.ts).

export interface LlPart {
  /** Media sequence number of the segment the part belongs to. */
  msn: number;
  /** Index of the part within its segment (0 = first). */
  index: number;
  uri: string;
  durationS: number;
  independent: boolean;
  gap: boolean;
  /** Seconds from the start of its segment to the start of the part (sum of the earlier parts' durations). */
  offsetS: number;
  /**
   * The part's end on the server's clock, ms since epoch: its segment's EXT-X-PROGRAM-DATE-TIME + offset + duration.
   * Undefined when no program date applies to its segment.
   */
  endMs?: number;
}

export interface LlSegment {
  msn: number;
  uri: string;
  durationS: number;
  pdtMs?: number;
  mapUri?: string;
}

export interface LlPlaylist {
  mediaSequence: number;
  targetDuration?: number;
  partTarget?: number;
  partHoldBack?: number;
  canBlockReload: boolean;
  /** CAN-SKIP-UNTIL in seconds (0: the server offers no delta updates). */
  canSkipUntil: number;
  /** Segments skipped by a delta update (EXT-X-SKIP). */
  skipped: number;
  segments: LlSegment[];
  /** Every listed part, in order: those of complete segments, then those of the segment in progress. */
  parts: LlPart[];
  /** URI of EXT-X-MAP in force for the newest media (the last one given). */
  mapUri?: string;
  /** EXT-X-PRELOAD-HINT of TYPE=PART. */
  preloadHint?: string;
  endList: boolean;
}

/** Attributes of a tag (`A=1,B="x,y",C=YES`): quoted values unquoted. */
export function parseAttributes(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("([^"]*)"|[^,]*)/g;
  let m: RegExpExecArray | null;
  for (let guard = 0; (m = re.exec(s)) !== null && guard < 1000; guard++) out[m[1]] = m[3] ?? m[2];
  return out;
}

export function parseLlPlaylist(text: string): LlPlaylist {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (!lines[0]?.startsWith('#EXTM3U')) throw new Error('not an m3u8 playlist');
  const pl: LlPlaylist = { mediaSequence: 0, canBlockReload: false, canSkipUntil: 0, skipped: 0, segments: [], parts: [], endList: false };
  let pendingDuration: number | undefined;
  let pendingPdt: number | undefined;
  let lastPdtEnd: number | undefined;
  /** Parts seen since the last segment URI: they belong to the next segment (listed or in progress). */
  let pending: Array<Omit<LlPart, 'msn' | 'index' | 'offsetS' | 'endMs'>> = [];
  const flushParts = (msn: number, pdtMs: number | undefined) => {
    let offset = 0;
    pending.forEach((p, index) => {
      const endMs = pdtMs !== undefined ? pdtMs + (offset + p.durationS) * 1000 : undefined;
      pl.parts.push({ ...p, msn, index, offsetS: offset, ...(endMs !== undefined ? { endMs } : {}) });
      offset += p.durationS;
    });
    pending = [];
  };
  for (const line of lines) {
    if (line === '') continue;
    if (!line.startsWith('#')) {
      if (pendingDuration === undefined || !Number.isFinite(pendingDuration)) continue;
      const msn = pl.mediaSequence + pl.skipped + pl.segments.length;
      const pdtMs = pendingPdt ?? lastPdtEnd;
      flushParts(msn, pdtMs);
      pl.segments.push({
        msn,
        uri: line,
        durationS: pendingDuration,
        ...(pdtMs !== undefined ? { pdtMs } : {}),
        ...(pl.mapUri ? { mapUri: pl.mapUri } : {}),
      });
      lastPdtEnd = pdtMs !== undefined ? pdtMs + pendingDuration * 1000 : undefined;
      pendingDuration = undefined;
      pendingPdt = undefined;
      continue;
    }
    const colon = line.indexOf(':');
    const tag = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    switch (tag) {
      case '#EXT-X-MEDIA-SEQUENCE':
        pl.mediaSequence = Number(value);
        break;
      case '#EXT-X-TARGETDURATION':
        pl.targetDuration = Number(value);
        break;
      case '#EXTINF':
        pendingDuration = Number(value.split(',')[0]);
        break;
      case '#EXT-X-PROGRAM-DATE-TIME': {
        const t = Date.parse(value);
        if (Number.isFinite(t)) pendingPdt = t;
        break;
      }
      case '#EXT-X-MAP':
        pl.mapUri = parseAttributes(value).URI ?? pl.mapUri;
        break;
      case '#EXT-X-ENDLIST':
        pl.endList = true;
        break;
      case '#EXT-X-SKIP':
        pl.skipped = Number(parseAttributes(value)['SKIPPED-SEGMENTS'] ?? 0);
        break;
      case '#EXT-X-PART-INF':
        pl.partTarget = Number(parseAttributes(value)['PART-TARGET']);
        break;
      case '#EXT-X-SERVER-CONTROL': {
        const a = parseAttributes(value);
        pl.canBlockReload = a['CAN-BLOCK-RELOAD'] === 'YES';
        pl.canSkipUntil = Number(a['CAN-SKIP-UNTIL'] ?? 0) || 0;
        if (a['PART-HOLD-BACK'] !== undefined) pl.partHoldBack = Number(a['PART-HOLD-BACK']);
        break;
      }
      case '#EXT-X-PART': {
        const a = parseAttributes(value);
        if (a.URI === undefined || !Number.isFinite(Number(a.DURATION))) break;
        pending.push({ uri: a.URI, durationS: Number(a.DURATION), independent: a.INDEPENDENT === 'YES', gap: a.GAP === 'YES' });
        break;
      }
      case '#EXT-X-PRELOAD-HINT': {
        const a = parseAttributes(value);
        if (a.TYPE === 'PART' && a.URI) pl.preloadHint = a.URI;
        break;
      }
      default:
        break;
    }
  }
  // Parts after the last segment: the segment in progress, dated by its own PROGRAM-DATE-TIME when given.
  flushParts(pl.mediaSequence + pl.skipped + pl.segments.length, pendingPdt ?? lastPdtEnd);
  return pl;
}

/** Orders parts: negative when (msnA, partA) comes before (msnB, partB). */
export function comparePart(msnA: number, partA: number, msnB: number, partB: number): number {
  return msnA !== msnB ? msnA - msnB : partA - partB;
}

/** The (msn, part) a blocking reload asks for next: the part after the newest listed one. */
export function nextPartDirective(pl: LlPlaylist): { msn: number; part: number } {
  const last = pl.parts.at(-1);
  const openMsn = pl.mediaSequence + pl.skipped + pl.segments.length;
  if (!last) return { msn: openMsn, part: 0 };
  // The newest part belongs to the segment in progress: ask for the next part of it; else for the first of the open one.
  return last.msn === openMsn ? { msn: last.msn, part: last.index + 1 } : { msn: openMsn, part: 0 };
}

// A small checker of Low-Latency HLS media playlists (RFC 8216bis) for the tests: it parses a playlist into its
// segments and parts and lists every rule it breaks. Test code only.

export interface LlPart {
  duration: number;
  uri: string;
  independent: boolean;
  gap: boolean;
}

export interface LlSegment {
  msn: number;
  duration: number;
  uri: string;
  map?: string;
  pdt?: string;
  discontinuity: boolean;
  parts: LlPart[];
}

export interface LlPlaylist {
  version: number;
  targetDuration: number;
  partTarget?: number;
  serverControl: Record<string, string>;
  mediaSequence: number;
  skipped: number;
  segments: LlSegment[];
  /** Parts after the last segment (the segment in progress). */
  openParts: LlPart[];
  hint?: string;
  reports: Array<{ uri: string; lastMsn: number; lastPart: number }>;
  /** Every URI the playlist names (maps, segments, parts, hint, reports). */
  uris: string[];
  /** EXT-X-ENDLIST: the live playlist's last version (parts of its last segments, nothing in progress). */
  ended: boolean;
}

/** Attributes of a tag line (`NAME=value`, quoted or not). */
function attrs(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (let m = re.exec(line.slice(line.indexOf(':') + 1)); m; m = re.exec(line.slice(line.indexOf(':') + 1))) {
    out[m[1]] = m[2].startsWith('"') ? m[2].slice(1, -1) : m[2];
  }
  return out;
}

export function parseLlPlaylist(text: string): LlPlaylist {
  const p: LlPlaylist = {
    version: 0,
    targetDuration: 0,
    serverControl: {},
    mediaSequence: 0,
    skipped: 0,
    segments: [],
    openParts: [],
    reports: [],
    uris: [],
    ended: false,
  };
  let pending: Omit<LlSegment, 'msn' | 'duration' | 'uri'> = { discontinuity: false, parts: [] };
  let duration = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const tag = line.startsWith('#') ? line.slice(0, (line.indexOf(':') + 1 || line.length + 1) - 1) : '';
    const a = tag ? attrs(line) : {};
    const value = line.slice(line.indexOf(':') + 1);
    if (tag === '#EXT-X-VERSION') p.version = Number(value);
    else if (tag === '#EXT-X-TARGETDURATION') p.targetDuration = Number(value);
    else if (tag === '#EXT-X-PART-INF') p.partTarget = Number(a['PART-TARGET']);
    else if (tag === '#EXT-X-SERVER-CONTROL') p.serverControl = a;
    else if (tag === '#EXT-X-MEDIA-SEQUENCE') p.mediaSequence = Number(value);
    else if (tag === '#EXT-X-SKIP') p.skipped = Number(a['SKIPPED-SEGMENTS']);
    else if (tag === '#EXT-X-DISCONTINUITY') pending.discontinuity = true;
    else if (tag === '#EXT-X-MAP') pending.map = a.URI;
    else if (tag === '#EXT-X-PROGRAM-DATE-TIME') pending.pdt = value;
    else if (tag === '#EXT-X-PART') {
      pending.parts.push({ duration: Number(a.DURATION), uri: a.URI, independent: a.INDEPENDENT === 'YES', gap: a.GAP === 'YES' });
    } else if (tag === '#EXTINF') duration = Number(value.split(',')[0]);
    else if (tag === '#EXT-X-PRELOAD-HINT') p.hint = a.URI;
    else if (tag === '#EXT-X-ENDLIST') p.ended = true;
    else if (tag === '#EXT-X-RENDITION-REPORT') p.reports.push({ uri: a.URI, lastMsn: Number(a['LAST-MSN']), lastPart: Number(a['LAST-PART']) });
    else if (!line.startsWith('#')) {
      p.segments.push({ ...pending, msn: p.mediaSequence + p.skipped + p.segments.length, duration, uri: line });
      pending = { discontinuity: false, parts: [] };
    }
  }
  p.openParts = pending.parts;
  for (const s of p.segments) {
    if (s.map) p.uris.push(s.map);
    p.uris.push(s.uri, ...s.parts.map((x) => x.uri));
  }
  if (pending.map) p.uris.push(pending.map);
  p.uris.push(...p.openParts.map((x) => x.uri));
  if (p.hint) p.uris.push(p.hint);
  p.uris.push(...p.reports.map((r) => r.uri));
  return p;
}

/** The (segment, part) a part URI names, by our file names. */
export function partAddress(uri: string): { msn: number; part: number } {
  const m = /-part-(\d+)\.(\d+)\.m4s/.exec(uri);
  if (!m) throw new Error(`not a part URI: ${uri}`);
  return { msn: Number(m[1]), part: Number(m[2]) };
}

/** Every rule of RFC 8216bis this playlist breaks (empty: none). `otherUri`: the rendition report it must carry. */
export function llViolations(p: LlPlaylist, otherUri?: string): string[] {
  const bad: string[] = [];
  if (p.version < 9) bad.push(`EXT-X-VERSION ${p.version} < 9`);
  if (!p.partTarget) bad.push('no EXT-X-PART-INF:PART-TARGET');
  const pt = p.partTarget ?? 0;
  const sc = p.serverControl;
  if (sc['CAN-BLOCK-RELOAD'] !== 'YES') bad.push('no CAN-BLOCK-RELOAD=YES');
  if (!(Number(sc['PART-HOLD-BACK']) >= 3 * pt - 1e-9)) bad.push(`PART-HOLD-BACK ${sc['PART-HOLD-BACK']} < 3 x PART-TARGET`);
  if (Number(sc['CAN-SKIP-UNTIL']) !== 6 * p.targetDuration) bad.push(`CAN-SKIP-UNTIL ${sc['CAN-SKIP-UNTIL']} is not 6 target durations`);
  const all: Array<{ msn: number; part: LlPart; index: number }> = [];
  for (const s of p.segments) {
    if (Math.round(s.duration) > p.targetDuration) bad.push(`segment ${s.msn} longer than the target duration`);
    s.parts.forEach((part, index) => all.push({ msn: s.msn, part, index }));
    if (s.parts.length) {
      const sum = s.parts.reduce((n, x) => n + x.duration, 0);
      if (Math.abs(sum - s.duration) > 0.002 * s.parts.length + 0.001) bad.push(`segment ${s.msn}: parts sum to ${sum}, EXTINF ${s.duration}`);
    }
  }
  const openMsn = (p.segments.at(-1)?.msn ?? p.mediaSequence - 1) + 1;
  p.openParts.forEach((part, index) => all.push({ msn: openMsn, part, index }));
  // Parts within 3 target durations of the live edge are listed.
  let fromEdge = p.openParts.reduce((n, x) => n + x.duration, 0);
  for (let i = p.segments.length - 1; i >= 0 && fromEdge < 3 * p.targetDuration; i--) {
    if (!p.segments[i].parts.length) bad.push(`segment ${p.segments[i].msn} within 3 target durations of the edge lists no parts`);
    fromEdge += p.segments[i].duration;
  }
  for (let k = 0; k < all.length; k++) {
    const { msn, part, index } = all[k];
    if (part.duration > pt + 1e-9) bad.push(`part ${msn}.${index} lasts ${part.duration} > PART-TARGET ${pt}`);
    const addr = partAddress(part.uri);
    if (addr.msn !== msn || addr.part !== index) bad.push(`part ${msn}.${index} is named ${part.uri}`);
    if (k > 0) {
      const prev = all[k - 1];
      const next = prev.msn === msn ? index === prev.index + 1 : msn === prev.msn + 1 && index === 0;
      if (!next) bad.push(`part ${msn}.${index} does not follow ${prev.msn}.${prev.index}`);
    }
  }
  for (let i = 1; i < p.segments.length; i++) if (p.segments[i].msn !== p.segments[i - 1].msn + 1) bad.push('segment numbers not continuous');
  if (p.ended) {
    // Nothing is in progress after the end.
    if (p.hint || p.openParts.length || p.reports.length || p.skipped) bad.push('ended, yet a hint, open parts, reports or a skip');
  } else if (!p.hint) bad.push('no EXT-X-PRELOAD-HINT');
  else {
    const h = partAddress(p.hint);
    if (h.msn !== openMsn || h.part !== p.openParts.length) bad.push(`preload hint ${p.hint} is not the next part ${openMsn}.${p.openParts.length}`);
  }
  if (otherUri !== undefined && !p.ended) {
    const r = p.reports.find((x) => x.uri.split('?')[0] === otherUri);
    const last = all.at(-1);
    if (!r) bad.push(`no EXT-X-RENDITION-REPORT for ${otherUri}`);
    else if (last && (r.lastMsn < last.msn - 1 || r.lastMsn > last.msn + 1)) bad.push(`rendition report LAST-MSN ${r.lastMsn} far from ${last.msn}`);
  }
  return bad;
}

/** The first sample's flags in each `trun` of a CMAF fragment: whether it starts with a sync sample. */
export function firstSampleIsSync(fragment: Buffer): boolean {
  const at = fragment.indexOf('trun', 0, 'latin1');
  if (at < 4) throw new Error('no trun box');
  const flags = fragment.readUInt32BE(at + 4) & 0xffffff;
  let p = at + 8 + 4; // version/flags, sample_count
  if (flags & 0x1) p += 4; // data offset
  let firstFlags: number | undefined;
  if (flags & 0x4) firstFlags = fragment.readUInt32BE(p);
  else {
    if (flags & 0x100) p += 4;
    if (flags & 0x200) p += 4;
    if (flags & 0x400) firstFlags = fragment.readUInt32BE(p);
  }
  if (firstFlags === undefined) throw new Error('no sample flags');
  // sample_is_non_sync_sample is bit 16.
  return (firstFlags & 0x10000) === 0;
}

// Pure DASH MPD rendering (ISO/IEC 23009-1, live profile) over the same CMAF segments as the HLS playlists:
// one Period per discontinuity, one AdaptationSet per track in it (what dash.js, Shaka and ffmpeg's dash demuxer
// need).
//
// Segment addressing. While live, the open (last) Period uses a number template without a timeline:
// SegmentTemplate@duration with a fixed startNumber (the Period's first segment), the client deriving the newest
// segment from availabilityStartTime and its clock (DASH-IF IOP "simple live"; what ffmpeg's dashenc writes with
// -use_timeline 0). Every reader we target plays that shape. A sliding SegmentTimeline does not play everywhere:
// GStreamer's dashdemux and dashdemux2 (1.22) seek into a timeline as if its first S started at 0, so once the
// window slides (first S@t > 0) they pick a segment far ahead and stall; ffmpeg 5.1 counts timeline entries from
// 0 but numbers from startNumber, so once it reaches the live edge a refresh sends it back to the oldest listed
// segment (non-monotonic DTS). dash.js and Shaka play both shapes. ffmpeg 5.1 must read a template at a player's
// pace (-re): it asks for the next number at once and skips on a 404, so an unpaced read runs past the live edge. @duration is the Period's mean segment length so far (segments are cut on
// keyframes, so the publisher's keyframe interval sets it, not our target), which keeps segment N's nominal time
// within a frame or so of its real one when keyframes are regular.
// Closed Periods (before a discontinuity) and the replay (static) list their segments exactly with a
// SegmentTimeline: those no longer grow, and a template there would point past the Period's last segment.

import { withQuery, type PlaylistSegment } from './hls-playlist.js';

export interface DashPeriod {
  /** Stable id (the discontinuity number). */
  id: number;
  /** Period@start, seconds from availabilityStartTime (dynamic) or from the presentation start (static). */
  start: number;
  /** Media time (timeline units) that maps to Period@start: the start of the period's first segment. */
  presentationTimeOffset: number;
  /** Init segment N used by this period. */
  init: number;
  /**
   * Number N of the period's first segment: the startNumber of its template while live. When absent it is
   * derived from the listed segments and the target segment length.
   */
  firstNumber?: number;
}

/** One Representation of a track in one part of the stream (an init). */
export interface DashRepresentation {
  codecs: string;
  /** The track's own timescale (90000 for video, the sample rate for audio). */
  timescale: number;
  bandwidth: number;
  width?: number;
  height?: number;
  frameRate?: number;
  audioSampleRate?: number;
  audioChannels?: number;
}

/** A track (video or audio): one AdaptationSet per Period that has it. */
export interface DashTrack {
  contentType: 'video' | 'audio';
  /**
   * The track's segments in order, in the track's timescale; `number ?? seq` is the segment number N shared with
   * the main timeline (`DashManifestInput.segments`), which decides the Period. Segments of parts without this
   * track are simply missing.
   */
  segments: readonly PlaylistSegment[];
  /** The Representation for init N, or undefined when that part has no such track. */
  representation: (init: number) => DashRepresentation | undefined;
  initName: (index: number) => string;
  mediaTemplate: string;
}

export interface DashManifestInput {
  /** Segments in order (all, or a tail); each belongs to the last period whose presentationTimeOffset <= its start. */
  segments: readonly PlaylistSegment[];
  periods: readonly DashPeriod[];
  timescale: number;
  ended: boolean;
  /** Live window (segments). */
  window?: number;
  /** Wall clock of media time 0 (ms since epoch); required while live. */
  availabilityStartTime: number;
  /** Wall clock now (ms). */
  publishTime: number;
  /** Target segment duration, seconds. */
  segmentSeconds: number;
  /** One AdaptationSet each; `segments` stays the main timeline (in `timescale`) that places segments into Periods. */
  tracks: readonly DashTrack[];
  /** Where segment URLs resolve (a BaseURL, e.g. `/vod/<streamId>/`); default: relative to the MPD. */
  baseUrl?: string;
  /** Query added to the BaseURL and the segment templates (e.g. `t=…`, without `?`). */
  query?: string;
}

export function isoDuration(seconds: number): string {
  return `PT${(Math.round(Math.max(0, seconds) * 1000) / 1000).toFixed(3)}S`;
}

const iso = (ms: number): string => new Date(ms).toISOString();

const escAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function renderDashManifest(input: DashManifestInput): string {
  const { segments, periods, timescale, ended } = input;
  let first = 0;
  if (!ended && input.window !== undefined && segments.length > input.window) first = segments.length - Math.max(1, input.window);
  let listed = 0;
  for (let i = first; i < segments.length; i++) listed += segments[i].duration;
  const listedSeconds = listed / timescale;

  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const attrs: string[] = [
    'xmlns="urn:mpeg:dash:schema:mpd:2011"',
    'profiles="urn:mpeg:dash:profile:isoff-live:2011"',
    `type="${ended ? 'static' : 'dynamic'}"`,
  ];
  let total = 0;
  if (ended) {
    const last = periods.length ? periods[periods.length - 1] : undefined;
    if (last && segments.length) {
      let lastPeriodTicks = 0;
      for (const s of segments) if (s.start >= last.presentationTimeOffset) lastPeriodTicks += s.duration;
      total = last.start + lastPeriodTicks / timescale;
    }
    attrs.push(`mediaPresentationDuration="${isoDuration(total)}"`);
  } else {
    attrs.push(
      `availabilityStartTime="${iso(input.availabilityStartTime)}"`,
      `publishTime="${iso(input.publishTime)}"`,
      `minimumUpdatePeriod="${isoDuration(input.segmentSeconds)}"`,
      `timeShiftBufferDepth="${isoDuration(Math.max(listedSeconds, input.segmentSeconds))}"`,
      `suggestedPresentationDelay="${isoDuration(input.segmentSeconds * 3)}"`,
    );
  }
  attrs.push(`minBufferTime="${isoDuration(Math.max(1, input.segmentSeconds * 2))}"`);
  out.push(`<MPD ${attrs.join(' ')}>`);
  if (input.baseUrl) out.push(`  <BaseURL>${escAttr(withQuery(input.baseUrl, input.query ?? ''))}</BaseURL>`);

  // Group listed segments by period.
  let pi = 0;
  let i = first;
  const cursors = input.tracks.map(() => 0);
  while (i < segments.length) {
    while (pi + 1 < periods.length && periods[pi + 1].presentationTimeOffset <= segments[i].start) pi++;
    const period = periods[pi] ?? { id: 0, start: 0, presentationTimeOffset: 0, init: segments[i].init };
    const nextPto = pi + 1 < periods.length ? periods[pi + 1].presentationTimeOffset : Infinity;
    let j = i;
    while (j < segments.length && segments[j].start < nextPto) j++;
    const open = !ended && j === segments.length;
    out.push(renderPeriod(input, cursors, period, segments, i, j, open ? liveTemplate(input, period, segments, i, j) : undefined));
    i = j;
  }
  if (!ended) out.push(`  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="${iso(input.publishTime)}"/>`);
  out.push('</MPD>');
  return out.join('\n') + '\n';
}

/** SegmentTimeline S elements for segs[from, to): run-length (r) where durations repeat, t where time jumps. */
function renderTimeline(segs: readonly PlaylistSegment[], from: number, to: number): string[] {
  const timeline: string[] = [];
  let k = from;
  let expected = -1;
  while (k < to) {
    const s = segs[k];
    let r = 0;
    while (k + r + 1 < to && segs[k + r + 1].duration === s.duration && segs[k + r + 1].start === segs[k + r].start + s.duration) r++;
    const t = s.start !== expected ? ` t="${s.start}"` : '';
    timeline.push(`            <S${t} d="${s.duration}"${r ? ` r="${r}"` : ''}/>`);
    expected = s.start + s.duration * (r + 1);
    k += r + 1;
  }
  return timeline;
}

const segNumber = (s: PlaylistSegment): number => s.number ?? s.seq;

/** The number template of a live Period: its first segment number and its mean segment length (main timescale). */
interface LiveTemplate {
  startNumber: number;
  duration: number;
}

/**
 * The open Period's template from its listed segments main[from, to): startNumber is its first segment's number
 * (derived from the target length when the input lacks it), @duration the mean length of its segments so far, so
 * that the newest segment's nominal end is its real end (the live edge players compute is the real one).
 */
function liveTemplate(input: DashManifestInput, period: DashPeriod, main: readonly PlaylistSegment[], from: number, to: number): LiveTemplate {
  const target = input.segmentSeconds * input.timescale;
  const startNumber = period.firstNumber ?? main[from].seq - Math.round((main[from].start - period.presentationTimeOffset) / target);
  const last = main[to - 1];
  const count = last.seq + 1 - startNumber;
  const span = last.start + last.duration - period.presentationTimeOffset;
  return { startNumber, duration: count > 0 && span > 0 ? span / count : target };
}

/** A Period: one AdaptationSet per track present in it. */
function renderPeriod(
  input: DashManifestInput,
  cursors: number[],
  period: DashPeriod,
  main: readonly PlaylistSegment[],
  from: number,
  to: number,
  template: LiveTemplate | undefined,
): string {
  const firstN = main[from].seq;
  const lastN = main[to - 1].seq;
  const lines = [`  <Period id="${period.id}" start="${isoDuration(period.start)}">`];
  input.tracks.forEach((track, ti) => {
    const ts = track.segments;
    let a = cursors[ti];
    while (a < ts.length && segNumber(ts[a]) < firstN) a++;
    let b = a;
    while (b < ts.length && segNumber(ts[b]) <= lastN) b++;
    cursors[ti] = b;
    if (b === a) return;
    const rep = track.representation(ts[a].init);
    if (!rep) return;
    const video = track.contentType === 'video';
    const attrs = [`id="${video ? 'video' : 'audio'}"`, `codecs="${escAttr(rep.codecs)}"`, `bandwidth="${Math.max(1, Math.round(rep.bandwidth))}"`];
    if (rep.width && rep.height) attrs.push(`width="${rep.width}"`, `height="${rep.height}"`);
    if (rep.frameRate) attrs.push(`frameRate="${dashFrameRate(rep.frameRate)}"`);
    if (rep.audioSampleRate) attrs.push(`audioSamplingRate="${rep.audioSampleRate}"`);
    // The Period starts at the main timeline's presentationTimeOffset: the same instant in this track's timescale.
    const pto = Math.round((period.presentationTimeOffset * rep.timescale) / input.timescale);
    lines.push(
      `    <AdaptationSet id="${ti}" contentType="${track.contentType}" mimeType="${video ? 'video/mp4' : 'audio/mp4'}" segmentAlignment="true" startWithSAP="1">`,
      `      <Representation ${attrs.join(' ')}>`,
    );
    if (rep.audioChannels) {
      lines.push(
        `        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${rep.audioChannels}"/>`,
      );
    }
    const files = `initialization="${escAttr(withQuery(track.initName(ts[a].init), input.query ?? ''))}" media="${escAttr(withQuery(track.mediaTemplate, input.query ?? ''))}"`;
    if (template) {
      const duration = Math.max(1, Math.round((template.duration * rep.timescale) / input.timescale));
      lines.push(
        `        <SegmentTemplate timescale="${rep.timescale}" presentationTimeOffset="${pto}" duration="${duration}" ${files} startNumber="${template.startNumber}"/>`,
      );
    } else {
      lines.push(
        `        <SegmentTemplate timescale="${rep.timescale}" presentationTimeOffset="${pto}" ${files} startNumber="${segNumber(ts[a])}">`,
        '          <SegmentTimeline>',
        ...renderTimeline(ts, a, b),
        '          </SegmentTimeline>',
        '        </SegmentTemplate>',
      );
    }
    lines.push('      </Representation>', '    </AdaptationSet>');
  });
  lines.push('  </Period>');
  return lines.join('\n');
}

/**
 * A frame rate as the MPD schema's FrameRateType writes it, a whole number or a fraction (a decimal is not valid):
 * `30`, `30000/1001` for NTSC's 29.97 (what OBS and cameras send as 29.97002997), `12500/1000` for any other.
 */
export function dashFrameRate(fps: number): string {
  const whole = Math.round(fps);
  if (Math.abs(fps - whole) < 0.0005) return String(whole);
  const ntsc = Math.round((fps * 1001) / 1000);
  if (Math.abs(fps - (ntsc * 1000) / 1001) < 0.0005) return `${ntsc * 1000}/1001`;
  return `${Math.round(fps * 1000)}/1000`;
}

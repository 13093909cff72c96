// A stream's manifests, rendered from its SegmentIndex: the HLS master, one media playlist per track and the DASH
// MPD. While live the last `liveWindow` segments are listed; once ended, all of them (the replay).

import { renderDashManifest, type DashPeriod, type DashRepresentation, type DashTrack } from './dash-manifest.js';
import {
  renderHlsMaster,
  renderHlsPlaylist,
  TRACK_FILES,
  type HlsLowLatency,
  type HlsPart,
  type HlsRenditionReport,
  type SequenceContinuation,
} from './hls-playlist.js';
import { VIDEO_TIMESCALE } from './mp4.js';
import type { SegmentIndex } from './segment-index.js';
import { LOW_LATENCY_LIMITS } from './segmenter.js';

/** Where a manifest is served from: the prefix of its relative URIs and a query for each of them (see resolveUri). */
export interface ManifestUris {
  /** e.g. `/vod/<streamId>/`; default '' (relative to the manifest). */
  base?: string;
  /** e.g. `t=…`, without `?`; default ''. */
  query?: string;
}

export interface ManifestOptions {
  liveWindow: number;
  /** Target segment duration, seconds. */
  segmentSeconds: number;
  /** Wall clock (ms), for MPD times. */
  now: () => number;
  /** Part target, seconds (Low-Latency HLS); 0: live playlists without parts. */
  partSeconds: number;
  /** The HLS playlists continue an earlier stream's numbering (a channel taken over). */
  continues?: SequenceContinuation;
}

/**
 * The media playlist of one track over the first `count` segments: its last `liveWindow` while live, all once ended
 * (the replay). `liveEnd`: ended, but as the live playlist's last version (its window, its last segments' parts
 * while they are kept, then ENDLIST): players that follow the live playlist get segments and parts they already
 * know followed by the end, nothing to realign. `reports`: the
 * rendition reports of playlists beyond this index (ABR renditions), after the other track's.
 */
export function renderTrackPlaylist(
  index: SegmentIndex,
  kind: 'video' | 'audio',
  count: number,
  ended: boolean,
  o: ManifestOptions,
  uris: ManifestUris = {},
  delta = false,
  liveEnd = false,
  reports: readonly HlsRenditionReport[] = [],
): string | undefined {
  const list = index.trackSegments[kind];
  // Before the first segment closes, a live Low-Latency playlist lists the parts of segment 0 alone.
  if (list.length === 0 && (ended || !(o.partSeconds > 0) || !index.parts.get(count)?.length)) return undefined;
  // Entries covered by the first `count` segments (a track list can be behind the main one, never ahead).
  const to = list.indexOfNumber(count);
  const from = ended && !liveEnd ? 0 : Math.max(0, to - o.liveWindow);
  let segs = list.view(from, to);
  if (kind === 'audio') {
    // EXTINF in seconds: audio ticks (per part's sample rate) to the 90 kHz timescale the renderer is given.
    segs = segs.map((x) => ({ ...x, duration: (x.duration * VIDEO_TIMESCALE) / index.audioRate(x.init) }));
  }
  const names = TRACK_FILES[kind];
  return renderHlsPlaylist({
    segments: segs,
    timescale: VIDEO_TIMESCALE,
    ended,
    vod: !liveEnd,
    discontinuitiesBefore: list.discontinuitiesBefore(from),
    minTargetDuration: index.targetDuration(o.segmentSeconds),
    initName: names.initName,
    segmentName: names.segmentName,
    base: uris.base,
    query: uris.query,
    continues: o.continues,
    lowLatency: ended && !liveEnd ? undefined : lowLatency(index, kind, count, o, delta && !ended, ended ? [] : reports, ended),
  });
}

/**
 * PART-TARGET of a track's playlist, seconds: the part target for video (parts close within it); audio parts take
 * the audio frames that start before the video part's end, so they may run one audio frame longer.
 */
export function partTarget(index: SegmentIndex, kind: 'video' | 'audio', o: ManifestOptions): number {
  const a = index.lastInit.audio?.info;
  const extra = kind === 'audio' && a ? a.frameLength / a.sampleRate : 0;
  return Math.ceil((o.partSeconds + extra) * 1000) / 1000;
}

function lowLatency(
  index: SegmentIndex,
  kind: 'video' | 'audio',
  count: number,
  o: ManifestOptions,
  delta: boolean,
  reports: readonly HlsRenditionReport[],
  ended: boolean,
): HlsLowLatency | undefined {
  if (!(o.partSeconds > 0)) return undefined;
  const target = partTarget(index, kind, o);
  const other = kind === 'video' ? 'audio' : 'video';
  const last = index.lastPart();
  const parts = (seq: number): HlsPart[] | undefined =>
    index.parts.get(seq)?.map((p) => ({
      duration: kind === 'audio' && index.trackSegments.video.length ? p.audioDuration : p.duration,
      // Every AAC frame decodes on its own: each audio part is independent.
      independent: kind === 'audio' || p.independent,
      gap: kind === 'audio' && p.audioGap,
      opens: kind === 'audio' && p.opens?.audioPdt !== undefined ? { ...p.opens, pdt: p.opens.audioPdt } : p.opens,
    }));
  return {
    partTarget: target,
    partHoldBack: LOW_LATENCY_LIMITS.partHoldBackParts * target,
    skipUntilTargetDurations: LOW_LATENCY_LIMITS.skipUntilTargetDurations,
    parts,
    openSeq: count,
    partName: TRACK_FILES[kind].partName,
    renditionReports: [
      ...(!ended && index.trackSegments[other].length && last ? [{ uri: TRACK_FILES[other].playlist, lastMsn: last.msn, lastPart: last.part }] : []),
      ...reports,
    ],
    skip: delta,
  };
}

/** The master: the source's video (newest config) and the ABR renditions, with the audio track as their group. */
/** BANDWIDTH of a master listed before anything measured it and with no announced rate: a typical stream's. */
const UNKNOWN_BANDWIDTH = 2_500_000;

export function renderMaster(index: SegmentIndex, uris: ManifestUris = {}): string | undefined {
  const { video, audio } = index.latestTrackConfigs();
  if (!video && !audio) return undefined;
  const meta = index.meta;
  let bandwidth = index.masterBandwidth;
  if (bandwidth === 0) {
    // Announced bitrates when the publisher sent them, else what the first segments measured; kept once known.
    const announced = ((meta?.videodatarate ?? 0) + (meta?.audiodatarate ?? 0)) * 1000;
    const seconds = index.segments.totalTicks / VIDEO_TIMESCALE;
    const measured = seconds > 0 ? (index.segments.totalBytes * 8) / seconds : 0;
    bandwidth = Math.max(1, Math.round(Math.max(announced, measured)));
    // Before the first segment (Low-Latency HLS lists parts from the first one) an unannounced rate is a guess.
    if (announced > 0 || seconds > 0) index.masterBandwidth = bandwidth;
    else bandwidth = UNKNOWN_BANDWIDTH;
  }
  return renderHlsMaster({
    variants: video
      ? [
          {
            uri: TRACK_FILES.video.playlist,
            bandwidth,
            codec: video.info.codec,
            width: video.info.width || meta?.width,
            height: video.info.height || meta?.height,
            frameRate: video.info.fps ?? meta?.framerate,
          },
          // The renditions keep the source's frames (ABR encodes with passthrough timing).
          ...index.renditions.map((r) => ({ ...r, frameRate: r.frameRate ?? video.info.fps ?? meta?.framerate })),
        ]
      : [],
    audio: audio && { uri: TRACK_FILES.audio.playlist, codec: audio.info.codec, bandwidth },
    base: uris.base,
    query: uris.query,
  });
}

/** The DASH MPD over the first `count` segments (dynamic, the live window; static once ended), or undefined before any. */
export function renderMpd(index: SegmentIndex, count: number, ended: boolean, o: ManifestOptions, uris: ManifestUris = {}): string | undefined {
  const from = ended ? 0 : Math.max(0, count - o.liveWindow);
  const segs = index.segments.view(from, count);
  if (segs.length === 0) return undefined;
  const totalSeconds = index.segments.totalTicks / VIDEO_TIMESCALE;
  const first = index.periods[0];
  const periods: DashPeriod[] = ended
    ? index.periods.map((p) => ({
        id: p.id,
        start: p.mediaStart - first.mediaStart,
        presentationTimeOffset: p.presentationTimeOffset,
        init: p.init,
        firstNumber: p.firstNumber,
      }))
    : index.periods;
  return renderDashManifest({
    tracks: dashTracks(index, from, count, totalSeconds),
    segments: segs,
    periods,
    timescale: VIDEO_TIMESCALE,
    ended,
    availabilityStartTime: index.availabilityStart ?? o.now(),
    publishTime: o.now(),
    segmentSeconds: o.segmentSeconds,
    baseUrl: uris.base,
    query: uris.query,
  });
}

/** One DASH track per kind that has segments among [from, count). */
function dashTracks(index: SegmentIndex, from: number, count: number, totalSeconds: number): DashTrack[] {
  const out: DashTrack[] = [];
  const v = index.trackSegments.video;
  const a = index.trackSegments.audio;
  const meta = index.meta;
  const rate = (bytes: number): number => (totalSeconds > 0 ? (bytes * 8) / totalSeconds : 1);
  if (v.length) {
    const bandwidth = rate(v.totalBytes);
    out.push({
      contentType: 'video',
      segments: v.view(v.indexOfNumber(from), v.indexOfNumber(count)),
      initName: TRACK_FILES.video.initName,
      mediaTemplate: TRACK_FILES.video.mediaTemplate,
      representation: (init): DashRepresentation | undefined => {
        const c = index.inits[init]?.video;
        return (
          c && {
            codecs: c.info.codec,
            timescale: VIDEO_TIMESCALE,
            bandwidth,
            width: c.info.width || meta?.width || undefined,
            height: c.info.height || meta?.height || undefined,
            frameRate: c.info.fps ?? meta?.framerate,
          }
        );
      },
    });
  }
  if (a.length) {
    const bandwidth = rate(a.totalBytes);
    out.push({
      contentType: 'audio',
      segments: a.view(a.indexOfNumber(from), a.indexOfNumber(count)),
      initName: TRACK_FILES.audio.initName,
      mediaTemplate: TRACK_FILES.audio.mediaTemplate,
      representation: (init): DashRepresentation | undefined => {
        const c = index.inits[init]?.audio;
        return (
          c && {
            codecs: c.info.codec,
            timescale: c.info.sampleRate,
            bandwidth,
            audioSampleRate: c.info.sampleRate,
            audioChannels: c.info.channels,
          }
        );
      },
    });
  }
  return out;
}

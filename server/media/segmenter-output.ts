// What the segmenter decides and hands on: its named limits, the segments and parts it cuts, and the output
// interface the segment store implements.
import type { StreamMetadata } from './frame.js';
import type { FragmentTrack } from './mp4.js';
import type { InitConfigs } from './segment-index.js';

/** Named limits of the packager. */
export const PACKAGER_LIMITS = {
  /** Queued media (bytes) before a segment is forced out even without a keyframe, or dropped before init. */
  maxQueueBytes: 8 * 1024 * 1024,
  /** Queued samples, same treatment. */
  maxQueueSamples: 4000,
  /** Media time to wait for the other track's config when it was not announced in onMetaData. */
  configWaitMs: 1000,
  /** ...and when onMetaData announced it. */
  announcedConfigWaitMs: 3000,
  /** A timestamp step larger than this (either way) is a publisher clock jump: rebased, not followed. */
  jumpMs: 5000,
  /** A keyframe this close to the target duration still cuts (ms timestamps round frame times). */
  cutToleranceMs: 10,
} as const;

/** Named limits of Low-Latency HLS. */
export const LOW_LATENCY_LIMITS = {
  /**
   * Parts stay listed for the segments ending within this many target durations of the live edge (RFC 8216bis
   * 4.4.4.9 asks for 3). In memory: audio parts for as many of the audio playlist's target durations, which can be one
   * second more than the segments' (1.022 s of audio is a target of 2); video parts for one more of the segments' own
   * (SegmentStore.pruneParts).
   */
  partTargetDurations: 3,
  /** Blocking playlist and preload-hint requests held at once per stream (a player holds up to 4); more get 503. */
  maxWaitersPerStream: 8000,
  /** A blocking request is held this many target durations at most (RFC 8216bis 6.2.5.2), then answered 503. */
  maxWaitTargetDurations: 3,
  /** Skipped segments in a delta playlist: those older than this many target durations (CAN-SKIP-UNTIL). */
  skipUntilTargetDurations: 6,
  /** PART-HOLD-BACK in part targets: the RFC asks for 2 at least; Apple recommends 3, for one part of jitter. */
  partHoldBackParts: 3,
} as const;

/** Counters of what was skipped or repaired, for logs and /stat. */
export interface PackagerStats {
  skippedMessages: number;
  droppedFrames: number;
  timestampJumps: number;
  forcedCuts: number;
  writeErrors: number;
}

/** One closed segment: its samples per track, and where it sits on the timeline (90 kHz). */
export interface CutSegment {
  start: number;
  end: number;
  /** Wall clock (ms) of its first frame. */
  pdt: number;
  /** A discontinuity begins with it. */
  disc: boolean;
  /** The init it needs. */
  init: number;
  video?: FragmentTrack;
  /** The init has audio: the segment gets an audio file, with no samples (a gap) when `audio` is undefined. */
  hasAudio: boolean;
  audio?: FragmentTrack;
  /** The audio timescale (sample rate) of the init, 1 without audio. */
  audioRate: number;
  /** Parts it was cut into (0 without a part target). */
  parts: number;
}

/** One closed part of the open segment (Low-Latency HLS): its samples per track, in the order they were cut. */
export interface CutPart {
  /** Index of the part within its segment (0 first). */
  index: number;
  start: number;
  /** Duration on the 90 kHz timeline. */
  duration: number;
  /** It begins with a video keyframe (audio-only: always). */
  independent: boolean;
  /** The first part of a segment: what the segment will begin with (a discontinuity, its init, its wall clock). */
  opens?: { disc: boolean; init: number; pdt: number };
  video?: FragmentTrack;
  /** The init has audio: the part gets an audio fragment, empty (a gap) when `audio` is undefined. */
  hasAudio: boolean;
  audio?: FragmentTrack;
}

/**
 * Frames of the open part whose durations are known, handed on before the part closes (Low-Latency HLS), so a
 * player waiting for the part gets them at once. A part's chunks, in order, hold exactly its frames.
 */
export interface PartChunk {
  /** Index of the part within the open segment. */
  index: number;
  video?: FragmentTrack;
  audio?: FragmentTrack;
}

/** A segment of the source on the grid (90 kHz), as an ABR rendition's playlist lists it when it has no media there. */
export interface GridSegment {
  start: number;
  duration: number;
  pdt: number;
  disc: boolean;
}

/** Where a source segment begins, as a rendition that follows it needs to know. */
export interface GridBoundary {
  /** The segment's number in the source. */
  msn: number;
  /** Its wall clock (PROGRAM-DATE-TIME), ms. */
  pdt: number;
  /** A discontinuity begins with it. */
  disc: boolean;
}

/**
 * The segments of another stream to cut on (an ABR rendition follows its source): the rendition's segments begin
 * at the keyframes that present what the source's segments begin with, with the same numbers, wall clock and
 * discontinuities, so players switch between them segment for segment.
 */
export interface SegmentGrid {
  /** The source segment that a keyframe presented at `pts` (90 kHz, the source's timeline) begins, or undefined. */
  boundary(pts: number): GridBoundary | undefined;
  /** The source's segments [from, to), for the numbers a rendition has no media for (it started late). */
  segments(from: number, to: number): GridSegment[];
}

export interface SegmenterOutput {
  /** A new init (index N) is needed before the next segment: these configs. */
  init(index: number, configs: InitConfigs): void;
  /** Frames of the open part (only with a part target); the part's last chunk comes just before `part`. */
  partChunk(chunk: PartChunk): void;
  /**
   * Whether anyone waits for or reads the open part. Only then are its frames handed on as they come (one chunk a
   * frame); otherwise they wait, and go on in one chunk when a reader comes or the part closes.
   */
  partChunksWanted(): boolean;
  /** A part of the open segment closed (only with a part target). The segment's last part comes just before it. */
  part(part: CutPart): void;
  /** A segment closed; with a part target its bytes are its parts'. */
  segment(segment: CutSegment): void;
  meta(m: StreamMetadata): void;
  error(err: unknown): void;
  /** Segments listed without media before the first one (a rendition that began after its source's first segment). */
  gaps?(segments: GridSegment[]): void;
}

// The source's segment boundaries as an ABR rendition's segmenter cuts on them (SegmentGrid). The ladder's ffmpeg
// keeps every frame's time (to the millisecond) and makes a keyframe wherever the source has one, so a rendition
// keyframe presented at P stands for the source keyframe presented at P, whose decode time is P minus its
// composition offset: a source segment that begins within that offset before P begins with the same picture. Pure
// over what the source packager reports.
import type { SegmentList } from './segment-list.js';
import type { GridBoundary, GridSegment, SegmentGrid } from './segmenter-output.js';

/** Frame times are whole milliseconds, and a decode time may have been nudged past a repeated one: 1 ms of slack. */
const SLACK_TICKS = 90;

export interface GridSource {
  /** The source's closed segments (the main timeline, 90 kHz). */
  segments: SegmentList;
  /** The source's open segment, when one is open. */
  open(): { start: number; pdt: number; disc: boolean } | undefined;
  /** The largest composition offset of the source's keyframes so far, ms. */
  keyframeOffsetMs(): number;
}

export function sourceGrid(src: GridSource): SegmentGrid {
  return {
    boundary(pts: number): GridBoundary | undefined {
      const lo = pts - (src.keyframeOffsetMs() * 90 + SLACK_TICKS);
      const hi = pts + SLACK_TICKS;
      const open = src.open();
      const list = src.segments;
      if (open && open.start >= lo && open.start <= hi) return { msn: list.length, pdt: open.pdt, disc: open.disc };
      const i = list.lastStartingBy(hi);
      if (i < 0 || list.startAt(i) < lo) return undefined;
      return { msn: i, pdt: list.pdtAt(i), disc: list.discAt(i) };
    },
    segments(from: number, to: number): GridSegment[] {
      const list = src.segments;
      const out: GridSegment[] = [];
      for (let i = from; i < Math.min(to, list.length); i++) {
        out.push({ start: list.startAt(i), duration: list.durationAt(i), pdt: list.pdtAt(i), disc: list.discAt(i) });
      }
      return out;
    },
  };
}

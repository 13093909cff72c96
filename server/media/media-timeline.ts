// A stream's media timeline: publisher timestamps (ms) mapped onto one continuous, monotonic media time, across
// clock jumps (a jump larger than PACKAGER_LIMITS.jumpMs is folded away: the timeline continues where it was) and
// publisher returns (the next publisher's first frame continues where the last one ended).
import { PACKAGER_LIMITS } from './segmenter-output.js';

export class MediaTimeline {
  /** Added to a publisher's time to get media time; undefined until the first frame after a start or rebase. */
  private offset?: number;
  /** Where the next publisher's first frame lands. */
  private rebaseTarget = 0;
  /** Latest and first media time mapped since the last rebase. */
  private latest?: number;
  private first?: number;
  /** Clock jumps folded away. */
  jumps = 0;

  /** `fixed`: frame times are already on the media timeline (an ABR rendition follows its source's). */
  constructor(private readonly fixed = false) {
    if (fixed) this.offset = 0;
  }

  /** A publisher time (ms) on the media timeline as mapped so far, or undefined before the first frame. */
  peek(ms: number): number | undefined {
    return this.offset === undefined ? undefined : ms + this.offset;
  }

  /** A publisher time as peek maps it, unless it is a jump that map would fold away (then undefined). */
  peekSteady(ms: number): number | undefined {
    const o = this.peek(ms);
    return o !== undefined && this.latest !== undefined && Math.abs(o - this.latest) > PACKAGER_LIMITS.jumpMs ? undefined : o;
  }

  /** Maps a frame's time, folding a jump away; the media time returned never jumps. */
  map(ms: number): number {
    if (this.fixed) {
      if (this.latest === undefined || ms > this.latest) this.latest = ms;
      this.first ??= ms;
      return ms;
    }
    if (this.offset === undefined) this.offset = this.rebaseTarget - ms;
    let o = ms + this.offset;
    if (this.latest !== undefined && Math.abs(o - this.latest) > PACKAGER_LIMITS.jumpMs) {
      this.offset += this.latest - o;
      o = this.latest;
      this.jumps++;
    }
    if (this.latest === undefined || o > this.latest) this.latest = o;
    this.first ??= o;
    return o;
  }

  /** Media time mapped since the start or the last rebase (ms). */
  span(): number {
    return (this.latest ?? 0) - (this.first ?? 0);
  }

  /** The latest media time mapped since the last rebase, or undefined. */
  get last(): number | undefined {
    return this.latest;
  }

  /** A publisher returns: its first frame lands at `endMs` (rounded up), where what was sent so far ends. */
  rebase(endMs: number): void {
    this.rebaseTarget = Math.ceil(endMs);
    this.offset = this.fixed ? 0 : undefined;
    this.latest = undefined;
    this.first = undefined;
  }
}

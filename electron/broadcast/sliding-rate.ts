// The bitrate and frame rate a broadcast shows: counters sampled as they come (the engine sender's reports, ffmpeg's
// -progress) and read over the last BITRATE_WINDOW_MS, as OBS's status bar reads bytes sent over its last 2 s. A
// figure over one report's interval swings with every keyframe; an average since the start hides a stall. Pure.

/** How far back the shown bitrate and frame rate look. */
export const BITRATE_WINDOW_MS = 2000;

interface Sample {
  at: number;
  bytes: number;
  frames: number;
}

export class SlidingRate {
  private samples: Sample[] = [];

  constructor(private readonly windowMs = BITRATE_WINDOW_MS) {}

  /** Counters at `at` (ms): totals that only grow (a smaller one starts the window again). */
  push(at: number, bytes: number, frames: number): void {
    const last = this.samples.at(-1);
    if (last && (bytes < last.bytes || frames < last.frames || at < last.at)) this.samples = [];
    this.samples.push({ at, bytes, frames });
    // The oldest kept is the newest one at least a window old: the figures span the whole window once it has passed.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.windowMs) this.samples.shift();
  }

  /** kbit/s over the window; null until two samples span some time. */
  kbps(): number | null {
    const span = this.span();
    return span && Math.round((span.bytes * 8) / span.ms);
  }

  /** Frames a second over the window, to one decimal; null until two samples span some time. */
  fps(): number | null {
    const span = this.span();
    return span && Math.round((span.frames * 10000) / span.ms) / 10;
  }

  private span(): { ms: number; bytes: number; frames: number } | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at <= first.at) return null;
    return { ms: last.at - first.at, bytes: last.bytes - first.bytes, frames: last.frames - first.frames };
  }
}

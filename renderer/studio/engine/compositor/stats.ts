// Compose time per frame over the last few seconds, as the health display will show it (p50 and p95).
export interface ComposeStats {
  /** Frames drawn since the compositor started. */
  frames: number;
  p50Ms: number;
  p95Ms: number;
}

export class ComposeTimes {
  private readonly times: number[] = [];
  frames = 0;

  constructor(private readonly keep: number) {}

  add(ms: number): void {
    this.frames++;
    this.times.push(ms);
    if (this.times.length > this.keep) this.times.shift();
  }

  stats(): ComposeStats {
    const sorted = [...this.times].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
    return { frames: this.frames, p50Ms: at(0.5), p95Ms: at(0.95) };
  }
}

// What the encoder did, for the Studio's health line and for tests: frames in, encoded, dropped, and how long an
// encode takes (submit to output) as p50 / p95 over the last few seconds. Pure.

export interface EncodeStats {
  framesIn: number;
  encoded: number;
  dropped: number;
  /** Milliseconds from submitting a frame to its encoded chunk, over the last WINDOW frames. */
  encodeMsP50: number;
  encodeMsP95: number;
}

const WINDOW = 300;

export class EncodeCounters {
  framesIn = 0;
  encoded = 0;
  dropped = 0;
  private times: number[] = [];
  private next = 0;

  encodeTook(ms: number): void {
    this.encoded++;
    if (this.times.length < WINDOW) this.times.push(ms);
    else this.times[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
  }

  stats(): EncodeStats {
    const sorted = [...this.times].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
    const round = (x: number) => Math.round(x * 10) / 10;
    return { framesIn: this.framesIn, encoded: this.encoded, dropped: this.dropped, encodeMsP50: round(at(0.5)), encodeMsP95: round(at(0.95)) };
  }
}

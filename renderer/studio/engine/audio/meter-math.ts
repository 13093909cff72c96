// A meter's arithmetic, shared by the meter worklet (which feeds it 128-frame blocks) and the unit tests: peak and
// RMS per channel over a window, and a clip flag held for a while after the last clipped sample. Pure.
import { CLIP_HOLD_SECONDS, gainToDb } from './levels.js';

/** One meter report: levels in dBFS per channel (-Infinity for silence) and whether a clip is being held. */
export interface MeterReading {
  peakDb: number[];
  rmsDb: number[];
  clip: boolean;
  /**
   * A strip's peak per channel before its fader and mute, over the same window (the remote control's input peak,
   * as OBS reports it); absent on the mix's meters.
   */
  inputPeakDb?: number[];
}

/** A sample at or over this magnitude is a clip (full scale, with the float rounding of a 16-bit source). */
export const CLIP_LEVEL = 0.999;

export class MeterAccumulator {
  private peak: number[];
  private squares: number[];
  private frames = 0;
  /** Frames left for the clip light to stay on. */
  private clipLeft = 0;
  private readonly holdFrames: number;

  constructor(
    readonly channels: number,
    readonly windowFrames: number,
    sampleRate: number,
  ) {
    if (channels < 1 || windowFrames < 1) throw new RangeError('a meter needs a channel and a window');
    this.peak = new Array<number>(channels).fill(0);
    this.squares = new Array<number>(channels).fill(0);
    this.holdFrames = Math.round(CLIP_HOLD_SECONDS * sampleRate);
  }

  /**
   * Adds a block (one array per channel; a missing channel reads as silence). Returns a reading each time a window
   * fills, else null. Blocks need not divide the window: the report comes on the block that completes it.
   */
  push(block: ArrayLike<number>[]): MeterReading | null {
    const n = block[0]?.length ?? 0;
    let clipped = false;
    for (let c = 0; c < this.channels; c++) {
      const data = block[c];
      if (!data) continue;
      let peak = 0;
      let sq = this.squares[c];
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        const a = v < 0 ? -v : v;
        if (a > peak) peak = a;
        sq += v * v;
      }
      if (peak > this.peak[c]) this.peak[c] = peak;
      this.squares[c] = sq;
      if (peak >= CLIP_LEVEL) clipped = true;
    }
    this.clipLeft = clipped ? this.holdFrames : Math.max(0, this.clipLeft - n);
    this.frames += n;
    if (this.frames < this.windowFrames) return null;
    const reading: MeterReading = {
      peakDb: this.peak.map(gainToDb),
      rmsDb: this.squares.map((s) => gainToDb(Math.sqrt(s / this.frames))),
      clip: this.clipLeft > 0,
    };
    this.peak.fill(0);
    this.squares.fill(0);
    this.frames = 0;
    return reading;
  }
}

/** The loudest channel of a reading (what a strip's single number shows). */
export function loudest(values: number[]): number {
  return values.reduce((a, b) => Math.max(a, b), -Infinity);
}

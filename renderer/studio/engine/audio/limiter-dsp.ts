// The mix's limiter: a look-ahead peak limiter, so no sample leaves the mix above the ceiling. Pure (the limiter
// worklet runs it on 128-frame blocks; the unit tests run it on plain arrays).
//
// Why not a DynamicsCompressorNode: its ratio stops at 20:1 and Chromium adds make-up gain, so a +12 dB tone came out
// above -1 dBFS (measured: see engine/README.md). Here the gain for each sample is the smallest gain any sample in
// the look-ahead window needs (a sliding minimum), applied to the signal delayed by that window, so the gain has
// already come down when a peak reaches the output: the ceiling holds by construction. Release is exponential.

export interface LimiterOptions {
  sampleRate: number;
  channels: number;
  /** Linear ceiling (0.891 for -1 dBFS). */
  ceiling: number;
  /** Look-ahead, also the added latency. */
  lookaheadMs?: number;
  /** Time for the gain to recover most of the way (63 %) after a peak has passed. */
  releaseMs?: number;
}

export class LookaheadLimiter {
  readonly delayFrames: number;
  private readonly ceiling: number;
  private readonly releaseCoef: number;
  /** The delayed signal, per channel (ring buffers of delayFrames + 1). */
  private readonly delay: Float32Array[];
  /** Sliding-window minimum of the required gain: a monotonic queue of (gain, frame index). */
  private readonly qGain: Float32Array;
  private readonly qAt: Float64Array;
  private qHead = 0;
  private qLen = 0;
  private frame = 0;
  private gain = 1;
  /** The smallest gain applied since the last call of takeMinGain (for a gain-reduction display). */
  private minGain = 1;

  constructor(o: LimiterOptions) {
    if (!(o.ceiling > 0 && o.ceiling <= 1)) throw new RangeError('the limiter ceiling must be in (0, 1]');
    this.ceiling = o.ceiling;
    this.delayFrames = Math.max(1, Math.round(((o.lookaheadMs ?? 5) * o.sampleRate) / 1000));
    this.releaseCoef = Math.exp(-1 / (((o.releaseMs ?? 80) * o.sampleRate) / 1000));
    this.delay = Array.from({ length: o.channels }, () => new Float32Array(this.delayFrames + 1));
    this.qGain = new Float32Array(this.delayFrames + 1);
    this.qAt = new Float64Array(this.delayFrames + 1);
  }

  /**
   * Limits one block in place into `output` (same shape as `input`; a missing input channel is silence).
   * Output frame i is input frame i - delayFrames, times the gain.
   */
  process(input: ArrayLike<number>[], output: Float32Array[]): void {
    const n = output[0]?.length ?? 0;
    const size = this.delayFrames + 1;
    const cap = this.qGain.length;
    for (let i = 0; i < n; i++) {
      // The gain this frame needs.
      let a = 0;
      for (let c = 0; c < this.delay.length; c++) {
        const v = input[c]?.[i] ?? 0;
        const m = v < 0 ? -v : v;
        if (m > a) a = m;
      }
      const need = a > this.ceiling ? this.ceiling / a : 1;
      // Sliding minimum over the last delayFrames + 1 frames (the one leaving the delay line included).
      while (this.qLen > 0 && this.qGain[(this.qHead + this.qLen - 1) % cap] >= need) this.qLen--;
      this.qGain[(this.qHead + this.qLen) % cap] = need;
      this.qAt[(this.qHead + this.qLen) % cap] = this.frame;
      this.qLen++;
      while (this.qAt[this.qHead] <= this.frame - size) {
        this.qHead = (this.qHead + 1) % cap;
        this.qLen--;
      }
      const floor = this.qGain[this.qHead];
      const released = 1 - (1 - this.gain) * this.releaseCoef;
      this.gain = Math.min(floor, released);
      if (this.gain < this.minGain) this.minGain = this.gain;
      const slot = this.frame % size;
      const out = (this.frame + 1) % size; // the oldest frame: delayFrames ago
      for (let c = 0; c < this.delay.length; c++) {
        const line = this.delay[c];
        line[slot] = input[c]?.[i] ?? 0;
        const o = output[c];
        if (o) o[i] = line[out] * this.gain;
      }
      this.frame++;
    }
  }

  /** The deepest gain reduction since the last call, as a linear gain (1 = none). */
  takeMinGain(): number {
    const g = this.minGain;
    this.minGain = this.gain;
    return g;
  }
}

// RTMP timestamps are 32-bit milliseconds that wrap after about 49.7 days; media time must keep growing past that.

export const TWO32 = 0x1_0000_0000;

/** Unwraps one 32-bit timestamp sequence into milliseconds that keep growing past 2^32. */
export class TimestampUnwrapper {
  private last = -1;
  private epoch = 0;
  unwrap(ts32: number): number {
    if (this.last < 0) {
      this.last = ts32;
      return ts32;
    }
    if (ts32 < this.last && this.last - ts32 > TWO32 / 2) {
      this.epoch += TWO32;
      this.last = ts32;
      return this.epoch + ts32;
    }
    if (ts32 > this.last && ts32 - this.last > TWO32 / 2) {
      // A late message from before the wrap.
      return Math.max(0, this.epoch - TWO32) + ts32;
    }
    this.last = ts32;
    return this.epoch + ts32;
  }

  /** What unwrap(ts32) would answer, without remembering it. */
  peek(ts32: number): number {
    if (this.last < 0) return ts32;
    if (ts32 < this.last && this.last - ts32 > TWO32 / 2) return this.epoch + TWO32 + ts32;
    if (ts32 > this.last && ts32 - this.last > TWO32 / 2) return Math.max(0, this.epoch - TWO32) + ts32;
    return this.epoch + ts32;
  }
}

// The segments of a stream as a few numbers each, in columns: kept for the whole stream (the replay's playlists
// are rendered from it), so a long stream costs bytes per segment, not objects.

import type { PlaylistSegment } from './hls-playlist.js';

/** Append-only columnar segment list: a few numbers per segment, kept for the whole stream (the VOD playlist). */
export class SegmentList {
  length = 0;
  private start = new Float64Array(64);
  private duration = new Float64Array(64);
  private pdt = new Float64Array(64);
  private bytes = new Float64Array(64);
  private init = new Uint32Array(64);
  /** Bit 0: discontinuity; bit 1: gap (no media in the segment). */
  private disc = new Uint8Array(64);
  /** Segment number N (file name) when the list skips some (a track missing from a part of the stream). */
  private num = new Uint32Array(64);
  totalTicks = 0;
  totalBytes = 0;

  push(start: number, duration: number, pdt: number, bytes: number, init: number, disc: boolean, num = this.length, gap = false): number {
    if (this.length === this.start.length) this.grow();
    const i = this.length++;
    this.start[i] = start;
    this.duration[i] = duration;
    this.pdt[i] = pdt;
    this.bytes[i] = bytes;
    this.init[i] = init;
    this.disc[i] = (disc ? 1 : 0) | (gap ? 2 : 0);
    this.num[i] = num;
    this.totalTicks += duration;
    this.totalBytes += bytes;
    return i;
  }

  private grow(): void {
    const n = this.start.length * 2;
    const g = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.start = g(this.start, (k) => new Float64Array(k));
    this.duration = g(this.duration, (k) => new Float64Array(k));
    this.pdt = g(this.pdt, (k) => new Float64Array(k));
    this.bytes = g(this.bytes, (k) => new Float64Array(k));
    this.init = g(this.init, (k) => new Uint32Array(k));
    this.disc = g(this.disc, (k) => new Uint8Array(k));
    this.num = g(this.num, (k) => new Uint32Array(k));
  }

  /** Segments [from, to) as plain objects (seq === index). */
  view(from: number, to: number): PlaylistSegment[] {
    const out: PlaylistSegment[] = [];
    for (let i = Math.max(0, from); i < to; i++) {
      const s: PlaylistSegment = {
        seq: i,
        start: this.start[i],
        duration: this.duration[i],
        programDateTime: this.pdt[i],
        discontinuity: (this.disc[i] & 1) === 1,
        init: this.init[i],
      };
      if (this.num[i] !== i) s.number = this.num[i];
      if (this.disc[i] & 2) s.gap = true;
      out.push(s);
    }
    return out;
  }

  discontinuitiesBefore(i: number): number {
    let n = 0;
    for (let k = 0; k < i; k++) n += this.disc[k] & 1;
    return n;
  }

  numberAt(i: number): number {
    return this.num[i];
  }

  /** Index of the first entry whose segment number is >= n (entries are in increasing number order). */
  indexOfNumber(n: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.num[mid] < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  startAt(i: number): number {
    return this.start[i];
  }

  discAt(i: number): boolean {
    return (this.disc[i] & 1) === 1;
  }

  /** Index of the last entry whose start is <= t, or -1 (starts increase). */
  lastStartingBy(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.start[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  initAt(i: number): number {
    return this.init[i];
  }

  pdtAt(i: number): number {
    return this.pdt[i];
  }

  durationAt(i: number): number {
    return this.duration[i];
  }
}

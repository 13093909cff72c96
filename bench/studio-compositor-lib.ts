// Pure helpers of bench/studio-compositor.ts (tested in bench/studio-compositor.test.ts): frames counted in the
// server's fMP4 segments, the spread of a figure over runs and its verdict by the worst run, and the glass-to-glass
// pairing of a flash switched on at a known time with the moment a player first shows it.

/**
 * Samples (frames) in an fMP4 media segment: the sum of sample_count over every `trun` of every `traf` of every
 * `moof` (an LL-HLS segment is several fragments, one per part). Boxes it does not know are skipped.
 */
export function countFmp4Samples(buf: Uint8Array): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const type = (at: number) => String.fromCharCode(buf[at + 4]!, buf[at + 5]!, buf[at + 6]!, buf[at + 7]!);
  let count = 0;
  const walk = (start: number, end: number, depth: number) => {
    let p = start;
    while (p + 8 <= end) {
      let size = view.getUint32(p);
      let header = 8;
      if (size === 1) {
        if (p + 16 > end) return;
        size = Number(view.getBigUint64(p + 8));
        header = 16;
      } else if (size === 0) size = end - p;
      if (size < header || p + size > end) return;
      const t = type(p);
      if ((t === 'moof' || t === 'traf') && depth < 3) walk(p + header, p + size, depth + 1);
      // trun: version/flags (4 bytes), then sample_count (4 bytes).
      else if (t === 'trun' && size >= header + 8) count += view.getUint32(p + header + 4);
      p += size;
    }
  };
  walk(0, buf.byteLength, 0);
  return count;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
  runs: number;
}

/** min / median / max of the runs' values (NaN ones, a run that did not measure it, left out); null when none. */
export function spread(values: Array<number | null | undefined>): Spread | null {
  const xs = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!xs.length) return null;
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { min: xs[0]!, median, max: xs[xs.length - 1]!, runs: xs.length };
}

/** "min / median / max" of the runs' values to `digits` decimals (the median in bold for a table's eye), "n/a" when none. */
export function spreadText(values: Array<number | null | undefined>, digits: number, boldMedian = false): string {
  const s = spread(values);
  if (!s) return 'n/a';
  const median = s.median.toFixed(digits);
  return `${s.min.toFixed(digits)} / ${boldMedian ? `**${median}**` : median} / ${s.max.toFixed(digits)}`;
}

/**
 * Met when the worst run meets the target: for an upper bound (`max`) the largest value, for a lower bound (`min`)
 * the smallest. null (not judged) when no run measured it.
 */
export function judge(s: Spread | null, target: { max?: number; min?: number }): boolean | null {
  if (!s) return null;
  if (target.max !== undefined && s.max > target.max) return false;
  if (target.min !== undefined && s.min < target.min) return false;
  return true;
}

/**
 * Glass-to-glass per flash: `switches` are the wall-clock times (ms) a flash layer was switched on (`on` true) or
 * off, in order, alternating; `seen` the wall-clock times a player's presented frame first showed the flash (`on`
 * true) or no longer showed it. Each state lasts far longer than a frame, so a player that presents frames without
 * skipping sees every switch as one change, in order: the k-th change seen after the first switch is the k-th
 * switch (pairing by time alone is ambiguous once the latency exceeds the time between switches). Pairing stops at
 * the first change that does not fit (the other state, or earlier than its switch); the rest count as missed.
 */
export function pairFlashes(
  switches: Array<{ at: number; on: boolean }>,
  seen: Array<{ at: number; on: boolean }>,
): { latenciesMs: number[]; missed: number } {
  const after = seen.filter((c) => switches.length > 0 && c.at >= switches[0]!.at);
  const latenciesMs: number[] = [];
  for (let k = 0; k < switches.length && k < after.length; k++) {
    const s = switches[k]!;
    const c = after[k]!;
    if (c.on !== s.on || c.at < s.at) break;
    latenciesMs.push(c.at - s.at);
  }
  return { latenciesMs, missed: switches.length - latenciesMs.length };
}

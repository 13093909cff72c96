// Sync offsets -> delays. A positive offset delays that strip; a negative one means the strip is late compared with
// the rest (a camera's sound ahead of its picture is fixed by delaying the others), so every other strip is delayed
// instead. No delay can be negative, so the most negative offset becomes zero. Pure.
import { OFFSET_MAX_MS } from './levels.js';

/** The longest delay any strip can get: +OFFSET_MAX_MS on one strip and -OFFSET_MAX_MS on another. */
export const MAX_DELAY_SECONDS = (2 * OFFSET_MAX_MS) / 1000;

/** Delay in seconds for each strip id, from each strip's offset in milliseconds (±OFFSET_MAX_MS). */
export function delaysFor(offsetsMs: ReadonlyMap<string, number>): Map<string, number> {
  let earliest = 0;
  for (const ms of offsetsMs.values()) earliest = Math.min(earliest, ms);
  const out = new Map<string, number>();
  for (const [id, ms] of offsetsMs) out.set(id, (ms - earliest) / 1000);
  return out;
}

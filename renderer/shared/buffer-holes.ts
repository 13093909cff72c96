// Holes in what a player has buffered. hls.js jumps a hole where the part or fragment it tracks at the playhead was
// appended short; a hole it did not make that way (one track's part missing at the live edge, seen under load on
// CI as 0.2 s with media buffered after it) leaves the video waiting for data that will not come. The player then
// jumps it, as a viewer would expect of a live stream rather than a spinner.

/** A hole this long at most is jumped: a part or two, never a skip the viewer would notice as lost content. */
export const MAX_HOLE_SECONDS = 1;
/** How long the video waits at a hole before it is jumped: hls.js's own jumps and late appends come first. */
export const HOLE_WAIT_MS = 1000;

/**
 * Where playback should go on from when it waits at `time`: the start of the next buffered range, when `time` is
 * not buffered and that range begins at most MAX_HOLE_SECONDS ahead; otherwise null (nothing to jump to).
 */
export function holeEnd(buffered: TimeRanges, time: number): number | null {
  for (let i = 0; i < buffered.length; i++) {
    if (buffered.start(i) <= time && time < buffered.end(i) - 0.05) return null; // buffered here: not a hole
    const start = buffered.start(i);
    if (start > time) return start - time <= MAX_HOLE_SECONDS ? start : null;
  }
  return null;
}

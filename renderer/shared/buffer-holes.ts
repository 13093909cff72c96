// Holes in what a player has buffered. hls.js jumps a hole where the part or fragment it tracks at the playhead was
// appended short; a hole it did not make that way (one track's part never loaded, seen under load on CI as 0.2 s
// with media buffered after it) leaves the video waiting for data that will not come. The player then jumps it, as
// a viewer would expect of a live stream rather than a spinner. Most such holes were the first audio part of a
// segment, which hls.js skipped while the server's program dates were arrival times (bench/results/ll-holes-
// 2026-12-06.md); a player starved of CPU in its first seconds still makes some.
//
// The end of a stream can leave the video waiting too: hls.js marks the end of a Low-Latency stream only once the
// middle of its last part is buffered in every track, so a stream whose sound stops before its picture (by even
// 0.04 s, with a short last part) never ends, and the video waits at the end of its sound. The player then ends the
// stream itself once nothing more arrives (`atStreamEnd`), but only within a second of the playlist's end: media
// missing further back is a loss to show (the stall rule's ended card), not an end to play over. It ends it once
// the playlist it read says the stream ended, or once the page says so (it heard the channel go off the air, which
// may come before the final playlist reaches the player).

/** A hole this long at most is jumped: a part or two, never a skip the viewer would notice as lost content. */
export const MAX_HOLE_SECONDS = 1;
/** How long the video waits at a hole before it is jumped: hls.js's own jumps and late appends come first. */
export const HOLE_WAIT_MS = 1000;

/**
 * Within this of the end of what is buffered, a waiting video is at its end, or at the hole after it: Chromium stops
 * short of the end of a track (waiting at 15.33 s with 15.42 s buffered, 24.39 with 24.43, 10.53 with 10.61).
 */
export const END_SLACK_SECONDS = 0.3;

/**
 * Where playback should go on from when it waits at `time`: the start of the next buffered range, when `time` is
 * not buffered and that range begins at most MAX_HOLE_SECONDS ahead; otherwise null (nothing to jump to).
 */
export function holeEnd(buffered: TimeRanges, time: number): number | null {
  for (let i = 0; i < buffered.length; i++) {
    // Buffered here, more than Chromium's stop-short ahead: not a hole. Within it, the video waits at the hole just
    // as if it were there (CI: waiting at 10.53 with 10.61 buffered, then a 0.21 s hole).
    if (buffered.start(i) <= time && time < buffered.end(i) - END_SLACK_SECONDS) return null;
    const start = buffered.start(i);
    if (start > time) return start - time <= MAX_HOLE_SECONDS ? start : null;
  }
  return null;
}

/** A track may end this much before the stream's duration (sound stopped before the picture). */
export const END_GAP_SECONDS = 1;

/**
 * True when the video waits at the end of an ended stream: nothing buffered past `time` + END_SLACK_SECONDS, and
 * that is within END_GAP_SECONDS of `duration` (the playlist's end).
 */
export function atStreamEnd(buffered: TimeRanges, time: number, duration: number): boolean {
  for (let i = 0; i < buffered.length; i++) if (buffered.end(i) > time + END_SLACK_SECONDS) return false;
  return duration - time <= END_GAP_SECONDS + END_SLACK_SECONDS;
}

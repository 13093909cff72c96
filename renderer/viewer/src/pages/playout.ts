// How long a stream that ended keeps playing on the watch page: what the viewer has not seen yet, not a spinner.

/**
 * A stream that ended keeps playing what the viewer has not seen yet (the server's playlists end with ENDLIST and
 * the player plays to the end), at most this long: then the ended card shows whatever the player is doing.
 */
export const PLAYOUT_LIMIT_MS = 30_000;
/**
 * While playing out, a player that waits this long with no media arriving has reached the end: the server has nothing
 * more to give (its playlist ended), and a player that stalls a little before the last frame must not leave a spinner
 * up. Media still arriving (a slow connection, a busy machine) restarts the count: that viewer has more to see.
 */
export const PLAYOUT_STALL_MS = 4000;

/** Whether a player waiting since `waitingSince` (ms), last given media at `lastProgress`, is done playing out. */
export function playoutStalled(now: number, waitingSince: number, lastProgress: number, stallMs = PLAYOUT_STALL_MS): boolean {
  return now - Math.max(waitingSince, lastProgress) >= stallMs;
}

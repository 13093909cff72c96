// hls.js catches a low-latency viewer up by playing faster only while it is within one target duration of its target
// latency; further behind, it takes the position for the viewer's choice (as a seek back would be) and leaves it
// there. A viewer who never paused or sought gets that far behind only by a slow start or a long stall, and would
// stay there for the rest of the stream, seconds behind the chat. Such a viewer is moved to the live position, at
// most once every JUMP_COOLDOWN_MS; a viewer who paused or sought is left where they chose, until they ask for live.

/** Two jumps at least this far apart: a machine that cannot keep up is not sent seeking in a loop. */
export const JUMP_COOLDOWN_MS = 10_000;

export interface LivePosition {
  /** Milliseconds, monotonic. */
  now: number;
  currentTime: number;
  /** hls.js's live sync position: the live edge less its target latency (null before it knows). */
  syncPosition: number | null;
  /** hls.js's target latency, seconds (PART-HOLD-BACK in low-latency mode). */
  targetLatency: number | null;
  /** The playlist's EXT-X-TARGETDURATION, seconds. */
  targetDuration: number | null;
  paused: boolean;
  seeking: boolean;
  buffered: TimeRanges;
}

export class LiveJoin {
  private chosen = false;
  private lastJumpAt = -Infinity;

  /** The viewer paused after playing, or sought: where they are is their choice from now on. */
  viewerMoved(): void {
    this.chosen = true;
  }

  /** The viewer asked for live ("Go to live", or play after a pause, which goes live). */
  backToLive(): void {
    this.chosen = false;
  }

  /** Where to seek now to join the live position, or null to leave playback as it is. */
  jumpTo(p: LivePosition): number | null {
    if (this.chosen || p.paused || p.seeking) return null;
    if (p.syncPosition === null || p.targetLatency === null || !p.targetDuration) return null;
    // Within this, hls.js plays faster until it is there (LIVE_CATCH_UP_RATE): no jump.
    if (p.syncPosition - p.currentTime < p.targetLatency + p.targetDuration) return null;
    // Only onto media already there: a jump while the first media is still on its way would land on nothing, and use
    // up the cooldown before the position it has to leave is even known.
    if (!holds(p.buffered, p.syncPosition)) return null;
    if (p.now - this.lastJumpAt < JUMP_COOLDOWN_MS) return null;
    this.lastJumpAt = p.now;
    return p.syncPosition;
  }
}

function holds(buffered: TimeRanges, time: number): boolean {
  for (let i = 0; i < buffered.length; i++) if (buffered.start(i) <= time && time < buffered.end(i)) return true;
  return false;
}

// Follows a video element's own events for the Player: its state (playing, paused, waiting, ended), the volume, the
// time and the live latency; and, while it plays, two things it should not have to wait for: a hole in what is
// buffered or the end of an ended stream (buffer-holes.ts), and a live join left too far behind (live-join.ts).
// No React here: Player.tsx calls it from an effect and calls the returned function on cleanup.
import { atStreamEnd, HOLE_WAIT_MS, holeEnd } from './buffer-holes.js';
import type { LiveJoin } from './live-join.js';
import type { PlayerState } from './player-engine.js';
import type { AttachedSource } from './player-source.js';

export interface PlayerTime {
  current: number;
  duration: number;
  /** Seconds behind the live position (0 for a replay). */
  behind: number;
  /** Seconds between the streamer and the picture, by the playlist's program dates; null where unknown. */
  latency: number | null;
}

export interface ElementEvents {
  state(s: PlayerState): void;
  progress(): void;
  volume(muted: boolean, volume: number): void;
  time(t: PlayerTime): void;
  /** The source attached now (it changes on a retry). */
  source(): AttachedSource | null;
  liveJoin(): LiveJoin;
  /** Whether the page knows the stream has ended (PlayerProps.ended). */
  streamEnded(): boolean;
}

export function followElement(video: HTMLVideoElement, live: boolean, on: ElementEvents): () => void {
  let holeTimer: ReturnType<typeof setTimeout> | undefined;
  const onPlaying = () => {
    clearTimeout(holeTimer);
    on.state('playing');
  };
  const onPause = () => {
    clearTimeout(holeTimer);
    on.state(video.ended ? 'ended' : 'paused');
    if (!video.ended && video.played.length > 0) on.liveJoin().viewerMoved();
  };
  const onWaiting = () => {
    on.state('buffering');
    // Still waiting a moment later with media buffered just after a hole: go on past it; waiting at the end of an
    // ended stream: end it (buffer-holes.ts). Looked at again while it waits, as media may arrive past the hole
    // later; ends with playing, pause or unmount.
    const look = () => {
      if (video.paused) return;
      // Enough data at the playhead: it is about to play (then 'playing' ends the looking), or not, and then looking
      // again is what finds the hole it waits at after all.
      if (video.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) {
        const to = holeEnd(video.buffered, video.currentTime);
        if (to !== null) {
          video.currentTime = to + 0.01;
          return;
        }
        if (atStreamEnd(video.buffered, video.currentTime, video.duration)) on.source()?.endEndedStream(on.streamEnded());
      }
      holeTimer = setTimeout(look, HOLE_WAIT_MS);
    };
    clearTimeout(holeTimer);
    holeTimer = setTimeout(look, HOLE_WAIT_MS);
  };
  const onEnded = () => on.state('ended');
  // The platform player's own loading (Safari); hls.js reports its appends through the source.
  const onMediaProgress = () => on.progress();
  const onVolume = () => on.volume(video.muted, video.volume);
  const onTime = () => {
    const hls = live ? (on.source()?.hls() ?? null) : null;
    const seekable = video.seekable;
    const edge = live && seekable.length ? seekable.end(seekable.length - 1) : 0;
    const liveSync = hls?.liveSyncPosition ?? null;
    const target = liveSync ?? edge;
    // Latency as a viewer feels it: now against the playhead's EXT-X-PROGRAM-DATE-TIME (the server's clock).
    const playingDate = hls?.playingDate;
    on.time({
      current: video.currentTime,
      duration: video.duration,
      behind: live && target ? Math.max(0, target - video.currentTime) : 0,
      latency: playingDate ? Math.max(0, (Date.now() - playingDate.getTime()) / 1000) : null,
    });
    const join = hls
      ? on.liveJoin().jumpTo({
          now: performance.now(),
          currentTime: video.currentTime,
          syncPosition: liveSync,
          targetLatency: hls.targetLatency,
          targetDuration: hls.latestLevelDetails?.targetduration ?? null,
          paused: video.paused,
          seeking: video.seeking,
          buffered: video.buffered,
        })
      : null;
    if (join !== null) video.currentTime = join;
  };
  const listeners: [string, () => void][] = [
    ['playing', onPlaying],
    ['pause', onPause],
    ['waiting', onWaiting],
    ['ended', onEnded],
    ['progress', onMediaProgress],
    ['volumechange', onVolume],
    ['timeupdate', onTime],
    ['durationchange', onTime],
  ];
  for (const [name, fn] of listeners) video.addEventListener(name, fn);
  return () => {
    clearTimeout(holeTimer);
    for (const [name, fn] of listeners) video.removeEventListener(name, fn);
  };
}

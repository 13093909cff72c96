// The video player shared by the viewer app and Onair Studio's preview: HLS through hls.js (Media Source
// Extensions), or the browser's own HLS where that is the platform player (Safari, iOS). Live badge, volume,
// fullscreen, and error states in plain words.
import { useCallback, useEffect, useRef, useState } from 'react';
import type HlsType from 'hls.js';
import { atStreamEnd, HOLE_WAIT_MS, holeEnd } from './buffer-holes.js';
import { LiveJoin } from './live-join.js';
import { chooseEngine, hlsErrorToPlayerError, type PlayerEngine, type PlayerError, type PlayerState } from './player-engine.js';
import { formatTime, Icon } from './player-icons.js';
import './player.css';

export type { PlayerEngine, PlayerError, PlayerState } from './player-engine.js';

export interface PlayerProps {
  /** An HLS playlist (live or replay). */
  src: string;
  live: boolean;
  /** Shown to screen readers as the player's name. */
  label?: string;
  poster?: string;
  autoPlay?: boolean;
  /** Start without sound (the Studio's monitor: the streamer's own microphone must not hear the stream). */
  startMuted?: boolean;
  /** Force an engine (tests, troubleshooting); by default the best for this browser. */
  engine?: 'auto' | PlayerEngine;
  onError?(err: PlayerError): void;
  onStateChange?(state: PlayerState): void;
  /** Media reached the buffer (a segment or part appended): a waiting player that gets this is not stuck. */
  onProgress?(): void;
}

/** The fastest playback rate used to catch up with the live edge (a gentle speed-up, not a jump). */
const LIVE_CATCH_UP_RATE = 1.5;
/** Behind the live edge by more than this, the badge offers "Go live". */
const BEHIND_LIVE_SECONDS = 8;
/** Fatal network errors retried before showing an error. */
const NETWORK_RETRIES = 4;
/** A live playlist that is not there yet (the stream is starting) is asked for again this often, this many times. */
const MANIFEST_RETRIES = 12;
const MANIFEST_RETRY_MS = 1500;
/** Controls shown by a tap hide again after this long while the video plays. */
const TOUCH_CONTROLS_MS = 3500;

/**
 * Who shows the controls. auto: the mouse (shown while it hovers, as desktop players do); shown / hidden: a tap on
 * the picture toggles them, as phone players do (a tap must never pause: the controls it shows have the button).
 */
type ControlsMode = 'auto' | 'shown' | 'hidden';

export function Player({
  src,
  live,
  label = 'Video player',
  poster,
  autoPlay = true,
  startMuted = false,
  engine: enginePref = 'auto',
  onError,
  onStateChange,
  onProgress,
}: PlayerProps) {
  const rootRef = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<HlsType | null>(null);
  const liveJoin = useRef(new LiveJoin());
  const [state, setStateRaw] = useState<PlayerState>('loading');
  const stateRef = useRef<PlayerState>('loading');
  const [controls, setControls] = useState<ControlsMode>('auto');
  const controlsTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  /** The kind of the last pointer pressed on the player: a click from a touch is a tap. */
  const lastPointer = useRef<string>('mouse');
  const [error, setError] = useState<PlayerError | null>(null);
  const [engine, setEngine] = useState<PlayerEngine | null>(null);
  const [muted, setMuted] = useState(startMuted);
  const [volume, setVolume] = useState(1);
  const [needsUnmute, setNeedsUnmute] = useState(false);
  const [fullscreen, setFullscreen] = useState(false);
  const [time, setTime] = useState({ current: 0, duration: 0, behind: 0, latency: null as number | null });
  const [attempt, setAttempt] = useState(0);
  const manifestRetries = useRef(0);
  /** Ends the stream for hls.js when its playlist has ended and nothing has arrived for a while (buffer-holes.ts). */
  const endEndedStream = useRef<() => void>(() => {});
  const cbs = useRef({ onError, onStateChange, onProgress });
  cbs.current = { onError, onStateChange, onProgress };

  // The callback runs here, not inside a state updater: the parent may set its own state from it.
  const setState = useCallback((s: PlayerState) => {
    if (stateRef.current === s) return;
    stateRef.current = s;
    setStateRaw(s);
    cbs.current.onStateChange?.(s);
  }, []);

  const fail = useCallback(
    (e: PlayerError) => {
      setError(e);
      setState('error');
      cbs.current.onError?.(e);
    },
    [setState],
  );

  const tryPlay = useCallback(async () => {
    const video = videoRef.current;
    if (!video) return;
    try {
      await video.play();
    } catch (err) {
      if ((err as DOMException)?.name === 'NotAllowedError' && !video.muted) {
        // Browsers refuse sound before the visitor has interacted with the page: start muted and offer sound.
        video.muted = true;
        setMuted(true);
        setNeedsUnmute(true);
        try {
          await video.play();
        } catch {
          setState('paused');
        }
      } else if ((err as DOMException)?.name !== 'AbortError') {
        setState('paused');
      }
    }
  }, [setState]);

  // Attach the source.
  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    let cancelled = false;
    setError(null);
    setState('loading');
    const chosen = chooseEngine(video, enginePref);
    setEngine(chosen);
    if (!chosen) {
      fail({
        code: 'unsupported',
        message:
          'This browser cannot play live video: it has neither HLS playback nor Media Source Extensions with H.264/AAC. Try a current Chrome, Firefox, Edge or Safari.',
      });
      return;
    }
    if (chosen === 'native') {
      video.src = src;
      if (autoPlay) void tryPlay();
      const onNativeError = () => {
        const code = video.error?.code;
        if (code === 4)
          fail({
            code: live ? 'offline' : 'unsupported',
            message: live ? 'This stream is not on air right now.' : 'This browser cannot play this video.',
          });
        else if (code === 2) fail({ code: 'network', message: 'Lost the connection to the stream.' });
        else fail({ code: 'media', message: 'The video could not be decoded.' });
      };
      video.addEventListener('error', onNativeError);
      return () => {
        cancelled = true;
        video.removeEventListener('error', onNativeError);
        video.removeAttribute('src');
        video.load();
      };
    }
    let retries = 0;
    let mediaRecoveries = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    void import('hls.js').then(
      ({ default: Hls }) => {
        if (cancelled) return;
        const hls = new Hls({
          enableWorker: true,
          // Low-Latency HLS when the playlist offers parts (hls.js then holds PART-HOLD-BACK behind the edge); a classic
          // playlist keeps hls.js's default of three segments. Setting liveSyncDuration(Count) here would override
          // PART-HOLD-BACK, so neither is set (nor liveMaxLatencyDurationCount, which hls.js refuses without them).
          // A little behind the target it catches up by playing up to 1.5x; further behind, where hls.js would leave it,
          // a viewer who did not pause or seek is moved to the live position (live-join.ts).
          lowLatencyMode: live,
          maxLiveSyncPlaybackRate: live ? LIVE_CATCH_UP_RATE : 1,
          backBufferLength: live ? 30 : 90,
          manifestLoadingMaxRetry: 2,
          levelLoadingMaxRetry: 4,
          fragLoadingMaxRetry: 4,
        });
        hlsRef.current = hls;
        liveJoin.current = new LiveJoin();
        hls.on(Hls.Events.ERROR, (_evt, data) => {
          if (!data.fatal) return;
          const known = hlsErrorToPlayerError(data);
          if (known && known.code !== 'offline') {
            fail(known);
            hls.destroy();
            return;
          }
          const manifestFailed =
            data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR ||
            data.details === Hls.ErrorDetails.MANIFEST_LOAD_TIMEOUT ||
            data.details === Hls.ErrorDetails.MANIFEST_PARSING_ERROR;
          if (manifestFailed) {
            // No playlist yet: a stream that has just started has no segment for a second or two. hls.js cannot
            // reload a manifest it never got, so start over with a fresh instance, a bounded number of times.
            hls.destroy();
            if (live && manifestRetries.current < MANIFEST_RETRIES) {
              manifestRetries.current++;
              setState('loading');
              retryTimer = setTimeout(() => setAttempt((a) => a + 1), MANIFEST_RETRY_MS);
              return;
            }
            fail(known ?? { code: 'network', message: 'Could not load the stream. Check your connection and press Retry.' });
            return;
          }
          if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
            if (retries++ < NETWORK_RETRIES) {
              setState('buffering');
              retryTimer = setTimeout(() => hls.startLoad(), 1000 * retries);
              return;
            }
            fail(known ?? { code: 'network', message: 'Lost the connection to the stream. Check your connection and press Retry.' });
            hls.destroy();
            return;
          }
          if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
            mediaRecoveries++;
            if (mediaRecoveries === 1) return hls.recoverMediaError();
            if (mediaRecoveries === 2) {
              hls.swapAudioCodec();
              return hls.recoverMediaError();
            }
            fail({ code: 'media', message: 'The video could not be decoded in this browser.' });
            hls.destroy();
            return;
          }
          fail({ code: 'media', message: `Playback stopped (${data.details}).` });
          hls.destroy();
        });
        hls.on(Hls.Events.FRAG_LOADED, () => {
          retries = 0;
        });
        let lastAppend = Date.now();
        hls.on(Hls.Events.FRAG_BUFFERED, () => {
          lastAppend = Date.now();
          cbs.current.onProgress?.();
        });
        endEndedStream.current = () => {
          if (hls.latestLevelDetails?.live === false && Date.now() - lastAppend >= HOLE_WAIT_MS) hls.trigger(Hls.Events.BUFFER_EOS, { type: null });
        };
        hls.on(Hls.Events.MANIFEST_PARSED, () => {
          manifestRetries.current = 0;
          if (autoPlay) void tryPlay();
        });
        hls.loadSource(src);
        hls.attachMedia(video);
      },
      () => {
        if (!cancelled) fail({ code: 'network', message: 'Could not load the player. Check your connection and reload the page.' });
      },
    );
    return () => {
      cancelled = true;
      clearTimeout(retryTimer);
      hlsRef.current?.destroy();
      hlsRef.current = null;
      endEndedStream.current = () => {};
    };
  }, [src, live, enginePref, autoPlay, attempt, fail, setState, tryPlay]);

  // Follow the element's own state.
  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    let holeTimer: ReturnType<typeof setTimeout> | undefined;
    const onPlaying = () => {
      clearTimeout(holeTimer);
      setState('playing');
    };
    const onPause = () => {
      clearTimeout(holeTimer);
      setState(video.ended ? 'ended' : 'paused');
      if (!video.ended && video.played.length > 0) liveJoin.current.viewerMoved();
    };
    const onWaiting = () => {
      setState('buffering');
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
          if (atStreamEnd(video.buffered, video.currentTime, video.duration)) endEndedStream.current();
        }
        holeTimer = setTimeout(look, HOLE_WAIT_MS);
      };
      clearTimeout(holeTimer);
      holeTimer = setTimeout(look, HOLE_WAIT_MS);
    };
    const onEnded = () => setState('ended');
    // The platform player's own loading (Safari); hls.js reports its appends above.
    const onMediaProgress = () => cbs.current.onProgress?.();
    const onVolume = () => {
      setMuted(video.muted);
      setVolume(video.volume);
      if (!video.muted) setNeedsUnmute(false);
    };
    const onTime = () => {
      const seekable = video.seekable;
      const edge = live && seekable.length ? seekable.end(seekable.length - 1) : 0;
      const liveSync = hlsRef.current?.liveSyncPosition ?? null;
      const target = liveSync ?? edge;
      // Latency as a viewer feels it: now against the playhead's EXT-X-PROGRAM-DATE-TIME (the server's clock).
      const playing = live ? hlsRef.current?.playingDate : null;
      const latency = playing ? Math.max(0, (Date.now() - playing.getTime()) / 1000) : null;
      setTime({
        current: video.currentTime,
        duration: video.duration,
        behind: live && target ? Math.max(0, target - video.currentTime) : 0,
        latency,
      });
      const hls = live ? hlsRef.current : null;
      const join = hls
        ? liveJoin.current.jumpTo({
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
    video.addEventListener('playing', onPlaying);
    video.addEventListener('pause', onPause);
    video.addEventListener('waiting', onWaiting);
    video.addEventListener('ended', onEnded);
    video.addEventListener('progress', onMediaProgress);
    video.addEventListener('volumechange', onVolume);
    video.addEventListener('timeupdate', onTime);
    video.addEventListener('durationchange', onTime);
    return () => {
      clearTimeout(holeTimer);
      video.removeEventListener('playing', onPlaying);
      video.removeEventListener('pause', onPause);
      video.removeEventListener('waiting', onWaiting);
      video.removeEventListener('progress', onMediaProgress);
      video.removeEventListener('ended', onEnded);
      video.removeEventListener('volumechange', onVolume);
      video.removeEventListener('timeupdate', onTime);
      video.removeEventListener('durationchange', onTime);
    };
  }, [live, setState]);

  useEffect(() => {
    const onFs = () => setFullscreen(document.fullscreenElement === rootRef.current);
    document.addEventListener('fullscreenchange', onFs);
    return () => document.removeEventListener('fullscreenchange', onFs);
  }, []);

  const togglePlay = () => {
    const video = videoRef.current;
    if (!video) return;
    if (video.paused) {
      if (live) goLive();
      void tryPlay();
    } else video.pause();
  };
  /** Shows the controls after a touch, and hides them again a while later if the video is playing by then. */
  const showTouchControls = () => {
    clearTimeout(controlsTimer.current);
    setControls('shown');
    controlsTimer.current = setTimeout(() => {
      if (stateRef.current === 'playing' || stateRef.current === 'buffering') setControls('hidden');
    }, TOUCH_CONTROLS_MS);
  };
  const onPictureClick = () => {
    if (lastPointer.current === 'mouse') return togglePlay();
    if (controls === 'shown') {
      clearTimeout(controlsTimer.current);
      setControls('hidden');
    } else showTouchControls();
  };
  const onPointerDown = (e: React.PointerEvent) => {
    lastPointer.current = e.pointerType;
    // A touch on a control keeps them up while it is being used.
    if (e.pointerType !== 'mouse' && controls === 'shown' && (e.target as HTMLElement).closest('.player__controls')) showTouchControls();
  };
  const onPointerMove = (e: React.PointerEvent) => {
    if (e.pointerType === 'mouse' && controls !== 'auto') {
      clearTimeout(controlsTimer.current);
      setControls('auto');
    }
  };
  useEffect(() => () => clearTimeout(controlsTimer.current), []);
  const toggleMute = () => {
    const video = videoRef.current;
    if (!video) return;
    video.muted = !video.muted;
    if (!video.muted && video.volume === 0) video.volume = 0.5;
  };
  const changeVolume = (v: number) => {
    const video = videoRef.current;
    if (!video) return;
    video.volume = v;
    video.muted = v === 0;
  };
  const toggleFullscreen = () => {
    const root = rootRef.current;
    const video = videoRef.current as (HTMLVideoElement & { webkitEnterFullscreen?: () => void }) | null;
    if (!root || !video) return;
    if (document.fullscreenElement) void document.exitFullscreen();
    else if (root.requestFullscreen) void root.requestFullscreen().catch(() => video.webkitEnterFullscreen?.());
    else video.webkitEnterFullscreen?.(); // iPhone Safari: only the video element can go fullscreen
  };
  function goLive() {
    const video = videoRef.current;
    if (!video || !live) return;
    liveJoin.current.backToLive();
    const sync = hlsRef.current?.liveSyncPosition;
    if (sync) video.currentTime = sync;
    else if (video.seekable.length) video.currentTime = Math.max(0, video.seekable.end(video.seekable.length - 1) - 3);
  }
  const seek = (t: number) => {
    liveJoin.current.viewerMoved();
    if (videoRef.current) videoRef.current.currentTime = t;
  };
  const retry = () => {
    manifestRetries.current = 0;
    setError(null);
    setAttempt((a) => a + 1);
  };
  const onKey = (e: React.KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'INPUT') return;
    if (e.key === 'f') toggleFullscreen();
    else if (e.key === 'm') toggleMute();
    else if (e.key === 'k' || (e.key === ' ' && e.target === rootRef.current)) {
      e.preventDefault();
      togglePlay();
    }
  };

  const behindLive = live && time.behind > BEHIND_LIVE_SECONDS;
  const playing = state === 'playing' || state === 'buffering';

  return (
    <div
      ref={rootRef}
      className={`player${fullscreen ? ' player--fullscreen' : ''}`}
      data-testid="player"
      data-state={state}
      data-engine={engine ?? 'none'}
      data-controls={controls}
      role="region"
      aria-label={label}
      tabIndex={0}
      onKeyDown={onKey}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
    >
      <video ref={videoRef} className="player__video" playsInline muted={startMuted} poster={poster} onClick={onPictureClick} aria-label={label} />
      {(state === 'loading' || state === 'buffering') && !error && <div className="player__spinner" role="status" aria-label="Loading" />}
      {needsUnmute && state !== 'error' && (
        <button type="button" className="player__unmute" onClick={toggleMute}>
          <Icon name="muted" /> Tap to unmute
        </button>
      )}
      {error && (
        <div className="player__error" role="alert" data-error-code={error.code}>
          <p>{error.message}</p>
          {error.code !== 'unsupported' && error.code !== 'forbidden' && (
            <button type="button" onClick={retry}>
              Retry
            </button>
          )}
        </div>
      )}
      <div className="player__controls">
        <button type="button" className="player__btn" onClick={togglePlay} aria-label={playing ? 'Pause' : 'Play'} disabled={!!error}>
          <Icon name={playing ? 'pause' : 'play'} />
        </button>
        <button type="button" className="player__btn" onClick={toggleMute} aria-label={muted ? 'Unmute' : 'Mute'}>
          <Icon name={muted || volume === 0 ? 'muted' : 'volume'} />
        </button>
        <input
          className="player__volume"
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={muted ? 0 : volume}
          onChange={(e) => changeVolume(Number(e.target.value))}
          aria-label="Volume"
        />
        {live ? (
          <button
            type="button"
            className={`live-badge${behindLive ? ' live-badge--behind' : ''}`}
            onClick={goLive}
            aria-label={behindLive ? 'Behind live: go to live' : 'Live'}
            title={behindLive ? 'Go to live' : time.latency !== null ? `Live, ${time.latency.toFixed(1)} s behind the streamer` : 'Live'}
          >
            LIVE
            {time.latency !== null && <span className="live-badge__latency"> · {time.latency.toFixed(1)} s</span>}
          </button>
        ) : (
          <>
            <span className="player__time">{formatTime(time.current)}</span>
            <input
              className="player__seek"
              type="range"
              min={0}
              max={Number.isFinite(time.duration) ? time.duration : 0}
              step={0.1}
              value={time.current}
              onChange={(e) => seek(Number(e.target.value))}
              aria-label="Seek"
            />
            <span className="player__time">{formatTime(time.duration)}</span>
          </>
        )}
        <span className="player__spacer" />
        <button type="button" className="player__btn" onClick={toggleFullscreen} aria-label={fullscreen ? 'Exit fullscreen' : 'Fullscreen'}>
          <Icon name={fullscreen ? 'exitFullscreen' : 'fullscreen'} />
        </button>
      </div>
    </div>
  );
}

// The video player shared by the viewer app and Onair Studio's preview: HLS through hls.js (Media Source
// Extensions), or the browser's own HLS where that is the platform player (Safari, iOS). Live badge, volume,
// fullscreen, and error states in plain words. What attaches the stream is player-source.ts; what follows the video
// element (states, holes, live join) is player-element.ts; this file is the React component and its controls.
import { useCallback, useEffect, useRef, useState } from 'react';
import { LiveJoin } from './live-join.js';
import { followElement, type PlayerTime } from './player-element.js';
import type { PlayerEngine, PlayerError, PlayerState } from './player-engine.js';
import { formatTime, Icon } from './player-icons.js';
import { attachSource, type AttachedSource } from './player-source.js';
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
  /**
   * The stream has ended (the page heard its channel go off the air): what is buffered is all there is, and a player
   * waiting at its end ends there without waiting for the playlist it last read to say so (buffer-holes.ts).
   */
  ended?: boolean;
}

/** Behind the live edge by more than this, the badge offers "Go live". */
const BEHIND_LIVE_SECONDS = 8;
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
  ended = false,
}: PlayerProps) {
  const rootRef = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const sourceRef = useRef<AttachedSource | null>(null);
  const liveJoin = useRef(new LiveJoin());
  const endedRef = useRef(ended);
  endedRef.current = ended;
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
  const [time, setTime] = useState<PlayerTime>({ current: 0, duration: 0, behind: 0, latency: null });
  const [attempt, setAttempt] = useState(0);
  const manifestRetries = useRef({ count: 0 });
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
    setError(null);
    setState('loading');
    liveJoin.current = new LiveJoin();
    const source = attachSource(
      video,
      { src, live, engine: enginePref, autoPlay, manifestRetries: manifestRetries.current },
      { state: setState, fail, play: () => void tryPlay(), progress: () => cbs.current.onProgress?.(), restart: () => setAttempt((a) => a + 1) },
    );
    sourceRef.current = source;
    setEngine(source.engine);
    return () => {
      source.detach();
      sourceRef.current = null;
    };
  }, [src, live, enginePref, autoPlay, attempt, fail, setState, tryPlay]);

  // Follow the element's own state.
  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    return followElement(video, live, {
      state: setState,
      progress: () => cbs.current.onProgress?.(),
      volume(isMuted, level) {
        setMuted(isMuted);
        setVolume(level);
        if (!isMuted) setNeedsUnmute(false);
      },
      time: setTime,
      source: () => sourceRef.current,
      liveJoin: () => liveJoin.current,
      streamEnded: () => endedRef.current,
    });
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
    const sync = sourceRef.current?.hls()?.liveSyncPosition;
    if (sync) video.currentTime = sync;
    else if (video.seekable.length) video.currentTime = Math.max(0, video.seekable.end(video.seekable.length - 1) - 3);
  }
  const seek = (t: number) => {
    liveJoin.current.viewerMoved();
    if (videoRef.current) videoRef.current.currentTime = t;
  };
  const retry = () => {
    manifestRetries.current.count = 0;
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

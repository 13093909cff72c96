// The part of the watch and embed pages that shows a channel: the player while it is live, an offline card that
// turns into the player by itself when it goes live, and the private / not-found / error cards.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, errorCode, errorMessage, mediaPath } from '../../../shared/api.js';
import type { PublicChannel } from '../../../shared/contracts.js';
import { Player, type PlayerEngine, type PlayerError, type PlayerState } from '../../../shared/Player.js';
import { Link } from '../router.js';
import { usePoll } from '../ui.js';
import { OrientationSwitch, useOrientation } from './Orientation.js';
import { PLAYOUT_LIMIT_MS, playoutStalled } from './playout.js';
import { PrivateCard } from './PrivateCard.js';

/** How often the channel is checked (live / offline, title, viewers). Chat announcements make it sooner. */
export const CHANNEL_POLL_MS = 5000;
/** How often a waiting player's stall is looked at. */
const STALL_CHECK_MS = 250;
/** The newest replay is looked up this many times, a second apart: it is recorded just after the stream ends. */
const REPLAY_LOOKUPS = 5;

export type ChannelInfo = PublicChannel;
export type ChannelProblem = { code: string; message: string };

export function useChannel(name: string) {
  const [channel, setChannel] = useState<ChannelInfo | null>(null);
  const [problem, setProblem] = useState<ChannelProblem | null>(null);
  const [nonce, setNonce] = useState(0);
  usePoll(
    async (current) => {
      try {
        const c = await api.channel(name);
        if (!current()) return;
        setChannel(c);
        setProblem(null);
      } catch (err) {
        if (!current()) return;
        const code = errorCode(err) ?? 'error';
        setProblem({ code, message: errorMessage(err) });
        // A channel that vanished or became private stops playing; a network blip keeps what we had.
        if (code === 'not_found' || code === 'forbidden' || code === 'unauthorized') setChannel(null);
      }
    },
    CHANNEL_POLL_MS,
    [name, nonce],
  );
  /** Checks again now (a chat "live" / "ended" announcement, a player error). */
  const refresh = useCallback(() => setNonce((n) => n + 1), []);
  return { channel, setChannel, problem, refresh };
}

/** The newest replay of a channel whose stream just ended, or null until (and unless) there is one. */
function useLatestReplay(channel: string, wanted: boolean): string | null {
  const [id, setId] = useState<string | null>(null);
  useEffect(() => {
    if (!wanted) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const since = Date.now() - 60_000;
    const look = async (left: number) => {
      const list = await api.replays(channel).catch(() => []);
      if (!alive) return;
      // Recorded when the stream ended, so it started before now and is the newest; an older one is not this stream's.
      const newest = [...list].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))[0];
      if (newest && Date.parse(newest.startedAt) + newest.durationSeconds * 1000 >= since) setId(newest.id);
      else if (left > 1) timer = setTimeout(() => void look(left - 1), 1000);
    };
    void look(REPLAY_LOOKUPS);
    return () => {
      alive = false;
      clearTimeout(timer);
      setId(null);
    };
  }, [channel, wanted]);
  return id;
}

export function Stage({
  name,
  channel,
  problem,
  refresh,
  signInHref,
  offlineExtra,
}: {
  name: string;
  channel: ChannelInfo | null;
  problem: ChannelProblem | null;
  refresh(): void;
  signInHref: string;
  offlineExtra?: ReactNode;
}) {
  const [playerProblem, setPlayerProblem] = useState<PlayerError | null>(null);
  const [playerKey, setPlayerKey] = useState(0);
  const retryTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  // With a vertical companion on air, a phone held upright plays it; the switch goes back and forth.
  const [orientation, setOrientation] = useOrientation(!!channel?.live && !!channel.vertical);
  const src = channel?.live ? mediaPath(orientation === 'vertical' ? channel.vertical?.hlsUrl : channel.hlsUrl) : null;
  const engine = (new URLSearchParams(location.search).get('player') as PlayerEngine | null) ?? 'auto';
  const [playerState, setPlayerState] = useState<PlayerState>('loading');
  /** The stream that just ended, while the player plays out what it has not shown yet. */
  const [playout, setPlayout] = useState<string | null>(null);
  /** The stream ended while this page watched it: the offline card says so, with its replay. */
  const [endedHere, setEndedHere] = useState(false);
  const [prevSrc, setPrevSrc] = useState(src);
  /** Counts the times the channel went live here: a new stream gets a new player, even while the last one plays out. */
  const [run, setRun] = useState(0);
  if (src !== prevSrc) {
    // Decided while rendering, before the player would be unmounted: a stream that ends while it plays keeps its
    // player (same key, same place in the tree) until it has played to the end.
    setPrevSrc(src);
    if (src) {
      setRun((n) => n + 1);
      setPlayerState('loading');
      setPlayout(null);
      setEndedHere(false);
    } else if (prevSrc && channel) {
      if (playerState === 'playing' || playerState === 'buffering') setPlayout(prevSrc);
      else setEndedHere(true);
    }
  }
  const replayId = useLatestReplay(name, endedHere || !!playout);
  const endPlayout = useCallback(() => {
    setPlayout(null);
    setEndedHere(true);
  }, []);

  useEffect(() => {
    setPlayerProblem(null);
  }, [src]);
  useEffect(() => () => clearTimeout(retryTimer.current), []);
  useEffect(() => {
    if (!playout) return;
    const t = setTimeout(endPlayout, PLAYOUT_LIMIT_MS);
    return () => clearTimeout(t);
  }, [playout, endPlayout]);

  /** When the player last appended media (see PLAYOUT_STALL_MS). */
  const lastProgress = useRef(0);
  useEffect(() => {
    if (!playout || playerState !== 'buffering') return;
    const since = Date.now();
    const t = setInterval(() => {
      if (playoutStalled(Date.now(), since, lastProgress.current)) endPlayout();
    }, STALL_CHECK_MS);
    return () => clearInterval(t);
  }, [playout, playerState, endPlayout]);

  const onPlayerState = (s: PlayerState) => {
    setPlayerState(s);
    if (playout && (s === 'ended' || s === 'error' || s === 'paused')) endPlayout();
  };

  const onPlayerError = (e: PlayerError) => {
    if (playout) return; // the end of a stream that ended: the state change shows the ended card
    if (e.code === 'forbidden') return setPlayerProblem(e);
    if (e.code === 'offline') {
      // Just started (no segment yet) or just ended: ask the API, and try the player again shortly.
      refresh();
      clearTimeout(retryTimer.current);
      retryTimer.current = setTimeout(() => setPlayerKey((k) => k + 1), 2000);
    }
  };

  if (problem && !channel) {
    if (problem.code === 'not_found') {
      return (
        <div className="stage-card" data-testid="not-found-card" role="alert">
          <h2>No channel called “{name}”</h2>
          <p>Check the address, or look at who is live on the home page.</p>
        </div>
      );
    }
    if (problem.code === 'forbidden' || problem.code === 'unauthorized') return <PrivateCard channel={name} signInHref={signInHref} />;
    return (
      <div className="stage-card" role="alert" data-testid="error-card">
        <h2>Cannot load this channel</h2>
        <p>{problem.message}</p>
        <button type="button" className="btn" onClick={refresh}>
          Try again
        </button>
      </div>
    );
  }
  if (!channel) return <div className="stage-card stage-card--loading" aria-busy="true" aria-label="Loading" />;
  if (!channel.canWatch || playerProblem?.code === 'forbidden') {
    return (
      <PrivateCard
        channel={channel.name}
        signInHref={signInHref}
        visibility={channel.visibility}
        following={channel.following}
        onFollowed={refresh}
      />
    );
  }
  const playing = src ?? playout;
  if (!playing) {
    return (
      <div className="stage-card stage-card--offline" data-testid="offline-card" data-ended={endedHere ? 'true' : undefined}>
        <div className="offline-icon" aria-hidden="true" />
        <h2>{endedHere ? `${channel.name}'s stream has ended` : `${channel.name} is offline`}</h2>
        <p>This page switches to the stream by itself when {channel.name} goes live.</p>
        {endedHere && replayId && (
          <Link to={`/replay/${replayId}`} className="btn btn--primary" data-testid="replay-link">
            Watch the replay
          </Link>
        )}
        {offlineExtra}
      </div>
    );
  }
  return (
    <>
      <Player
        key={`${playing}#${run}#${playerKey}`}
        src={playing}
        live
        label={`${channel.name} ${orientation === 'vertical' ? 'vertical ' : ''}live stream`}
        engine={engine}
        onError={onPlayerError}
        onStateChange={onPlayerState}
        onProgress={() => (lastProgress.current = Date.now())}
        ended={playout !== null}
      />
      {src && channel.vertical && <OrientationSwitch value={orientation} onChange={setOrientation} />}
    </>
  );
}

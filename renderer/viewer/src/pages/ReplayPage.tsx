// /replay/<id>: the replay player, its share button and, for the channel's owner, rename and delete. Someone who
// may not watch it is told whose it is and how to get in (PrivateCard); a deleted replay says so, also to a viewer
// whose player stops because it was deleted while they watched.
import { useCallback, useEffect, useState } from 'react';
import { api, errorChannel, errorCode, errorMessage, mediaPath } from '../../../shared/api.js';
import type { ApiReplay, PublicChannel, ReplayWithChannel } from '../../../shared/contracts.js';
import { Player } from '../../../shared/Player.js';
import { useSession } from '../../../shared/stores/session.js';
import { Link } from '../router.js';
import { formatDate, formatDuration, ShareButton } from '../ui.js';
import { OrientationSwitch, useOrientation } from './Orientation.js';
import { PrivateCard } from './PrivateCard.js';
import { ReplayManage } from './ReplayManage.js';

type Gate =
  /** Not allowed: whose channel it is (from the answer), and what the channel API says of it (when it answered). */
  { kind: 'private'; channel: string | null; info: PublicChannel | null } | { kind: 'gone' } | { kind: 'error'; message: string };

export function ReplayPage({ id }: { id: string }) {
  const { user } = useSession();
  const [replay, setReplay] = useState<ReplayWithChannel | null>(null);
  const [gate, setGate] = useState<Gate | null>(null);
  const [nonce, setNonce] = useState(0);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const [orientation, setOrientation] = useOrientation(!!replay?.vertical);

  useEffect(() => {
    let alive = true;
    const refused = async (err: unknown) => {
      const code = errorCode(err);
      if (code === 'not_found') return setGate({ kind: 'gone' });
      if (code !== 'forbidden' && code !== 'unauthorized') return setGate({ kind: 'error', message: errorMessage(err) });
      const channel = errorChannel(err) ?? null;
      const info = channel ? await api.channel(channel).catch(() => null) : null;
      if (alive) setGate({ kind: 'private', channel, info });
    };
    api.replay(id).then(
      (r) => {
        if (!alive) return;
        setReplay(r);
        setGate(null);
      },
      (err) => {
        if (!alive) return;
        setReplay(null);
        void refused(err);
      },
    );
    return () => {
      alive = false;
    };
  }, [id, nonce]);

  useEffect(() => {
    if (replay) document.title = `${replay.title} · Onair`;
    else if (gate?.kind === 'private') document.title = 'Private replay · Onair';
    else if (gate?.kind === 'gone') document.title = 'Replay not found · Onair';
  }, [replay, gate]);

  if (gate?.kind === 'gone') {
    return (
      <div className="card card--center" role="alert" data-testid="replay-gone">
        <h1>This replay is gone</h1>
        <p>Its channel deleted it, or the link is wrong.</p>
        <Link to="/">Go to the home page</Link>
      </div>
    );
  }
  if (gate?.kind === 'private') {
    const { channel, info } = gate;
    return (
      <div className="replay replay--private">
        <PrivateCard
          channel={channel ?? 'its streamer'}
          signInHref={`/?next=${encodeURIComponent(`/replay/${id}`)}#sign-in`}
          visibility={info?.visibility === 'public' ? undefined : info?.visibility}
          following={info?.following}
          onFollowed={reload}
          what="replay"
        />
        {channel && (
          <p className="replay__channel-link">
            <Link to={`/c/${channel}`}>Go to {channel}’s channel</Link>
          </p>
        )}
      </div>
    );
  }
  if (gate?.kind === 'error') {
    return (
      <div className="card card--center" role="alert">
        <h1>Replay not available</h1>
        <p>{gate.message}</p>
        <button type="button" className="btn" onClick={reload}>
          Try again
        </button>
      </div>
    );
  }
  if (!replay) return <div className="stage-card stage-card--loading" aria-busy="true" aria-label="Loading" />;
  const src = mediaPath(orientation === 'vertical' && replay.vertical ? replay.vertical.hlsUrl : replay.hlsUrl)!;
  const mine = !!user && !!replay.channel && user.username.toLowerCase() === replay.channel;
  return (
    <div className="replay">
      {/* A player that fails asks again: the replay may have been deleted, or access taken back, meanwhile. */}
      <div className="replay__stage">
        <Player key={src} src={src} live={false} label={`Replay: ${replay.title}`} autoPlay onError={reload} />
        {replay.vertical && <OrientationSwitch value={orientation} onChange={setOrientation} />}
      </div>
      <div className="watch__info">
        <div className="watch__titles">
          <h1 className="watch__title">{replay.title}</h1>
          <div className="watch__meta">
            {replay.channel && <Link to={`/c/${replay.channel}`}>{replay.channel}</Link>}
            <span>{formatDate(replay.startedAt)}</span>
            <span>{formatDuration(replay.durationSeconds)}</span>
          </div>
        </div>
        <div className="watch__actions">
          <ShareButton url={replay.pageUrl} title={replay.title} />
          {replay.channel && (
            <Link to={`/c/${replay.channel}/replays`} className="btn">
              More replays
            </Link>
          )}
        </div>
      </div>
      {mine && replay.channel && (
        <ReplayManage replay={replay} channel={replay.channel} onRenamed={(r: ApiReplay) => setReplay((was) => was && { ...was, title: r.title })} />
      )}
    </div>
  );
}

// /c/<channel>/replays: a channel's replays, newest first (the player is ReplayPage.tsx).
import { useEffect, useState } from 'react';
import { api, errorCode, errorMessage, mediaPath } from '../../../shared/api.js';
import type { ApiReplay, PublicChannel } from '../../../shared/contracts.js';
import { Link } from '../router.js';
import { formatDate, formatDuration, Thumb } from '../ui.js';
import { PrivateCard } from './PrivateCard.js';

export function Replays({ channel }: { channel: string }) {
  const [list, setList] = useState<ApiReplay[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  /** The channel, when its replays are not the visitor's to see (what PrivateCard needs). */
  const [closed, setClosed] = useState<PublicChannel | null>(null);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let alive = true;
    document.title = `${channel} replays · Onair`;
    api.replays(channel).then(
      (r) => {
        if (!alive) return;
        setList(r);
        setClosed(null);
      },
      async (err) => {
        if (!alive) return;
        const code = errorCode(err);
        const info = code === 'forbidden' ? await api.channel(channel).catch(() => null) : null;
        if (!alive) return;
        if (info && !info.canWatch) return setClosed(info);
        setProblem(code === 'not_found' ? `There is no channel called “${channel}”.` : errorMessage(err));
      },
    );
    return () => {
      alive = false;
    };
  }, [channel, nonce]);
  return (
    <div className="section">
      <p>
        <Link to={`/c/${channel}`}>← {channel}</Link>
      </p>
      <h1>Replays of {channel}</h1>
      {closed ? (
        <PrivateCard
          channel={closed.name}
          signInHref={`/?next=${encodeURIComponent(`/c/${closed.name}/replays`)}#sign-in`}
          visibility={closed.visibility}
          following={closed.following}
          onFollowed={() => setNonce((n) => n + 1)}
          what="replays"
        />
      ) : problem ? (
        <p role="alert">{problem}</p>
      ) : list === null ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">No replays yet. Streams are kept here when they end.</p>
      ) : (
        <ul className="channel-grid">
          {list.map((r) => (
            <li key={r.id} className="channel-card">
              <Link to={`/replay/${r.id}`} className="channel-card__link">
                <div className="channel-card__thumb">
                  <Thumb src={mediaPath(r.thumbnailUrl)} alt="" />
                  <span className="channel-card__viewers">{formatDuration(r.durationSeconds)}</span>
                </div>
                <div className="channel-card__title">{r.title}</div>
                <div className="channel-card__name">{formatDate(r.startedAt)}</div>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

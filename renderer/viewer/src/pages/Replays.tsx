// /c/<channel>/replays (list) and /replay/<id> (player).
import { useEffect, useState } from 'react';
import { api, errorCode, errorMessage, mediaPath } from '../../../shared/api.js';
import type { ApiReplay, ReplayWithChannel } from '../../../shared/contracts.js';
import { Player } from '../../../shared/Player.js';
import { Link } from '../router.js';
import { formatDate, formatDuration, Thumb } from '../ui.js';

export function Replays({ channel }: { channel: string }) {
  const [list, setList] = useState<ApiReplay[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    document.title = `${channel} replays · Onair`;
    api.replays(channel).then(
      (r) => alive && setList(r),
      (err) => alive && setProblem(errorCode(err) === 'not_found' ? `There is no channel called “${channel}”.` : errorMessage(err)),
    );
    return () => {
      alive = false;
    };
  }, [channel]);
  return (
    <div className="section">
      <p>
        <Link to={`/c/${channel}`}>← {channel}</Link>
      </p>
      <h1>Replays of {channel}</h1>
      {problem ? (
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

export function ReplayPage({ id }: { id: string }) {
  const [replay, setReplay] = useState<ReplayWithChannel | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    api.replay(id).then(
      (r) => {
        if (!alive) return;
        setReplay(r);
        document.title = `${r.title} · Onair`;
      },
      (err) => alive && setProblem(errorCode(err) === 'not_found' ? 'This replay does not exist or was deleted.' : errorMessage(err)),
    );
    return () => {
      alive = false;
    };
  }, [id]);
  if (problem) {
    return (
      <div className="card card--center" role="alert">
        <h1>Replay not available</h1>
        <p>{problem}</p>
        <Link to="/">Go to the home page</Link>
      </div>
    );
  }
  if (!replay) return <div className="stage-card stage-card--loading" aria-busy="true" aria-label="Loading" />;
  const src = mediaPath(replay.hlsUrl)!;
  return (
    <div className="replay">
      <Player src={src} live={false} label={`Replay: ${replay.title}`} autoPlay />
      <div className="watch__info">
        <div className="watch__titles">
          <h1 className="watch__title">{replay.title}</h1>
          <div className="watch__meta">
            {replay.channel && <Link to={`/c/${replay.channel}`}>{replay.channel}</Link>}
            <span>{formatDate(replay.startedAt)}</span>
            <span>{formatDuration(replay.durationSeconds)}</span>
          </div>
        </div>
        {replay.channel && (
          <div className="watch__actions">
            <Link to={`/c/${replay.channel}/replays`} className="btn">
              More replays
            </Link>
          </div>
        )}
      </div>
    </div>
  );
}

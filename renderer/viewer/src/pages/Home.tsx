// Home: who is live (directory with tags and search), followed channels that are live, and sign-in forms. The
// lists live in the live-lists store: chat events change them the moment a channel goes live or ends, and the page
// asks the API again now and then for viewer counts, thumbnails and anything an event could not say.
import { useEffect, useMemo, useState } from 'react';
import type { LiveChannel } from '../../../shared/contracts.js';
import { mediaPath } from '../../../shared/api.js';
import { followLiveEvents, useLiveLists } from '../../../shared/stores/live-lists.js';
import { useSession } from '../../../shared/stores/session.js';
import { Link, navigate, useLocation } from '../router.js';
import { Thumb, usePoll, viewersText } from '../ui.js';
import { AuthForms } from './AuthForms.js';

/** The fallback: events change the lists at once; this refreshes counts and pictures. */
const LIVE_LISTS_POLL_MS = 30_000;

function ChannelCard({ c }: { c: LiveChannel }) {
  return (
    <li className="channel-card">
      <Link to={`/c/${c.name}`} className="channel-card__link" aria-label={`${c.title || c.name} by ${c.name}, live, ${viewersText(c.viewers)}`}>
        <div className="channel-card__thumb">
          <Thumb src={mediaPath(c.thumbnailUrl)} alt="" />
          <span className="badge-live">LIVE</span>
          <span className="channel-card__viewers">{viewersText(c.viewers)}</span>
        </div>
        <div className="channel-card__title">{c.title || `${c.name} live`}</div>
        <div className="channel-card__name">{c.name}</div>
      </Link>
      {c.tags.length > 0 && (
        <div className="tags">
          {c.tags.map((t) => (
            <Link key={t} to={`/?tag=${encodeURIComponent(t)}`} className="tag">
              #{t}
            </Link>
          ))}
        </div>
      )}
    </li>
  );
}

function ChannelGrid({ list, empty }: { list: LiveChannel[]; empty: string }) {
  if (list.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="channel-grid">
      {list.map((c) => (
        <ChannelCard key={c.name} c={c} />
      ))}
    </ul>
  );
}

export function Home() {
  const { status, user } = useSession();
  const { query } = useLocation();
  const tag = query.get('tag') ?? '';
  const q = query.get('q') ?? '';
  const [search, setSearch] = useState(q);
  const { live, liveError, following, tags: knownTags, loadLive, loadFollowing } = useLiveLists();
  const signedIn = status === 'signed-in';

  useEffect(() => setSearch(q), [q]);

  useEffect(() => followLiveEvents(() => useSession.getState().status === 'signed-in'), []);
  usePoll(() => loadLive({ tag, q }), LIVE_LISTS_POLL_MS, [tag, q]);
  usePoll(() => loadFollowing(signedIn), LIVE_LISTS_POLL_MS, [signedIn]);

  const tags = useMemo(() => (tag && !knownTags.includes(tag) ? [tag, ...knownTags] : knownTags), [tag, knownTags]);

  const setFilter = (next: { tag?: string; q?: string }) => {
    const qs = new URLSearchParams();
    const t = next.tag ?? tag;
    const s = next.q ?? q;
    if (t) qs.set('tag', t);
    if (s) qs.set('q', s);
    const str = qs.toString();
    navigate(str ? `/?${str}` : '/', { replace: true });
  };

  return (
    <div className="home">
      {status === 'signed-in' && user && (
        <section className="section" aria-labelledby="following-title">
          <h2 id="following-title">Following, live now</h2>
          {following === null ? <p className="muted">Loading…</p> : <ChannelGrid list={following} empty="Nobody you follow is live right now." />}
        </section>
      )}

      <section className="section" aria-labelledby="live-title">
        <div className="section__head">
          <h1 id="live-title">Live now</h1>
          <form
            className="search"
            role="search"
            onSubmit={(e) => {
              e.preventDefault();
              setFilter({ q: search.trim() });
            }}
          >
            <input
              type="search"
              aria-label="Search live channels"
              placeholder="Search live channels"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="submit" className="btn">
              Search
            </button>
          </form>
        </div>
        {tags.length > 0 && (
          <div className="tags tags--filter" role="group" aria-label="Filter by tag">
            <button type="button" className={`tag${tag ? '' : ' tag--on'}`} aria-pressed={!tag} onClick={() => setFilter({ tag: '' })}>
              All
            </button>
            {tags.map((t) => (
              <button
                key={t}
                type="button"
                className={`tag${t === tag ? ' tag--on' : ''}`}
                aria-pressed={t === tag}
                onClick={() => setFilter({ tag: t === tag ? '' : t })}
              >
                #{t}
              </button>
            ))}
          </div>
        )}
        {liveError && !live ? (
          <p className="muted" role="status">
            The live directory could not be loaded: {liveError}
          </p>
        ) : live === null ? (
          <p className="muted">Loading…</p>
        ) : (
          <ChannelGrid list={live} empty={tag || q ? 'No live channel matches.' : 'Nobody is live right now. Check back soon.'} />
        )}
      </section>

      {status === 'signed-out' && (
        <section className="section" aria-label="Sign in">
          <AuthForms next={query.get('next') ?? undefined} />
        </section>
      )}
      {status === 'signed-in' && user && (
        <section className="section card welcome">
          <p>
            Signed in as <strong>{user.username}</strong>. Your channel is{' '}
            <Link to={`/c/${user.username.toLowerCase()}`}>/c/{user.username.toLowerCase()}</Link>; your stream key and OBS setup are in{' '}
            <Link to="/settings">Settings</Link>.
          </p>
        </section>
      )}
    </div>
  );
}

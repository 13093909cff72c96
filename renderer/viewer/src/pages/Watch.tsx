// Watch page /c/<channel>: player (or offline card), title, live badge, viewers, follow button, chat.
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import { Chat } from '../../../shared/Chat.js';
import type { SystemEvent } from '../../../shared/contracts.js';
import { useSession } from '../../../shared/stores/session.js';
import { useToasts } from '../../../shared/stores/toasts.js';
import { Link, navigate } from '../router.js';
import { useVisualViewport, viewersText } from '../ui.js';
import { Stage, useChannel, type ChannelInfo } from './Stage.js';

function FollowButton({ channel, onChange }: { channel: ChannelInfo; onChange(): void }) {
  const { status, user } = useSession();
  const push = useToasts((s) => s.push);
  const [following, setFollowing] = useState<boolean>(channel.following);
  const [busy, setBusy] = useState(false);
  useEffect(() => setFollowing(channel.following), [channel.following]);
  if (status === 'signed-in' && user && user.username.toLowerCase() === channel.name) return null;
  const toggle = async () => {
    if (status !== 'signed-in') return navigate(`/?next=${encodeURIComponent(`/c/${channel.name}`)}#sign-in`);
    setBusy(true);
    const next = !following;
    setFollowing(next);
    try {
      const state = await (next ? api.follow(channel.name) : api.unfollow(channel.name));
      setFollowing(state.following);
      onChange();
    } catch (err) {
      setFollowing(!next);
      push({ kind: 'error', text: `Could not ${next ? 'follow' : 'unfollow'} ${channel.name}: ${errorMessage(err)}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      className={`btn ${following ? 'btn--following' : 'btn--primary'}`}
      aria-pressed={following}
      onClick={() => void toggle()}
      disabled={busy}
      title={following ? 'Unfollow' : `Follow ${channel.name} to hear when they go live`}
    >
      {following ? 'Following' : 'Follow'}
    </button>
  );
}

export function Watch({ channel: name }: { channel: string }) {
  const { channel, setChannel, problem, refresh } = useChannel(name);
  const { status, guest } = useSession();
  const [chatViewers, setChatViewers] = useState<number | null>(null);
  const signInHref = `/?next=${encodeURIComponent(`/c/${name}`)}#sign-in`;
  useVisualViewport();

  useEffect(() => {
    document.title = channel ? `${channel.title || channel.name} · Onair` : `${name} · Onair`;
  }, [channel, name]);

  const onSystem = (e: SystemEvent) => {
    if (e.kind === 'live' || e.kind === 'ended') {
      // Show the change at once; the poll confirms it with the URLs.
      if (e.kind === 'ended' && channel) setChannel({ ...channel, live: false });
      refresh();
    }
  };

  const viewers = chatViewers ?? channel?.viewers ?? 0;

  return (
    <div className="watch">
      <div className="watch__main">
        <Stage
          name={name}
          channel={channel}
          problem={problem}
          refresh={refresh}
          signInHref={signInHref}
          offlineExtra={
            <Link to={`/c/${name}/replays`} className="btn">
              Watch replays
            </Link>
          }
        />
        {channel && (
          <div className="watch__info">
            <div className="watch__titles">
              <h1 className="watch__title">{channel.title || `${channel.name} live`}</h1>
              <div className="watch__meta">
                <Link to={`/c/${channel.name}`} className="watch__name">
                  {channel.name}
                </Link>
                {channel.live ? (
                  <>
                    <span className="badge-live" data-testid="live-badge">
                      LIVE
                    </span>
                    <span data-testid="viewer-count">{viewersText(viewers)}</span>
                  </>
                ) : (
                  <span className="badge-offline">Offline</span>
                )}
                {channel.tags.map((t: string) => (
                  <Link key={t} to={`/?tag=${encodeURIComponent(t)}`} className="tag">
                    #{t}
                  </Link>
                ))}
              </div>
            </div>
            <div className="watch__actions">
              <Link to={`/c/${channel.name}/replays`} className="btn">
                Replays
              </Link>
              <FollowButton channel={channel} onChange={refresh} />
            </div>
          </div>
        )}
      </div>
      {channel && (
        <aside className="watch__chat">
          <Chat
            channel={channel.name}
            onSystem={onSystem}
            onViewers={setChatViewers}
            signInHint={
              status === 'signed-in' || guest ? (
                'You cannot write in this chat.'
              ) : (
                <>
                  <a href={signInHref}>Sign in</a> to chat.
                </>
              )
            }
          />
        </aside>
      )}
    </div>
  );
}

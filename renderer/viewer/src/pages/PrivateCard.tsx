// What someone who may not watch a channel's stream or replay can do about it, instead of a dead end: sign in,
// follow (a followers-only channel), or ask the streamer for an invite link. It names the channel and nothing
// else of it (no title). The watch page and the replay page show it alike.
import { useState } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import type { ChannelVisibility } from '../../../shared/contracts.js';
import { useSession } from '../../../shared/stores/session.js';
import { FormError } from '../ui.js';

const SUBJECT = { stream: 'This stream is', replay: 'This replay is', replays: 'These replays are' } as const;

export function PrivateCard({
  channel,
  signInHref,
  visibility,
  following = false,
  onFollowed,
  what = 'stream',
}: {
  channel: string;
  signInHref: string;
  /** Unknown (the channel could not be asked): the invite wording, which fits every private channel. */
  visibility?: ChannelVisibility;
  following?: boolean;
  /** After following from this card: look again (access may have come with it). */
  onFollowed?(): void;
  what?: keyof typeof SUBJECT;
}) {
  const { status } = useSession();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const signedIn = status === 'signed-in';
  const follow = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await api.follow(channel);
      onFollowed?.();
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const signIn = (
    <a className="btn btn--primary" href={signInHref}>
      Sign in
    </a>
  );

  if (visibility === 'followers') {
    return (
      <div className="stage-card" data-testid="private-card" data-visibility="followers" role="alert">
        <h2>{SUBJECT[what]} for followers</h2>
        <p>Only people who follow {channel} can watch.</p>
        {!signedIn ? (
          <>
            <p>
              Sign in and follow {channel}, or open an invite link {channel} sent you.
            </p>
            <div className="stage-card__actions">{signIn}</div>
          </>
        ) : !following ? (
          <div className="stage-card__actions">
            <button type="button" className="btn btn--primary" onClick={() => void follow()} disabled={busy}>
              Follow {channel}
            </button>
          </div>
        ) : (
          <p>
            You follow {channel}, but you cannot watch this channel. Ask {channel} about it.
          </p>
        )}
        <FormError text={problem} />
      </div>
    );
  }
  return (
    <div className="stage-card" data-testid="private-card" data-visibility="invite" role="alert">
      <h2>{SUBJECT[what]} private</h2>
      <p>Only people {channel} invited can watch.</p>
      {signedIn ? (
        <p data-testid="ask-invite">
          Your account has no invite to {channel}’s channel. Ask the streamer, {channel}, for an invite link, then open it.
        </p>
      ) : (
        <>
          <p data-testid="ask-invite">
            Ask the streamer, {channel}, for an invite link and open it, or sign in if {channel} invited your account.
          </p>
          <div className="stage-card__actions">{signIn}</div>
        </>
      )}
    </div>
  );
}

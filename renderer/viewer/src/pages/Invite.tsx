// Invite landing /i/<token>: who invited you, then watch and chat as a guest with a display name, or sign in.
import { useState, type FormEvent } from 'react';
import { api, errorCode, errorMessage } from '../../../shared/api.js';
import { reconnectChat } from '../../../shared/chat-socket.js';
import type { InviteLanding } from '../../../shared/contracts.js';
import { useSession } from '../../../shared/stores/session.js';
import { Link, navigate } from '../router.js';
import { FormError, usePoll } from '../ui.js';
import { SignUp } from './AuthForms.js';

export function Invite({ token }: { token: string }) {
  const { status, user, setGuest } = useSession();
  const [info, setInfo] = useState<InviteLanding | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  usePoll(
    async (current) => {
      try {
        const i = await api.invite(token);
        if (current()) {
          setInfo(i);
          setProblem(null);
        }
      } catch (err) {
        if (current())
          setProblem(errorCode(err) === 'not_found' ? 'This invite link does not exist. Check that you copied all of it.' : errorMessage(err));
      }
    },
    15_000,
    [token],
  );

  const redeem = async (e: FormEvent, asUser?: string) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.redeemInvite(token, asUser ? undefined : name.trim());
      if (r.guest) setGuest({ displayName: r.guest.displayName, channel: r.channel });
      reconnectChat();
      navigate(`/c/${r.channel}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (problem && !info) {
    return (
      <div className="card card--center" role="alert">
        <h1>Invite not found</h1>
        <p>{problem}</p>
        <Link to="/">Go to the home page</Link>
      </div>
    );
  }
  if (!info)
    return (
      <div className="card card--center" aria-busy="true">
        Loading the invite…
      </div>
    );
  if (!info.valid) {
    return (
      <div className="card card--center" role="alert" data-testid="invite-invalid">
        <h1>This invite no longer works</h1>
        <p>
          {info.reason ?? `The link to ${info.channel} was revoked, ran out of uses or expired.`} Ask <strong>{info.channel}</strong> for a new one.
        </p>
        <Link to="/">Go to the home page</Link>
      </div>
    );
  }
  const next = `/i/${encodeURIComponent(token)}`;
  return (
    <div className="invite">
      <div className="card invite__card">
        <p className="muted">You are invited to watch</p>
        <h1>{info.channel}</h1>
        <p className="invite__title">{info.title || `${info.channel} live`}</p>
        <p>{info.live ? <span className="badge-live">LIVE</span> : <span className="badge-offline">Offline now</span>}</p>
        {status === 'signed-in' && user ? (
          <form onSubmit={(e) => void redeem(e, user.username)} className="invite__form">
            <p>You are signed in as {user.username}.</p>
            <FormError text={error} />
            <button type="submit" className="btn btn--primary" disabled={busy}>
              Watch {info.channel}
            </button>
          </form>
        ) : (
          <form onSubmit={(e) => void redeem(e)} className="invite__form">
            <label className="field">
              <span>Your name</span>
              {/* No maxLength: it counts UTF-16 units, the server counts characters as people see them. */}
              <input
                value={name}
                onChange={(e) => setName(e.target.value)}
                required
                autoComplete="nickname"
                placeholder="How others see you in chat"
              />
            </label>
            <FormError text={error} />
            <button type="submit" className="btn btn--primary" disabled={busy || !name.trim()}>
              Watch as a guest
            </button>
            <p className="hint">
              Have an account? <Link to={`/?next=${encodeURIComponent(next)}#sign-in`}>Sign in</Link> instead.
            </p>
          </form>
        )}
      </div>
      {status !== 'signed-in' && <SignUp invite={token} next={`/c/${info.channel}`} />}
    </div>
  );
}

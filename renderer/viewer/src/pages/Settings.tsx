// /settings: profile, password and sign-out, stream key and OBS setup, channel title / tags / visibility, invites,
// chat moderation (moderators, chat modes, the moderation log), restream destinations, webhooks.
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import { reconnectChat } from '../../../shared/chat-socket.js';
import type { MyChannel } from '../../../shared/contracts.js';
import { KeyframeWarningNote } from '../../../shared/KeyframeWarning.js';
import { useSession } from '../../../shared/stores/session.js';
import { Link } from '../router.js';
import { CopyButton, formatDate, FormError } from '../ui.js';
import { AuthForms } from './AuthForms.js';
import { ChannelForm } from './ChannelForm.js';
import { Invites } from './Invites.js';
import { PasswordForm } from './PasswordForm.js';
import { Webhooks } from './Webhooks.js';
import { Destinations } from './Destinations.js';
import { ChatModeration } from './ChatModeration.js';

type Mine = MyChannel;

/** How often the page asks whether the stream is live and how its keyframes come (cheap, only while shown). */
const LIVE_POLL_MS = 10_000;

function StreamSetup({ channel, onKey }: { channel: Mine; onKey(k: string): void }) {
  const [show, setShow] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const regenerate = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const { streamKey } = await api.regenerateStreamKey();
      onKey(streamKey);
      setConfirming(false);
      setMessage({ ok: true, text: 'New stream key made. Paste it into OBS; the old one no longer works.' });
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
  const masked = '•'.repeat(Math.min(24, channel.streamKey.length));
  return (
    <section className="card settings-section" aria-labelledby="obs-title">
      <h2 id="obs-title">Stream from OBS</h2>
      {channel.live && channel.keyframes?.warning && <KeyframeWarningNote warning={channel.keyframes.warning} />}
      <p className="hint">
        In OBS open <strong>Settings → Stream</strong>, choose Service <strong>Custom…</strong> and fill in:
      </p>
      <dl className="obs" data-testid="obs-setup">
        <dt>Service</dt>
        <dd>
          <code>Custom…</code>
        </dd>
        <dt id="obs-server">Server</dt>
        <dd>
          <code aria-labelledby="obs-server" data-testid="rtmp-url">
            {channel.rtmpUrl}
          </code>
          <CopyButton text={channel.rtmpUrl} what="server URL" label="Copy server URL" />
        </dd>
        {channel.rtmpsUrl && (
          <>
            <dt id="obs-server-tls">Server (encrypted)</dt>
            <dd>
              <code aria-labelledby="obs-server-tls" data-testid="rtmps-url">
                {channel.rtmpsUrl}
              </code>
              <CopyButton text={channel.rtmpsUrl} what="encrypted server URL" label="Copy encrypted server URL" />
              <span className="hint"> RTMPS: the same key, sent over TLS. Use it on networks you do not trust.</span>
            </dd>
          </>
        )}
        {channel.srtUrl && (
          <>
            <dt id="obs-server-srt">Server (SRT)</dt>
            <dd>
              <code aria-labelledby="obs-server-srt" data-testid="srt-url">
                {`${channel.srtUrl}?streamid=<key>`}
              </code>
              <CopyButton text={`${channel.srtUrl}?streamid=${channel.streamKey}`} what="SRT URL" label="Copy SRT URL with the key" />
              <span className="hint"> SRT: MPEG-TS over UDP, better on lossy networks; the stream key is the stream id.</span>
            </dd>
          </>
        )}
        <dt id="obs-key">Stream Key</dt>
        <dd>
          <code aria-labelledby="obs-key" data-testid="stream-key" className={show ? '' : 'masked'}>
            {show ? channel.streamKey : masked}
          </code>
          <button type="button" className="btn btn--small" onClick={() => setShow(!show)} aria-pressed={show}>
            {show ? 'Hide' : 'Show'}
          </button>
          <CopyButton text={channel.streamKey} what="stream key" label="Copy stream key" />
        </dd>
      </dl>
      <p className="hint">
        Keep the key secret: anyone with it can stream to your channel. For low delay set the keyframe interval to 1 s (Settings → Output → Output
        Mode “Advanced” → Streaming tab → Keyframe Interval).
      </p>
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-labelledby="regen-q">
          <p id="regen-q">Make a new stream key? The current key stops working at once and a stream using it is cut off.</p>
          <button type="button" className="btn btn--danger" onClick={() => void regenerate()} disabled={busy}>
            Yes, make a new key
          </button>
          <button type="button" className="btn" onClick={() => setConfirming(false)} disabled={busy}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="btn" onClick={() => setConfirming(true)}>
          Regenerate stream key
        </button>
      )}
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
      <p className="hint">
        Your stream plays at <Link to={`/c/${channel.name}`}>/c/{channel.name}</Link>; its viewers, bitrate and health are on your{' '}
        <Link to="/dashboard">dashboard</Link>
        {channel.live ? ' — you are live now.' : '.'} Other players can use the HLS link <code className="wrap">{channel.hlsUrl}</code>.
      </p>
    </section>
  );
}

export function Settings() {
  const { status, user, logout, logoutEverywhere } = useSession();
  const [channel, setChannel] = useState<Mine | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const signOut = async (everywhere: boolean) => {
    setProblem(null);
    try {
      await (everywhere ? logoutEverywhere() : logout());
      reconnectChat();
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };
  useEffect(() => {
    document.title = 'Settings · Onair';
    if (status !== 'signed-in') {
      // The stream key leaves the page with the account.
      setChannel(null);
      return;
    }
    let alive = true;
    api.myChannel().then(
      (c) => alive && setChannel(c),
      (err) => alive && setProblem(errorMessage(err)),
    );
    // Going live (and the keyframe warning, which needs a few GOPs) happens while the page is open: follow it.
    const poll = setInterval(() => {
      if (document.hidden) return;
      api.myChannel().then(
        (c) => alive && setChannel((was) => was && { ...was, live: c.live, keyframes: c.keyframes }),
        () => undefined, // a missed poll changes nothing; the next one tries again
      );
    }, LIVE_POLL_MS);
    return () => {
      alive = false;
      clearInterval(poll);
    };
  }, [status]);

  if (status === 'unknown') return <p className="muted">Loading…</p>;
  if (status === 'signed-out' || !user) {
    return (
      <div className="section">
        <h1>Settings</h1>
        <p>Sign in to see your stream key and channel settings.</p>
        <AuthForms next="/settings" />
      </div>
    );
  }
  return (
    <div className="settings">
      <h1>Settings</h1>
      <section className="card settings-section" aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <dl className="kv">
          <dt>Username</dt>
          <dd data-testid="profile-username">{user.username}</dd>
          <dt>Member since</dt>
          <dd>{formatDate(user.createdAt)}</dd>
          {user.admin && (
            <>
              <dt>Role</dt>
              <dd data-testid="profile-admin">
                Admin: signed in, you can open the server's <a href="/api/stats">stats</a>, <a href="/stat">/stat</a> and{' '}
                <a href="/metrics">/metrics</a>
              </dd>
            </>
          )}
          <dt>Channel</dt>
          <dd>
            <Link to={`/c/${user.username.toLowerCase()}`}>/c/{user.username.toLowerCase()}</Link>
          </dd>
        </dl>
        <button type="button" className="btn" onClick={() => void signOut(false)}>
          Sign out
        </button>{' '}
        <button type="button" className="btn btn--danger" onClick={() => void signOut(true)}>
          Sign out everywhere
        </button>
        <p className="hint">“Sign out everywhere” ends every session of your account: other browsers, Onair Studio and scripts.</p>
      </section>
      <PasswordForm username={user.username} />
      <FormError text={problem} />
      {channel && (
        <>
          <StreamSetup channel={channel} onKey={(streamKey) => setChannel((was) => was && { ...was, streamKey })} />
          <ChannelForm channel={channel} onSaved={(c) => setChannel((was) => was && { ...was, ...c })} />
          <Invites />
          <ChatModeration channel={channel.name} />
          <Destinations />
          <Webhooks visibility={channel.visibility} />
        </>
      )}
    </div>
  );
}

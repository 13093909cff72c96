// /settings: profile, password and sign-out, stream key and OBS setup, channel title / tags / visibility, invites.
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorCode, errorMessage } from '../../../shared/api.js';
import { reconnectChat } from '../../../shared/chat-socket.js';
import type { ApiInvite, ChannelVisibility, MyChannel } from '../../../shared/contracts.js';
import { KeyframeWarningNote } from '../../../shared/KeyframeWarning.js';
import { useSession } from '../../../shared/stores/session.js';
import { rememberedLinks, rememberLink } from '../invite-links.js';
import { Link } from '../router.js';
import { CopyButton, formatDate } from '../ui.js';
import { AuthForms } from './AuthForms.js';
import { PasswordForm } from './PasswordForm.js';

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
        Your stream plays at <Link to={`/c/${channel.name}`}>/c/{channel.name}</Link>
        {channel.live ? ' — you are live now.' : '.'} Other players can use the HLS link <code className="wrap">{channel.hlsUrl}</code>.
      </p>
    </section>
  );
}

function ChannelForm({ channel, onSaved }: { channel: Mine; onSaved(c: Partial<Mine>): void }) {
  const [title, setTitle] = useState(channel.title);
  const [tags, setTags] = useState(channel.tags.join(', '));
  const [visibility, setVisibility] = useState<ChannelVisibility>(channel.visibility);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const tagList = tags
        .split(/[,\s]+/)
        .map((t: string) => t.replace(/^#/, '').trim().toLowerCase())
        .filter(Boolean);
      const saved = await api.updateMyChannel({ title: title.trim(), tags: tagList, visibility });
      onSaved(saved);
      setTitle(saved.title);
      setTags(saved.tags.join(', '));
      setVisibility(saved.visibility);
      setMessage({ ok: true, text: 'Saved.' });
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card settings-section" aria-labelledby="channel-title" onSubmit={(e) => void save(e)}>
      <h2 id="channel-title">Channel</h2>
      <label className="field">
        <span>Title</span>
        {/* No maxLength: it counts UTF-16 units, the server counts characters as people see them. */}
        <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder={`${channel.name} live`} />
      </label>
      <label className="field">
        <span>Tags</span>
        <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="music, coding, games" />
      </label>
      <fieldset className="field">
        <legend>Who can watch</legend>
        {(
          [
            ['public', 'Public', 'Anyone can watch; listed in “Live now”.'],
            ['followers', 'Followers', 'Only people who follow you (and people you invite).'],
            ['invite', 'Invite only', 'Only you and people you send an invite link.'],
          ] as const
        ).map(([v, label, hint]) => (
          <label key={v} className="radio">
            <input type="radio" name="visibility" value={v} checked={visibility === v} onChange={() => setVisibility(v)} />
            <span>
              <strong>{label}</strong> <span className="muted">{hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
      <button type="submit" className="btn btn--primary" disabled={busy}>
        Save channel
      </button>
    </form>
  );
}

const EXPIRY_CHOICES: Array<[string, number | undefined]> = [
  ['1 hour', 3600],
  ['1 day', 86400],
  ['7 days', 7 * 86400],
  ['Never', undefined],
];

const STATE_TEXT: Record<ApiInvite['state'], string> = { valid: 'Active', expired: 'Expired', used_up: 'Used up', revoked: 'Revoked' };

function Invites() {
  const [list, setList] = useState<ApiInvite[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [expiry, setExpiry] = useState('1 day');
  const [maxUses, setMaxUses] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const links = rememberedLinks();
  const load = async () => {
    try {
      const r = await api.invites();
      setList(r);
      setProblem(null);
    } catch (err) {
      setProblem(errorCode(err) === 'not_found' ? 'Invites are not available on this server yet.' : errorMessage(err));
    }
  };
  useEffect(() => {
    void load();
  }, []);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const uses = Number(maxUses);
      const r = await api.createInvite({
        expiresInSeconds: EXPIRY_CHOICES.find(([l]) => l === expiry)?.[1],
        maxUses: maxUses && uses > 0 ? Math.floor(uses) : undefined,
      });
      setCreated(r.url);
      rememberLink(r.id, r.url);
      await load();
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (id: number) => {
    try {
      await api.revokeInvite(id);
      rememberLink(id, null);
      await load();
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };
  return (
    <section className="card settings-section" aria-labelledby="invites-title">
      <h2 id="invites-title">Invites</h2>
      <p className="hint">An invite link lets friends watch a private stream and chat as guests, without an account.</p>
      <form className="invite-create" onSubmit={(e) => void create(e)}>
        <label className="field field--inline">
          <span>Expires after</span>
          <select value={expiry} onChange={(e) => setExpiry(e.target.value)}>
            {EXPIRY_CHOICES.map(([l]) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <label className="field field--inline">
          <span>Uses (empty: unlimited)</span>
          <input type="number" min={1} max={10000} value={maxUses} onChange={(e) => setMaxUses(e.target.value)} inputMode="numeric" />
        </label>
        <button type="submit" className="btn btn--primary" disabled={busy}>
          Create invite link
        </button>
      </form>
      {created && (
        <p className="form-ok created-invite">
          New link: <code className="wrap">{created}</code> <CopyButton text={created} what="invite link" />
        </p>
      )}
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {list && list.length === 0 && <p className="muted">No invites yet.</p>}
      {list && list.length > 0 && (
        <table className="invites-table" data-testid="invites">
          <thead>
            <tr>
              <th>Invite</th>
              <th>Uses</th>
              <th>Expires</th>
              <th>State</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => {
              const url = links[i.id];
              return (
                <tr key={i.id} className={i.state === 'valid' ? '' : 'revoked'} data-invite-id={i.id}>
                  <td>
                    {url ? (
                      <code className="wrap">{url}</code>
                    ) : (
                      <span className="muted">
                        #{i.id}, made {formatDate(i.createdAt)}
                      </span>
                    )}
                  </td>
                  <td data-testid="invite-uses">
                    {i.uses}
                    {i.maxUses ? ` / ${i.maxUses}` : ''}
                  </td>
                  <td>{i.expiresAt ? formatDate(i.expiresAt) : 'Never'}</td>
                  <td>{STATE_TEXT[i.state] ?? i.state}</td>
                  <td className="actions">
                    {url && i.state === 'valid' && <CopyButton text={url} what="invite link" label={`Copy invite link ${i.id}`} />}
                    {!i.revoked && (
                      <button
                        type="button"
                        className="btn btn--small btn--danger"
                        onClick={() => void revoke(i.id)}
                        aria-label={`Revoke invite ${i.id}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
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
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {channel && (
        <>
          <StreamSetup channel={channel} onKey={(streamKey) => setChannel((was) => was && { ...was, streamKey })} />
          <ChannelForm channel={channel} onSaved={(c) => setChannel((was) => was && { ...was, ...c })} />
          <Invites />
        </>
      )}
    </div>
  );
}

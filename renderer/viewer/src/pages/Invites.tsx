// The settings page's invites: make an invite link, copy any open invite's link again (the server keeps it for
// the owner: GET /api/me/invites/:id/link, asked only when Copy is pressed, so no link sits in the page), revoke.
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorCode, errorMessage } from '../../../shared/api.js';
import type { ApiInvite } from '../../../shared/contracts.js';
import { LoopbackLinkNote } from '../../../shared/LoopbackLinkNote.js';
import { CopyButton, formatDate, FormError } from '../ui.js';

// This browser used to keep the links it made in localStorage; the server keeps them now. Drop any still there.
try {
  localStorage.removeItem('onair.inviteLinks');
} catch {
  /* storage unavailable: nothing was kept */
}

const EXPIRY_CHOICES: Array<[string, number | undefined]> = [
  ['1 hour', 3600],
  ['1 day', 86400],
  ['7 days', 7 * 86400],
  ['Never', undefined],
];

const STATE_TEXT: Record<ApiInvite['state'], string> = { valid: 'Active', expired: 'Expired', used_up: 'Used up', revoked: 'Revoked' };

export function Invites() {
  const [list, setList] = useState<ApiInvite[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [expiry, setExpiry] = useState('1 day');
  const [maxUses, setMaxUses] = useState('');
  const [created, setCreated] = useState<{ id: number; url: string } | null>(null);
  /** Links shown in their row because copying them failed (the visitor copies by hand). */
  const [shown, setShown] = useState<Record<number, string>>({});
  /** The last link made or copied: the note under the form says when only this computer can open it. */
  const [lastLink, setLastLink] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
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
      setCreated({ id: r.id, url: r.url });
      setLastLink(r.url);
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
      if (created?.id === id) setCreated(null);
      setShown(({ [id]: _gone, ...rest }) => rest);
      await load();
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };
  return (
    <section className="card settings-section" aria-labelledby="invites-title">
      <h2 id="invites-title">Invites</h2>
      <p className="hint">
        An invite link lets friends watch a private stream and chat as guests, without an account. Copy an active invite’s link again from the list at
        any time.
      </p>
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
          New link: <code className="wrap">{created.url}</code> <CopyButton text={created.url} what="invite link" />
        </p>
      )}
      <LoopbackLinkNote
        url={lastLink}
        className="form-warning"
        fix="open Onair by this computer's network address (the server prints it when it starts: “Watch and sign up at …”)"
      />
      <FormError text={problem} />
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
              const url = shown[i.id] ?? (created?.id === i.id ? created.url : null);
              const valid = i.state === 'valid';
              return (
                <tr key={i.id} className={valid ? '' : 'revoked'} data-invite-id={i.id}>
                  <td>
                    {url && valid ? (
                      <code className="wrap">{url}</code>
                    ) : (
                      <span className="muted">
                        #{i.id}, made {formatDate(i.createdAt)}
                      </span>
                    )}
                    {valid && !i.linkAvailable && <span className="hint invite-once"> Its link was shown only when it was made.</span>}
                  </td>
                  <td data-testid="invite-uses">
                    {i.uses}
                    {i.maxUses ? ` / ${i.maxUses}` : ''}
                  </td>
                  <td>{i.expiresAt ? formatDate(i.expiresAt) : 'Never'}</td>
                  <td>{STATE_TEXT[i.state] ?? i.state}</td>
                  <td className="actions">
                    {valid && i.linkAvailable && (
                      <CopyButton
                        text={async () => {
                          const { url } = await api.inviteLink(i.id);
                          setLastLink(url);
                          return url;
                        }}
                        what="invite link"
                        label={`Copy invite link ${i.id}`}
                        onCopyFailed={(link) => setShown((s) => ({ ...s, [i.id]: link }))}
                      />
                    )}
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

// /admin's users table: Disable / Enable / Reset key, each asked first, and the pager /admin's tables share.
import { useState } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import type { AdminUser, AdminUsers } from '../../../shared/contracts.js';
import { formatBytes } from '../../../shared/TimeChart.js';
import { formatDate } from '../ui.js';

/** Rows per page of /admin's tables. */
export const ADMIN_PAGE = 20;

type Pending = { user: AdminUser; action: 'disable' | 'enable' | 'reset-key' };

const QUESTIONS: Record<Pending['action'], (u: string) => string> = {
  disable: (u) =>
    `Disable ${u}? They are signed out everywhere, their live stream is cut off, and they cannot sign in or stream until enabled again.`,
  enable: (u) => `Enable ${u} again? They can sign in and stream.`,
  'reset-key': (u) =>
    `Reset ${u}’s stream key? The current key stops working at once and a stream using it is cut off; they find the new key in their settings.`,
};

export function Users({ users, me, onChanged }: { users: AdminUsers; me: number; onChanged(): void }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (p: Pending) => {
    setBusy(true);
    setMessage(null);
    try {
      if (p.action === 'reset-key') await api.adminResetKey(p.user.username);
      else await api.adminSetDisabled(p.user.username, p.action === 'disable');
      const done = { disable: 'disabled', enable: 'enabled', 'reset-key': 'has a new stream key' }[p.action];
      setMessage({ ok: true, text: `${p.user.username} ${done}.` });
      setPending(null);
      onChanged();
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {pending && (
        <div className="confirm" role="alertdialog" aria-labelledby="admin-confirm-q" data-testid="admin-confirm">
          <p id="admin-confirm-q">{QUESTIONS[pending.action](pending.user.username)}</p>
          <button
            type="button"
            className={pending.action === 'enable' ? 'btn btn--primary' : 'btn btn--danger'}
            onClick={() => void act(pending)}
            disabled={busy}
          >
            Yes
          </button>
          <button type="button" className="btn" onClick={() => setPending(null)} disabled={busy}>
            Cancel
          </button>
        </div>
      )}
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
      <div className="table-wrap">
        <table className="admin-table" data-testid="admin-users">
          <thead>
            <tr>
              <th>User</th>
              <th>Since</th>
              <th>Status</th>
              <th>Replays</th>
              <th>Storage</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.users.map((u) => (
              <tr key={u.id} data-testid={`user-row-${u.username.toLowerCase()}`}>
                <td>
                  {u.username}
                  {u.admin && <span className="admin-badge">admin</span>}
                  {u.live && <span className="admin-badge admin-badge--live">live</span>}
                </td>
                <td>{formatDate(u.createdAt)}</td>
                <td>{u.disabled ? <span className="form-error">disabled</span> : 'active'}</td>
                <td className="num">{u.replays}</td>
                <td className="num">{formatBytes(u.replayBytes)}</td>
                <td className="admin-table__actions">
                  {u.id !== me && (
                    <button
                      type="button"
                      className="btn btn--small"
                      onClick={() => setPending({ user: u, action: u.disabled ? 'enable' : 'disable' })}
                    >
                      {u.disabled ? 'Enable' : 'Disable'}
                    </button>
                  )}
                  <button type="button" className="btn btn--small" onClick={() => setPending({ user: u, action: 'reset-key' })}>
                    Reset key
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function Pager({ offset, total, onPage }: { offset: number; total: number; onPage(offset: number): void }) {
  if (total <= ADMIN_PAGE) return null;
  return (
    <div className="admin-pager">
      <button type="button" className="btn btn--small" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - ADMIN_PAGE))}>
        Previous
      </button>
      <span className="muted">
        {offset + 1}–{Math.min(total, offset + ADMIN_PAGE)} of {total}
      </span>
      <button type="button" className="btn btn--small" disabled={offset + ADMIN_PAGE >= total} onClick={() => onPage(offset + ADMIN_PAGE)}>
        Next
      </button>
    </div>
  );
}

// /admin: the operator's page, for admin accounts (`npm run onair -- user admin NAME on`). Live streams as /stat
// shows them but readable, the server's own CPU, memory and connections as charts, users (disable, enable, reset a
// stream key; each asks first) and replays with the storage they use. It refreshes itself every few seconds.
import { useState } from 'react';
import { api, errorCode, errorMessage } from '../../../shared/api.js';
import type { AdminOverview, AdminReplays, AdminSystem, AdminUsers } from '../../../shared/contracts.js';
import { useSession } from '../../../shared/stores/session.js';
import { formatBytes } from '../../../shared/TimeChart.js';
import { Link } from '../router.js';
import { formatDate, formatDuration, FormError, usePoll } from '../ui.js';
import { LiveStreams, SystemCharts } from './AdminServer.js';
import { ADMIN_PAGE as PAGE, Pager, Users } from './AdminUsers.js';
import { AuthForms } from './AuthForms.js';

const REFRESH_MS = 5_000;

export function Admin() {
  const { status, user } = useSession();
  const [overview, setOverview] = useState<AdminOverview | null>(null);
  const [system, setSystem] = useState<AdminSystem | null>(null);
  const [users, setUsers] = useState<AdminUsers | null>(null);
  const [replays, setReplays] = useState<AdminReplays | null>(null);
  const [search, setSearch] = useState('');
  const [userOffset, setUserOffset] = useState(0);
  const [replayOffset, setReplayOffset] = useState(0);
  const [refused, setRefused] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const signedIn = status === 'signed-in';

  usePoll(
    async (current) => {
      document.title = 'Admin · Onair';
      if (!signedIn) return;
      try {
        const [o, s, u, r] = await Promise.all([
          api.adminOverview(),
          api.adminSystem(),
          api.adminUsers({ search, offset: userOffset, limit: PAGE }),
          api.adminReplays({ offset: replayOffset, limit: PAGE }),
        ]);
        if (!current()) return;
        setOverview(o);
        setSystem(s);
        setUsers(u);
        setReplays(r);
        setRefused(false);
        setProblem(null);
      } catch (err) {
        if (!current()) return;
        if (errorCode(err) === 'admin_only') setRefused(true);
        else setProblem(errorMessage(err));
      }
    },
    REFRESH_MS,
    [signedIn, user?.id, search, userOffset, replayOffset, tick],
  );

  if (status === 'unknown') return <p className="muted">Loading…</p>;
  if (!signedIn || !user) {
    return (
      <div className="section">
        <h1>Admin</h1>
        <p>Sign in with an admin account to run this server.</p>
        <AuthForms next="/admin" />
      </div>
    );
  }
  if (refused || !user.admin) {
    return (
      <div className="card card--center" data-testid="admin-forbidden" role="alert">
        <h1>Admins only</h1>
        <p>This page is for the people who run this server. The operator makes an account an admin with</p>
        <p>
          <code>npm run onair -- user admin {user.username} on</code>
        </p>
        <p>
          <Link to="/">Back to the live channels</Link>
        </p>
      </div>
    );
  }
  return (
    <div className="admin">
      <h1>Admin</h1>
      <FormError text={problem} />
      {!overview || !system || !users || !replays ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <dl className="stream-charts__stats admin-summary" data-testid="admin-summary">
            <div>
              <dt>Live streams</dt>
              <dd>{overview.streams.length}</dd>
            </div>
            <div>
              <dt>Viewers</dt>
              <dd>{overview.streams.reduce((a, s) => a + s.viewers, 0)}</dd>
            </div>
            <div>
              <dt>Users</dt>
              <dd>
                {overview.users.total}
                {overview.users.disabled > 0 && <span className="muted admin-table__sub"> ({overview.users.disabled} disabled)</span>}
              </dd>
            </div>
            <div>
              <dt>Replays</dt>
              <dd>
                {overview.storage.replays} · {formatBytes(overview.storage.replayBytes)}
              </dd>
            </div>
            {overview.storage.diskFreeBytes !== null && (
              <div>
                <dt>Disk free</dt>
                <dd>{formatBytes(overview.storage.diskFreeBytes)}</dd>
              </div>
            )}
            <div>
              <dt>Up for</dt>
              <dd>{formatDuration(overview.uptimeSeconds)}</dd>
            </div>
          </dl>

          <section className="card settings-section" aria-labelledby="admin-live">
            <h2 id="admin-live">Live streams</h2>
            <LiveStreams overview={overview} />
          </section>

          <section className="card settings-section" aria-labelledby="admin-system">
            <h2 id="admin-system">Server</h2>
            <SystemCharts system={system} />
          </section>

          <section className="card settings-section" aria-labelledby="admin-users">
            <h2 id="admin-users">Users</h2>
            <label className="field admin-search">
              <span>Search</span>
              <input
                type="search"
                value={search}
                maxLength={64}
                onChange={(e) => {
                  setSearch(e.target.value);
                  setUserOffset(0);
                }}
                placeholder="username"
              />
            </label>
            <Users users={users} me={user.id} onChanged={() => setTick((t) => t + 1)} />
            <Pager offset={users.offset} total={users.total} onPage={setUserOffset} />
          </section>

          <section className="card settings-section" aria-labelledby="admin-replays">
            <h2 id="admin-replays">Replays</h2>
            <p className="hint">
              {replays.total} replays use {formatBytes(replays.totalBytes)} on disk. Largest first.
            </p>
            <div className="table-wrap">
              <table className="admin-table" data-testid="admin-replays">
                <thead>
                  <tr>
                    <th>Channel</th>
                    <th>Title</th>
                    <th>Started</th>
                    <th>Length</th>
                    <th>Size</th>
                  </tr>
                </thead>
                <tbody>
                  {replays.replays.map((r) => (
                    <tr key={r.id}>
                      <td>{r.channel}</td>
                      <td>
                        <Link to={`/replay/${r.id}`}>{r.title}</Link>
                      </td>
                      <td>{formatDate(r.startedAt)}</td>
                      <td className="num">{formatDuration(r.durationSeconds)}</td>
                      <td className="num">{formatBytes(r.bytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager offset={replays.offset} total={replays.total} onPage={setReplayOffset} />
          </section>
        </>
      )}
    </div>
  );
}

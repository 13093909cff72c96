// /dashboard: the streamer's own streams, the live one and past ones, each with its charts (shared StreamCharts).
// The live stream's charts update themselves; `?stream=ID` picks one.
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import type { MyStream, StreamMetrics } from '../../../shared/contracts.js';
import { StreamCharts } from '../../../shared/StreamCharts.js';
import { useSession } from '../../../shared/stores/session.js';
import { navigate, useLocation } from '../router.js';
import { formatDate, FormError, usePoll } from '../ui.js';
import { AuthForms } from './AuthForms.js';

/** How often the list asks whether a stream started or ended. */
const LIST_POLL_MS = 15_000;
/** The live charts ask at the server's sampling interval, within these bounds. */
const LIVE_POLL_MIN_MS = 2_000;
const LIVE_POLL_MAX_MS = 15_000;

const label = (s: MyStream) => (s.live ? `Live now — ${s.title}` : `${formatDate(s.startedAt)} — ${s.title}`);

export function Dashboard() {
  const { status } = useSession();
  const { query } = useLocation();
  const [streams, setStreams] = useState<MyStream[] | null>(null);
  const [intervalMs, setIntervalMs] = useState(10_000);
  const [metrics, setMetrics] = useState<StreamMetrics | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const signedIn = status === 'signed-in';

  useEffect(() => {
    document.title = 'Dashboard · Onair';
  }, []);

  usePoll(
    async (current) => {
      if (!signedIn) return;
      try {
        const r = await api.myStreams();
        if (!current()) return;
        setStreams(r.streams);
        setIntervalMs(r.intervalSeconds * 1000);
        setProblem(null);
      } catch (err) {
        if (current()) setProblem(errorMessage(err));
      }
    },
    LIST_POLL_MS,
    [signedIn],
  );

  const chosen = streams?.find((s) => s.id === query.get('stream')) ?? streams?.[0] ?? null;
  const live = chosen?.live ?? false;
  usePoll(
    async (current) => {
      if (!chosen) return;
      // A past stream does not change: asked once.
      if (metrics?.stream.id === chosen.id && !live) return;
      try {
        const m = await api.streamMetrics(chosen.id);
        if (current()) setMetrics(m);
      } catch (err) {
        if (current()) setProblem(errorMessage(err));
      }
    },
    Math.min(LIVE_POLL_MAX_MS, Math.max(LIVE_POLL_MIN_MS, intervalMs)),
    [chosen?.id, live, intervalMs],
  );

  if (status === 'unknown') return <p className="muted">Loading…</p>;
  if (!signedIn) {
    return (
      <div className="section">
        <h1>Dashboard</h1>
        <p>Sign in to see your streams’ viewers, bitrate and health.</p>
        <AuthForms next="/dashboard" />
      </div>
    );
  }
  const shown = metrics && chosen && metrics.stream.id === chosen.id ? metrics : null;
  return (
    <div className="dashboard">
      <h1>Dashboard</h1>
      <FormError text={problem} />
      {streams === null ? (
        <p className="muted">Loading…</p>
      ) : streams.length === 0 ? (
        <div className="card">
          <p>No streams yet. Go live (see Settings for your stream key) and your charts appear here.</p>
        </div>
      ) : (
        <>
          <label className="field dashboard__pick">
            <span>Stream</span>
            <select
              value={chosen?.id ?? ''}
              onChange={(e) => navigate(`/dashboard?stream=${encodeURIComponent(e.target.value)}`, { replace: true })}
              data-testid="stream-picker"
            >
              {streams.map((s) => (
                <option key={s.id} value={s.id}>
                  {label(s)}
                </option>
              ))}
            </select>
          </label>
          <section className="card" aria-label="Charts">
            {shown ? <StreamCharts metrics={shown} /> : <p className="muted">Loading charts…</p>}
          </section>
        </>
      )}
    </div>
  );
}

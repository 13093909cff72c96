// One stream's dashboard, as the viewer app's /dashboard and the Studio show it: peak and average viewers, then
// viewers, incoming bitrate, frame rate and chat per minute on one time axis (cursors move together), the stream's
// health events marked on every chart and listed below.
import { useMemo } from 'react';
import type { StreamEventKind, StreamMetrics } from './contracts.js';
import { TimeChart, type ChartMarker } from './TimeChart.js';
import './stream-charts.css';

const EVENT_LOOK: Record<StreamEventKind, { color: string; label: string }> = {
  'publisher-lost': { color: '#e5484d', label: 'Encoder disconnected' },
  'publisher-returned': { color: '#5bd49a', label: 'Encoder reconnected' },
  'keyframe-warning': { color: '#f5a524', label: 'Keyframes too rare' },
};

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

const clock = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function StreamCharts({ metrics, syncKey = 'stream' }: { metrics: StreamMetrics; syncKey?: string }) {
  const { stream, series, events } = metrics;
  const markers = useMemo<ChartMarker[]>(() => events.map((e) => ({ at: e.at, color: EVENT_LOOK[e.kind]?.color ?? '#9a9aa8' })), [events]);
  const charts = useMemo(
    () => [
      { id: 'viewers', title: 'Viewers', s: { label: 'Viewers', color: '#9b85ff' }, v: series.viewers },
      { id: 'bitrate', title: 'Incoming bitrate', s: { label: 'Bitrate', color: '#4cc3ff', unit: 'kb/s' }, v: series.bitrateKbps },
      { id: 'fps', title: 'Frame rate', s: { label: 'Frame rate', color: '#5bd49a', unit: 'fps' }, v: series.fps },
      { id: 'chat', title: 'Chat messages per minute', s: { label: 'Chat', color: '#f5a524', unit: '/min' }, v: series.chatPerMinute },
    ],
    [series],
  );
  const lastBitrate = series.bitrateKbps.at(-1);
  return (
    <div className="stream-charts" data-testid="stream-charts">
      <dl className="stream-charts__stats">
        <div>
          <dt>Peak viewers</dt>
          <dd data-testid="peak-viewers">{stream.peakViewers}</dd>
        </div>
        <div>
          <dt>Average viewers</dt>
          <dd data-testid="average-viewers">{stream.averageViewers}</dd>
        </div>
        <div>
          <dt>{stream.live ? 'Live for' : 'Duration'}</dt>
          <dd>{duration(stream.durationSeconds)}</dd>
        </div>
        {stream.live && lastBitrate !== undefined && (
          <div>
            <dt>Bitrate now</dt>
            <dd>{lastBitrate} kb/s</dd>
          </div>
        )}
      </dl>
      {series.at.length === 0 ? (
        <p className="muted" data-testid="no-samples">
          No samples yet: the first arrives a few seconds after the stream starts.
        </p>
      ) : (
        <div className="stream-charts__grid">
          {charts.map((c) => (
            <section key={c.id} className="stream-charts__chart" aria-label={c.title}>
              <h3>{c.title}</h3>
              <TimeChart title={c.title} series={[c.s]} at={series.at} values={[c.v]} markers={markers} syncKey={syncKey} testId={`chart-${c.id}`} />
            </section>
          ))}
        </div>
      )}
      <section className="stream-charts__events" aria-label="Stream health">
        <h3>Stream health</h3>
        {events.length === 0 ? (
          <p className="muted">No reconnects or warnings{stream.live ? ' so far' : ''}.</p>
        ) : (
          <ol data-testid="health-events">
            {events.map((e, i) => (
              <li key={i}>
                <span className="stream-charts__swatch" style={{ background: EVENT_LOOK[e.kind]?.color }} aria-hidden="true" />
                <time dateTime={new Date(e.at).toISOString()}>{clock(e.at)}</time> <strong>{EVENT_LOOK[e.kind]?.label ?? e.kind}</strong>{' '}
                <span className="muted">{e.detail}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

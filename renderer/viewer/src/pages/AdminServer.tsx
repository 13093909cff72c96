// /admin's server side: the live streams table (what /stat shows, readable) and the server process's charts.
import type { AdminLiveStream, AdminOverview, AdminSystem } from '../../../shared/contracts.js';
import { TimeChart } from '../../../shared/TimeChart.js';
import { Link } from '../router.js';
import { formatDuration } from '../ui.js';

function videoText(s: AdminLiveStream): string {
  const v = s.video;
  if (!v) return '—';
  return `${v.codec}${v.profile ? ` ${v.profile}` : ''} ${v.width}×${v.height}${v.fps ? ` @ ${Math.round(v.fps * 100) / 100}` : ''}`;
}

function audioText(s: AdminLiveStream): string {
  const a = s.audio;
  return a
    ? `${a.codec}${a.profile ? ` ${a.profile}` : ''} ${a.sampleRate / 1000} kHz ${a.channels === 1 ? 'mono' : a.channels === 2 ? 'stereo' : `${a.channels} ch`}`
    : '—';
}

export function LiveStreams({ overview }: { overview: AdminOverview }) {
  if (overview.streams.length === 0) return <p className="muted">Nobody is live.</p>;
  return (
    <div className="table-wrap">
      <table className="admin-table" data-testid="admin-streams">
        <thead>
          <tr>
            <th>Channel</th>
            <th>State</th>
            <th>Video</th>
            <th>Audio</th>
            <th>Bitrate</th>
            <th>Viewers</th>
            <th>Uptime</th>
            <th>Keyframes</th>
            <th>Publisher</th>
          </tr>
        </thead>
        <tbody>
          {overview.streams.map((s) => (
            <tr key={s.channel} data-testid={`stream-row-${s.channel}`}>
              <td>
                <Link to={`/c/${s.channel}`}>{s.channel}</Link>
                {s.title && <div className="muted admin-table__sub">{s.title}</div>}
              </td>
              <td>
                {s.state === 'live' ? <span className="admin-badge admin-badge--live">live</span> : <span className="admin-badge">waiting</span>}
              </td>
              <td>{videoText(s)}</td>
              <td>{audioText(s)}</td>
              <td className="num">{s.bitrateKbps} kb/s</td>
              <td className="num">{s.viewers}</td>
              <td className="num">{formatDuration(s.uptimeSeconds)}</td>
              <td className={s.keyframes.warning ? 'form-error' : ''}>
                {s.keyframes.maxIntervalSeconds === null ? '—' : `every ${s.keyframes.maxIntervalSeconds.toFixed(1)} s`}
              </td>
              <td>
                {s.publisherAddress ?? '—'}
                {s.node && <div className="muted admin-table__sub">node {s.node}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SystemCharts({ system }: { system: AdminSystem }) {
  const h = system.history;
  const at = h.map((s) => s.at);
  const charts = [
    { id: 'cpu', title: 'CPU', series: [{ label: 'CPU', color: '#9b85ff', unit: '%' }], values: [h.map((s) => s.cpuPercent)] },
    {
      id: 'memory',
      title: 'Memory',
      series: [
        { label: 'Resident', color: '#4cc3ff', bytes: true },
        { label: 'Heap used', color: '#5bd49a', bytes: true },
      ],
      values: [h.map((s) => s.rssBytes), h.map((s) => s.heapUsedBytes)],
    },
    { id: 'loop', title: 'Event-loop delay', series: [{ label: 'Delay', color: '#f5a524', unit: 'ms' }], values: [h.map((s) => s.eventLoopDelayMs)] },
    {
      id: 'connections',
      title: 'Connections',
      series: [
        { label: 'RTMP', color: '#e5484d' },
        { label: 'HTTP', color: '#4cc3ff' },
        { label: 'Chat', color: '#5bd49a' },
      ],
      values: [h.map((s) => s.rtmpConnections), h.map((s) => s.httpConnections), h.map((s) => s.chatConnections)],
    },
  ];
  return (
    <div className="stream-charts__grid">
      {charts.map((c) => (
        <section key={c.id} className="stream-charts__chart" aria-label={c.title}>
          <h3>{c.title}</h3>
          <TimeChart title={c.title} series={c.series} at={at} values={c.values} syncKey="system" testId={`system-${c.id}`} />
        </section>
      ))}
    </div>
  );
}

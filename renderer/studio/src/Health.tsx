// The stream's figures while live, about once a second from main in either mode (ffmpeg's progress, or the engine
// sender's own counters; the bitrate is bytes sent over the last 2 s) and a bitrate sparkline. Off air every figure
// is a dash: the figures of a stream that has ended are not left standing as if it still ran.
import { clock } from '../../../electron/state-line.js';
import { useStudio } from './store.js';

const NONE = '—';

export function Health() {
  const h = useStudio((s) => s.health);
  const history = useStudio((s) => s.history);
  const fig = (id: string, label: string, value: string) => (
    <div className="fig">
      <span className="fig__label">{label}</span>
      <span className="fig__value" data-testid={`health-${id}`}>
        {value}
      </span>
    </div>
  );
  const max = Math.max(1, ...history);
  return (
    <div className="health" data-testid="health" data-state={h ? 'live' : 'idle'}>
      {fig('bitrate', 'Bitrate', h ? `${h.bitrateKbps} kb/s` : NONE)}
      {fig('fps', 'FPS', h ? h.fps.toFixed(1) : NONE)}
      {fig('dropped', 'Dropped', h ? String(h.droppedFrames) : NONE)}
      {fig('duplicated', 'Duplicated', h ? String(h.duplicatedFrames) : NONE)}
      {fig('speed', 'Speed', h ? `${h.speed.toFixed(2)}×` : NONE)}
      {fig('cpu', 'CPU', h ? `${h.cpuPercent}%` : NONE)}
      {fig('uptime', 'Uptime', h ? clock(h.uptimeSeconds) : NONE)}
      <svg className="spark" viewBox="0 0 60 20" preserveAspectRatio="none" aria-hidden="true">
        <polyline fill="none" stroke="currentColor" strokeWidth="1" points={history.map((b, i) => `${i},${20 - (b / max) * 18}`).join(' ')} />
      </svg>
    </div>
  );
}

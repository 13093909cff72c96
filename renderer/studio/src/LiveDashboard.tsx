// The live stream's dashboard in the Studio: the same charts as the viewer app's /dashboard (shared StreamCharts),
// asked of the server through main (which holds the token) while the channel is live.
import { useEffect, useState } from 'react';
import type { StreamMetrics } from '../../shared/contracts.js';
import { StreamCharts } from '../../shared/StreamCharts.js';
import { call } from './onair.js';

/** How often main asks the server: about its sampling interval (10 s by default). */
const POLL_MS = 5_000;

export function LiveDashboard() {
  const [metrics, setMetrics] = useState<StreamMetrics | null>(null);
  useEffect(() => {
    let stop = false;
    const ask = () =>
      call('channel:liveMetrics', {}).then(
        // The server's answer passed through main unchanged (see the contract).
        (m) => !stop && setMetrics((m as StreamMetrics | null) ?? null),
        () => undefined, // offline or signed out: the next poll tries again, the last answer stays
      );
    void ask();
    const t = setInterval(() => void ask(), POLL_MS);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, []);
  if (!metrics) return null;
  return (
    <details className="live-dashboard" open data-testid="studio-dashboard">
      <summary>Stream dashboard</summary>
      <StreamCharts metrics={metrics} syncKey="studio-stream" />
    </details>
  );
}

// "Watch as viewers do": the channel's live HLS from the Onair server in the viewers' own player (hls.js with
// Low-Latency HLS and the latency badge), so the streamer sees what viewers see and how far behind. Main hands over
// the URL (with a media token on a channel that is not public); the account token never reaches this window.
import { useEffect, useRef, useState } from 'react';
import { Player, type PlayerError } from '../../shared/Player.js';
import { call } from './onair.js';

/** A refused playlist (the media token ran out, or the channel became private) asks main for a new source this rarely. */
const REFRESH_MIN_MS = 60_000;

export function LiveMonitor() {
  const [src, setSrc] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [asks, setAsks] = useState(0);
  const lastAsk = useRef(0);
  useEffect(() => {
    let stop = false;
    lastAsk.current = Date.now();
    call('monitor:source', {}).then(
      ({ hlsUrl }) => {
        if (stop) return;
        setSrc(hlsUrl);
        setErr(null);
      },
      (e: Error) => !stop && setErr(e.message),
    );
    return () => {
      stop = true;
    };
  }, [asks]);
  const onError = (e: PlayerError) => {
    if (e.code === 'forbidden' && Date.now() - lastAsk.current > REFRESH_MIN_MS) setAsks((n) => n + 1);
  };
  if (err) return <div className="preview__empty">{err}</div>;
  if (!src) return <div className="preview__empty">Connecting to your channel…</div>;
  return <Player key={src} src={src} live startMuted label="Your stream as viewers see it" onError={onError} />;
}

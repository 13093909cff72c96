// The picture. Before going live: a frame of the chosen source every few seconds (main grabs it with ffmpeg). While a
// broadcast runs: the program, what is being sent, about twice a second from the broadcast's own ffmpeg (as OBS
// shows its program output; the source itself belongs to the broadcast then). Live on an Onair server, "Watch as
// viewers do" swaps in the channel as the server plays it (LiveMonitor), delay included.
import { useEffect, useState } from 'react';
import { broadcastRuns, type BroadcastState } from '../../../electron/ipc-contract.js';
import { LiveMonitor } from './LiveMonitor.js';
import { call } from './onair.js';
import { useStudio } from './store.js';

/** A fresh frame of the source this often before going live (each one is a short ffmpeg run). */
const SNAPSHOT_EVERY_MS = 5000;

const PROGRAM_TAG: Partial<Record<BroadcastState['kind'], string>> = {
  connecting: 'Starting…',
  live: 'Program: what is being sent',
  reconnecting: 'Reconnecting: the last picture sent',
};

export function Preview({ onair }: { onair: boolean }) {
  const sourceId = useStudio((s) => s.sourceId);
  const sources = useStudio((s) => s.sources);
  const kind = useStudio((s) => s.broadcast.kind);
  const program = useStudio((s) => s.program);
  const active = broadcastRuns(kind);
  // The monitor plays the channel from the server: only on an Onair server, and only once the stream is on air.
  const [watching, setWatching] = useState(false);
  const monitor = watching && onair && kind === 'live';
  const [img, setImg] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const spec = sources?.sources.find((x) => x.id === sourceId)?.spec;

  useEffect(() => {
    if (!spec || active) return;
    let stop = false;
    const grab = async () => {
      try {
        const { dataUrl } = await call('preview:snapshot', { source: spec });
        if (!stop) {
          setImg(dataUrl);
          setErr(null);
        }
      } catch (e) {
        if (!stop) setErr((e as Error).message);
      }
    };
    void grab();
    const t = setInterval(() => void grab(), SNAPSHOT_EVERY_MS);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [spec, active]);

  let picture;
  if (monitor) picture = <LiveMonitor />;
  else if (active && program) picture = <img src={program} alt="The picture being sent" data-testid="program" />;
  else
    picture = (
      <>
        {img ? <img src={img} alt="Preview of the source" /> : <div className="preview__empty">{err ?? 'Taking a preview…'}</div>}
        {img && err && !active && <p className="preview__err">{err}</p>}
      </>
    );
  return (
    <>
      <div className="preview" data-testid="preview" data-mode={monitor ? 'monitor' : active ? 'program' : 'source'}>
        {picture}
        {active && !monitor && <span className={`preview__tag preview__tag--${kind}`}>{PROGRAM_TAG[kind]}</span>}
      </div>
      {onair && kind === 'live' && (
        <button type="button" className="preview__toggle" aria-pressed={watching} onClick={() => setWatching(!watching)}>
          {watching ? 'Show what is being sent' : 'Watch as viewers do'}
        </button>
      )}
    </>
  );
}

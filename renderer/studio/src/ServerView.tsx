// What the Onair server says about the channel's stream, shown under Go Live: its keyframe interval warning and the
// restream destinations it pushes the stream to (set in the web settings), each with its state.
// The Studio's own broadcaster sets its GOP from "Keyframe (s)", but what counts is what the server receives (a
// long setting here, or OBS or a phone publishing to the same account).
import { useEffect, useState } from 'react';
import type { ServerStreamView } from '../../../electron/ipc-contract.js';
import { destinationStatusText } from '../../shared/destination-status.js';
import { KeyframeWarningNote } from '../../shared/KeyframeWarning.js';
import { call } from './onair.js';

/** How often main asks the server: small GETs; while live, often enough to follow a destination connecting. */
const POLL_MS = 10_000;
const LIVE_POLL_MS = 2_000;

export function ServerView() {
  const [view, setView] = useState<ServerStreamView | null>(null);
  const live = view?.live === true;
  useEffect(() => {
    let stop = false;
    const ask = () =>
      call('channel:serverView', {}).then(
        (v) => !stop && setView(v),
        () => undefined, // offline or signed out: the next poll tries again, the last answer stays
      );
    void ask();
    const t = setInterval(() => void ask(), live ? LIVE_POLL_MS : POLL_MS);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [live]);
  if (!view) return null;
  return (
    <>
      {live && view.keyframeWarning && <KeyframeWarningNote warning={view.keyframeWarning} />}
      {view.restreams.length > 0 && (
        <div className="small server-restreams" data-testid="server-restreams">
          <p className="muted">The Onair server also sends your stream to (change them in the web settings):</p>
          <ul>
            {view.restreams.map((r) => (
              <li key={r.id} data-testid="server-restream" data-state={r.status.state}>
                <strong>{r.name}</strong> <span className="muted">{r.host}</span>: {destinationStatusText(r.status, r.enabled)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

// What the Onair server says about the channel's stream, shown under Go Live: today its keyframe interval warning.
// The Studio's own broadcaster sets its GOP from "Keyframe (s)", but what counts is what the server receives (a
// long setting here, or OBS or a phone publishing to the same account).
import { useEffect, useState } from 'react';
import type { ServerStreamView } from '../../../electron/ipc-contract.js';
import { KeyframeWarningNote } from '../../shared/KeyframeWarning.js';
import { call } from './onair.js';

/** How often main asks the server (one small GET; the warning needs a few GOPs to appear anyway). */
const POLL_MS = 10_000;

export function ServerView() {
  const [view, setView] = useState<ServerStreamView | null>(null);
  useEffect(() => {
    let stop = false;
    const ask = () =>
      call('channel:serverView', {}).then(
        (v) => !stop && setView(v),
        () => undefined, // offline or signed out: the next poll tries again, the last answer stays
      );
    void ask();
    const t = setInterval(() => void ask(), POLL_MS);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, []);
  if (!view?.live || !view.keyframeWarning) return null;
  return <KeyframeWarningNote warning={view.keyframeWarning} />;
}

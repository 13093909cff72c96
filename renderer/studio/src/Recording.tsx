// The local recording under Go Live: the file it records to (which may be a numbered sibling of the name given:
// nothing is written over) and the vertical one's beside it, where it recorded once stopped, or why it is not
// recording; and OBS's Start Recording / Stop Recording as a button: while live in either mode (the broadcast records
// from its own encode), and in the engine mode with no stream too (the Studio's encoder starts for the recording
// alone, and a Go Live joins it). The recording goes to "Also record to", else main's default (the Videos folder,
// named by date and time).
import { useState } from 'react';
import { recordingWrites, type RecordingStatus } from '../../../electron/broadcast/types.js';
import { broadcastRuns } from '../../../electron/ipc-contract.js';
import { call } from './onair.js';
import { useStudio } from './store.js';

function fileLine(r: Omit<RecordingStatus, 'vertical'>, what: string): string {
  if (r.state === 'recording') return `● Recording${what} to ${r.path}`;
  if (r.state === 'stopped') return `Recorded${what} to ${r.path}`;
  return r.reason ?? `The recording${what} failed.`;
}

export function RecordingLine() {
  const r = useStudio((s) => s.recording);
  const engine = useStudio((s) => s.mode === 'engine');
  const live = useStudio((s) => broadcastRuns(s.broadcast.kind));
  const [busy, setBusy] = useState(false);
  const recording = recordingWrites(r);
  // With ffmpeg encoding a recording needs the stream's encode: the button is there while it runs (or records).
  const button = engine || live || recording;

  const toggle = async () => {
    setBusy(true);
    useStudio.setState({ error: null });
    try {
      // The files' names come back as 'broadcast:recording' events (the store mirrors them).
      if (recording) await call('recording:stop', {});
      else await useStudio.getState().record();
    } catch (err) {
      useStudio.setState({ error: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  if (!r && !button) return null;
  return (
    <div className="recording-row">
      {button && (
        <button type="button" className="recording__toggle" onClick={() => void toggle()} disabled={busy} data-testid="record-toggle">
          {busy ? (recording ? 'Finishing the file…' : 'Starting…') : recording ? 'Stop recording' : 'Start recording'}
        </button>
      )}
      {r && (
        <p
          className={`recording recording--${r.state}`}
          data-testid="recording"
          data-state={r.state}
          role={r.state === 'failed' ? 'alert' : undefined}
        >
          {fileLine(r, '')}
          {r.vertical && (
            <span className="recording__vertical" data-testid="recording-vertical" data-state={r.vertical.state}>
              {fileLine(r.vertical, ' the vertical output')}
            </span>
          )}
        </p>
      )}
    </div>
  );
}

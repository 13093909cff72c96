// The local recording's line under Go Live: the file it records to (which may be a numbered sibling of the name given:
// nothing is written over), where it recorded once the stream stopped, or why it is not recording.
import { useStudio } from './store.js';

export function RecordingLine() {
  const r = useStudio((s) => s.recording);
  if (!r) return null;
  const text =
    r.state === 'recording' ? `● Recording to ${r.path}` : r.state === 'stopped' ? `Recorded to ${r.path}` : (r.reason ?? 'The recording failed.');
  return (
    <p className={`recording recording--${r.state}`} data-testid="recording" data-state={r.state} role={r.state === 'failed' ? 'alert' : undefined}>
      {text}
    </p>
  );
}

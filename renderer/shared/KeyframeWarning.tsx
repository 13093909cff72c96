// The server's keyframe interval warning, as the streamer sees it on the settings page and in the Studio: what
// happens and the encoder setting that fixes it, both worded by the server (server/media/keyframe-cadence.ts).
import type { KeyframeWarning } from './contracts.js';
import './keyframe-warning.css';

export function KeyframeWarningNote({ warning }: { warning: Pick<KeyframeWarning, 'message' | 'fix'> }) {
  return (
    <div className="keyframe-warning" role="status" data-testid="keyframe-warning">
      <p>
        <strong>Keyframes are too far apart.</strong> {warning.message}
      </p>
      <p>
        <strong>Fix:</strong> {warning.fix}
      </p>
    </div>
  );
}

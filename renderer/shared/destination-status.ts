// Where a restream destination's push is, in words: the server's destinations (viewer app settings) and the
// Studio's own extra destinations report the same states.
import type { DestinationStatus } from './contracts.js';

export function destinationStatusText(s: Pick<DestinationStatus, 'state' | 'reason' | 'bitrateKbps' | 'droppedFrames'>, enabled: boolean): string {
  switch (s.state) {
    case 'idle':
      return s.reason ?? (enabled ? 'Waits for you to go live' : 'Disabled');
    case 'connecting':
      return 'Connecting…';
    case 'live':
      return `Live, ${s.bitrateKbps} kb/s${s.droppedFrames ? ` (${s.droppedFrames} frames dropped: the destination is slow)` : ''}`;
    case 'retrying':
      return `Retrying: ${s.reason ?? 'connection lost'}`;
    case 'failed':
      return `Failed: ${s.reason ?? 'refused by the server'}`;
  }
}

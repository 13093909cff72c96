// The broadcast state in plain words, for the tray (electron/main) and the Studio's status line (renderer/studio).
// Pure; no Node, no DOM.
import type { BroadcastState } from './broadcast/types.js';
import { broadcastRuns } from './ipc-contract.js';

export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${h > 0 ? `${h}:` : ''}${pad(m)}:${pad(s % 60)}`;
}

export function stateLine(st: BroadcastState, now: number): string {
  switch (st.kind) {
    case 'idle':
      return 'Not live';
    case 'connecting':
      return st.attempt > 1 ? `Connecting (attempt ${st.attempt})…` : 'Connecting…';
    case 'live':
      return `Live ${clock((now - st.since) / 1000)}`;
    case 'reconnecting':
      return `Reconnecting in ${Math.ceil(st.retryInMs / 1000)} s: ${st.reason}`;
    case 'ended':
      return 'Ended';
    case 'failed':
      return `Failed: ${st.reason}`;
  }
}

/**
 * The tray's line: the broadcast's state, and a recording that runs without a stream, which is no broadcast but keeps
 * the machine awake all the same ("Not live · Recording"). `busy`: a stream or a recording runs (StudioCore.busy).
 */
export function trayLine(st: BroadcastState, busy: boolean, now: number): string {
  return `${stateLine(st, now)}${busy && !broadcastRuns(st.kind) ? ' · Recording' : ''}`;
}

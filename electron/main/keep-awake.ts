// While a broadcast runs the machine must not sleep and the window must not be throttled in the background: the
// engine mode encodes in the window, and a hidden window's timers would otherwise slow to once a second.
import type { PowerSaveBlocker, WebContents } from 'electron';
import { broadcastRuns, type BroadcastState } from '../ipc-contract.js';

export function keepAwake(blocker: PowerSaveBlocker): (state: BroadcastState, contents: WebContents | null) => void {
  let id: number | null = null;
  return (state, contents) => {
    const live = broadcastRuns(state.kind);
    if (live && id === null) id = blocker.start('prevent-app-suspension');
    if (!live && id !== null) {
      blocker.stop(id);
      id = null;
    }
    if (contents && !contents.isDestroyed()) contents.setBackgroundThrottling(!live);
  };
}

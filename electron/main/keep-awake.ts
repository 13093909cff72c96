// While a broadcast or a recording runs the machine must not sleep and the window must not be throttled in the
// background: the engine mode encodes in the window, and a hidden window's timers would otherwise slow to once a second.
import type { PowerSaveBlocker, WebContents } from 'electron';

export function keepAwake(blocker: PowerSaveBlocker): (busy: boolean, contents: WebContents | null) => void {
  let id: number | null = null;
  return (busy, contents) => {
    if (busy && id === null) id = blocker.start('prevent-app-suspension');
    if (!busy && id !== null) {
      blocker.stop(id);
      id = null;
    }
    if (contents && !contents.isDestroyed()) contents.setBackgroundThrottling(!busy);
  };
}

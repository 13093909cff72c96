// Main tells the window its broadcast state two ways: as events, and in the replies to calls (Go Live, Stop,
// status). Over the dev bridge they travel apart (one event stream; one request per call), so a 'live' event can
// arrive before the reply of a call that read 'connecting' just before: applied in arrival order, the window would
// say "Connecting…" of a live stream until the next change. A reply's state is applied only if no event came while
// the call was on its way; an event is always newer than what such a call read. The store applies its calls'
// replies so (store.ts); the dev bridge's client its re-read when its event stream opens (onair.ts).
import type { BroadcastState } from '../../../electron/ipc-contract.js';

export class BroadcastReplies {
  private events = 0;

  /** A broadcast:state event was heard (and applied). */
  heardEvent(): void {
    this.events++;
  }

  /** Calls `read`; its state goes to `apply` unless an event was heard meanwhile. Resolves with the reply. */
  async read<T extends { state: BroadcastState }>(read: () => Promise<T>, apply: (s: BroadcastState) => void): Promise<T> {
    const seen = this.events;
    const reply = await read();
    if (this.events === seen) apply(reply.state);
    return reply;
  }
}

// The Studio's only way to main: `window.onair` (the preload, in the desktop app) or, in a plain browser, the dev
// bridge's HTTP client implementing the same OnairApi from the contract (electron/dev-bridge).
import {
  EVENT_NAMES,
  type EventMap,
  type EventName,
  type InvokeChannel,
  type InvokeReply,
  type InvokeRequest,
  type IpcResult,
  type OnairApi,
} from '../../../electron/ipc-contract.js';
import { BroadcastReplies } from './broadcast-replies.js';

declare global {
  interface Window {
    onair?: OnairApi;
  }
}

function bridgeClient(base = ''): OnairApi {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const deliver = (name: EventName, payload: unknown) => {
    for (const cb of listeners.get(name) ?? []) cb(payload);
  };
  const replies = new BroadcastReplies();
  let source: EventSource | null = null;
  const connect = () => {
    if (source) return;
    source = new EventSource(`${base}/bridge/events`);
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (e) => {
        if (name === 'broadcast:state') replies.heardEvent();
        deliver(name, JSON.parse((e as MessageEvent<string>).data));
      });
    }
    // Events sent while the stream was not connected (its first connection can come after the page's first calls;
    // a dropped one reconnects) are lost: each time it opens, the broadcast's state is read again and delivered as
    // an event, unless a newer one came meanwhile. Otherwise the window could say "Connecting…" of a live stream.
    // (By the time it opens, `onair` is this client: `call` goes through it.)
    source.addEventListener('open', () => {
      replies
        .read(
          () => call('broadcast:status', {}),
          (s) => deliver('broadcast:state', s),
        )
        .catch(() => {});
    });
  };
  return {
    async invoke<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<IpcResult<InvokeReply<C>>> {
      try {
        const res = await fetch(`${base}/bridge/invoke/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-onair-bridge': '1' },
          body: JSON.stringify(request ?? {}),
        });
        return (await res.json()) as IpcResult<InvokeReply<C>>;
      } catch {
        return { ok: false, error: { code: 'bridge_unreachable', message: 'Cannot reach the Studio dev bridge.' } };
      }
    },
    on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void) {
      connect();
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const fn = cb as (p: unknown) => void;
      set.add(fn);
      return () => void set.delete(fn);
    },
  };
}

export const onair: OnairApi = window.onair ?? bridgeClient();

export class StudioRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** invoke, unwrapped: the value, or a StudioRequestError with the plain-words reason. */
export async function call<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<InvokeReply<C>> {
  const r = await onair.invoke(channel, request);
  if (!r.ok) throw new StudioRequestError(r.error.code, r.error.message);
  return r.value;
}

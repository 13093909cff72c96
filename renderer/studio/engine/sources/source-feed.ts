// How a layer reaches a feed main opens for it (electron/source-feed.ts: a phone's screen, a web page rendered
// offscreen): in the desktop app a MessagePort the preload opens (main sends on it), in a plain browser or the
// headless Studio the dev bridge's streamed HTTP response. Both deliver the same messages: state events and bytes.
import type { OnairApi } from '../../../../electron/ipc-contract.js';
import {
  FEED_PORT_MESSAGE,
  FeedFrameReader,
  isFeedEvent,
  SOURCE_FEED_PATH,
  type FeedMessage,
  type FeedRequest,
} from '../../../../electron/source-feed.js';

/** Opens one feed; `onEnd` once it stops by itself (never after the returned close is called). */
export type FeedOpener = (request: FeedRequest, onMessage: (m: FeedMessage) => void, onEnd: (reason: string) => void) => () => void;

export function sourceFeedOpener(api: OnairApi | undefined): FeedOpener {
  return api?.openFeedPort ? (r, m, e) => openPort(api, r, m, e) : openStream;
}

// The port has no "closed by the other side" event in the page: main ends a feed only after a `failed` state.
function openPort(api: OnairApi, request: FeedRequest, onMessage: (m: FeedMessage) => void, _onEnd: (reason: string) => void): () => void {
  const nonce = Math.random().toString(36).slice(2);
  let port: MessagePort | null = null;
  let closed = false;
  const onWindow = (e: MessageEvent) => {
    if (e.source !== window || e.data !== `${FEED_PORT_MESSAGE}:${nonce}` || !e.ports[0]) return;
    window.removeEventListener('message', onWindow);
    port = e.ports[0];
    if (closed) return port.close();
    port.onmessage = (m: MessageEvent) => {
      const d: unknown = m.data;
      if (d instanceof Uint8Array) onMessage(d);
      else if (d instanceof ArrayBuffer) onMessage(new Uint8Array(d));
      else if (isFeedEvent(d)) onMessage(d);
    };
    port.start();
  };
  window.addEventListener('message', onWindow);
  api.openFeedPort!(request, nonce);
  return () => {
    closed = true;
    window.removeEventListener('message', onWindow);
    port?.close();
  };
}

function openStream(request: FeedRequest, onMessage: (m: FeedMessage) => void, onEnd: (reason: string) => void): () => void {
  const abort = new AbortController();
  const what = request.kind === 'phone' ? "The phone's feed" : "The web page's feed";
  void (async () => {
    const res = await fetch(`${SOURCE_FEED_PATH}?request=${encodeURIComponent(JSON.stringify(request))}`, {
      headers: { 'x-onair-bridge': '1' },
      signal: abort.signal,
      cache: 'no-store',
    });
    if (!res.ok || !res.body) throw new Error(`the dev bridge answered ${res.status}`);
    const reader = res.body.getReader();
    const frames = new FeedFrameReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const m of frames.push(value)) onMessage(m);
    }
    throw new Error('the dev bridge ended it');
  })().catch((err: Error) => {
    if (!abort.signal.aborted) onEnd(`${what} stopped: ${err.message}.`);
  });
  return () => abort.abort();
}

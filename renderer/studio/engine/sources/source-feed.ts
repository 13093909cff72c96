// How a phone layer reaches main's phone feed (electron/phone-feed.ts): in the desktop app a MessagePort the preload
// opens (main sends on it), in a plain browser or the headless Studio the dev bridge's streamed HTTP response. Both
// deliver the same messages: state events and media chunks.
import type { OnairApi } from '../../../../electron/ipc-contract.js';
import { isPhoneFeedEvent, PHONE_FEED_PATH, PHONE_PORT_MESSAGE, PhoneFrameReader, type PhoneFeedMessage } from '../../../../electron/phone-feed.js';

/** Opens the feed of one phone; `onEnd` once it stops by itself (never after the returned close is called). */
export type PhoneFeedOpener = (serial: string, onMessage: (m: PhoneFeedMessage) => void, onEnd: (reason: string) => void) => () => void;

export function phoneFeedOpener(api: OnairApi | undefined): PhoneFeedOpener {
  return api?.openPhonePort ? (s, m, e) => openPort(api, s, m, e) : openStream;
}

// The port has no "closed by the other side" event in the page: main ends a feed only after a `failed` state.
function openPort(api: OnairApi, serial: string, onMessage: (m: PhoneFeedMessage) => void, _onEnd: (reason: string) => void): () => void {
  const nonce = Math.random().toString(36).slice(2);
  let port: MessagePort | null = null;
  let closed = false;
  const onWindow = (e: MessageEvent) => {
    if (e.source !== window || e.data !== `${PHONE_PORT_MESSAGE}:${nonce}` || !e.ports[0]) return;
    window.removeEventListener('message', onWindow);
    port = e.ports[0];
    if (closed) return port.close();
    port.onmessage = (m: MessageEvent) => {
      const d: unknown = m.data;
      if (d instanceof Uint8Array) onMessage(d);
      else if (d instanceof ArrayBuffer) onMessage(new Uint8Array(d));
      else if (isPhoneFeedEvent(d)) onMessage(d);
    };
    port.start();
  };
  window.addEventListener('message', onWindow);
  api.openPhonePort!(serial, nonce);
  return () => {
    closed = true;
    window.removeEventListener('message', onWindow);
    port?.close();
  };
}

function openStream(serial: string, onMessage: (m: PhoneFeedMessage) => void, onEnd: (reason: string) => void): () => void {
  const abort = new AbortController();
  void (async () => {
    const res = await fetch(`${PHONE_FEED_PATH}?serial=${encodeURIComponent(serial)}`, {
      headers: { 'x-onair-bridge': '1' },
      signal: abort.signal,
      cache: 'no-store',
    });
    if (!res.ok || !res.body) throw new Error(`the dev bridge answered ${res.status}`);
    const reader = res.body.getReader();
    const frames = new PhoneFrameReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const m of frames.push(value)) onMessage(m);
    }
    throw new Error('the dev bridge ended it');
  })().catch((err: Error) => {
    if (!abort.signal.aborted) onEnd(`The phone's feed stopped: ${err.message}.`);
  });
  return () => abort.abort();
}

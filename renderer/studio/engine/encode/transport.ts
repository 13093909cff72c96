// The media channel from the engine to the sender: in the desktop app a MessagePort the preload hands over (main
// holds the other end), in a plain browser the dev bridge's WebSocket. Both carry the same messages
// (electron/media-chunk.ts), one ArrayBuffer each, transferred or sent as one binary frame.
import { MEDIA_PORT_MESSAGE, MEDIA_SOCKET_PATH, type OnairApi } from '../../../../electron/ipc-contract.js';

export interface MediaTransport {
  /** Sends one message (the caller does not use the buffer afterwards). */
  send(message: ArrayBuffer): void;
  /** Bytes queued and not yet sent (the WebSocket's; a MessagePort reports 0). */
  readonly buffered: number;
  close(): void;
}

const OPEN_TIMEOUT_MS = 10_000;

export function openMediaTransport(api: OnairApi | undefined): Promise<MediaTransport> {
  return api?.openMediaPort ? openPort(api) : openSocket();
}

function openPort(api: OnairApi): Promise<MediaTransport> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      window.removeEventListener('message', onMessage);
      reject(new Error('The app did not open the media channel.'));
    }, OPEN_TIMEOUT_MS);
    const onMessage = (e: MessageEvent) => {
      if (e.source !== window || e.data !== MEDIA_PORT_MESSAGE || !e.ports[0]) return;
      clearTimeout(t);
      window.removeEventListener('message', onMessage);
      const port = e.ports[0];
      port.start();
      // Main is another process: Electron copies each message (a transfer list would not save that copy).
      resolve({ send: (m) => port.postMessage(m), buffered: 0, close: () => port.close() });
    };
    window.addEventListener('message', onMessage);
    api.openMediaPort!();
  });
}

function openSocket(): Promise<MediaTransport> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${MEDIA_SOCKET_PATH}`);
    ws.binaryType = 'arraybuffer';
    const t = setTimeout(() => {
      ws.close();
      reject(new Error('The dev bridge did not open the media channel.'));
    }, OPEN_TIMEOUT_MS);
    ws.onerror = () => {
      clearTimeout(t);
      reject(new Error('Cannot open the dev bridge media channel.'));
    };
    ws.onopen = () => {
      clearTimeout(t);
      resolve({
        send: (m) => ws.readyState === WebSocket.OPEN && ws.send(m),
        get buffered() {
          return ws.bufferedAmount;
        },
        close: () => ws.close(),
      });
    };
  });
}

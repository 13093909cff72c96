// The preload: exposes `window.onair`, the contract's small typed API, and nothing else. Channels and events are
// allow-listed from electron/ipc-contract.ts and ipc-guards.ts; the renderer never touches ipcRenderer. Built to CommonJS (sandboxed
// preloads cannot be ES modules) by scripts/build-electron.mjs.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  IPC_PREFIX,
  isEventName,
  MEDIA_PORT_CHANNEL,
  MEDIA_PORT_MESSAGE,
  type EventMap,
  type EventName,
  type IpcResult,
  type OnairApi,
} from '../ipc-contract.js';
import { isInvokeChannel } from '../ipc-guards.js';
import { FEED_PORT_CHANNEL, FEED_PORT_MESSAGE } from '../source-feed.js';

const api: OnairApi = {
  invoke(channel, request) {
    if (!isInvokeChannel(channel)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'unknown_channel', message: 'The app asked for something it is not allowed to.' },
      } as IpcResult<never>);
    }
    return ipcRenderer.invoke(IPC_PREFIX + channel, request);
  },
  on<E extends EventName>(event: E, cb: (payload: EventMap[E]) => void) {
    if (!isEventName(event)) throw new Error(`Unknown event ${String(event)}`);
    const listener = (_e: IpcRendererEvent, payload: EventMap[E]) => cb(payload);
    ipcRenderer.on(IPC_PREFIX + event, listener);
    return () => void ipcRenderer.removeListener(IPC_PREFIX + event, listener);
  },
  // The engine's media channel: one end to main, the other to the page (contextBridge cannot pass a port).
  openMediaPort() {
    const { port1, port2 } = new MessageChannel();
    ipcRenderer.postMessage(IPC_PREFIX + MEDIA_PORT_CHANNEL, null, [port1]);
    window.postMessage(MEDIA_PORT_MESSAGE, window.location.origin, [port2]);
  },
  // A phone or web page layer's feed: main sends on port1; the page reads port2. Main checks the request.
  openFeedPort(request, nonce) {
    const { port1, port2 } = new MessageChannel();
    ipcRenderer.postMessage(IPC_PREFIX + FEED_PORT_CHANNEL, JSON.parse(JSON.stringify(request)) as unknown, [port1]);
    window.postMessage(`${FEED_PORT_MESSAGE}:${String(nonce)}`, window.location.origin, [port2]);
  },
};

contextBridge.exposeInMainWorld('onair', Object.freeze(api));

// Web page layers in the desktop app: each page in a hidden offscreen window (Chromium renders it without showing it)
// in a session of its own (no cookies or storage shared with the Studio), sandboxed, without Node or a preload, and
// allowed no permissions, popups or downloads. Each paint is sent on the layer's feed as one JPEG
// (electron/source-feed.ts). Electron cannot run on the machines that test this project: the dev bridge's CDP
// renderer (electron/dev-bridge/web-pages.ts) is what the tests drive, with the same feed.
import { BrowserWindow, session } from 'electron';
import { pageFeed, type WebPageRenderer } from './core/source-feeds.js';

const PARTITION = 'web-page-layers';
const FRAME_RATE = 30;
const JPEG_QUALITY = 85;

let sessionReady = false;
function pagesSession(): Electron.Session {
  const s = session.fromPartition(PARTITION);
  if (!sessionReady) {
    sessionReady = true;
    s.setPermissionRequestHandler((_wc, _permission, answer) => answer(false));
    s.setPermissionCheckHandler(() => false);
    s.on('will-download', (e) => e.preventDefault());
  }
  return s;
}

export const offscreenWebPages: WebPageRenderer = (req, send) => {
  const feed = pageFeed(send);
  const win = new BrowserWindow({
    show: false,
    width: req.width,
    height: req.height,
    useContentSize: true,
    webPreferences: { offscreen: true, sandbox: true, contextIsolation: true, nodeIntegration: false, session: pagesSession() },
  });
  const wc = win.webContents;
  wc.setFrameRate(FRAME_RATE);
  wc.setAudioMuted(true);
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
  wc.on('paint', (_e, _dirty, image) => {
    if (!feed.closed && !image.isEmpty()) feed.picture(new Uint8Array(image.toJPEG(JPEG_QUALITY)));
  });
  wc.on('did-fail-load', (_e, code, description, _url, isMainFrame) => {
    if (isMainFrame && code !== -3) feed.fail(`The web page could not be loaded (${description}).`); // -3: aborted by a navigation
  });
  wc.on('did-navigate', (_e, _url, code, status) => {
    if (code >= 400) feed.fail(`The web page answered ${code} ${status}.`.replace(' .', '.'));
  });
  wc.on('render-process-gone', () => feed.fail('The web page crashed.'));
  feed.starting();
  void win.loadURL(req.url).catch(() => {}); // did-fail-load says why
  return {
    close() {
      feed.close();
      if (!win.isDestroyed()) win.destroy();
    },
  };
};

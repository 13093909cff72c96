// Onair Studio's main process: one window, a single-instance lock, a tray icon that shows the live state, and
// the IPC handlers — each request checked against electron/ipc-guards.ts and its sender checked to be our
// window's main frame — which run StudioCore (core/studio-core.ts: the same logic the dev bridge hosts).
// Secrets are kept with safeStorage in userData; the chat socket's bearer is added here (session.webRequest),
// so the renderer never holds the token.
import {
  app,
  BrowserWindow,
  desktopCapturer,
  ipcMain,
  Menu,
  net,
  powerSaveBlocker,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  Tray,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
} from 'electron';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { locateFfmpeg } from '../../server/ffmpeg/locate.js';
import {
  broadcastRuns,
  IPC_PREFIX,
  MEDIA_PORT_CHANNEL,
  type BroadcastState,
  type EventMap,
  type EventName,
  type InvokeChannel,
} from '../ipc-contract.js';
import { INVOKE_CHANNELS, validateRequest } from '../ipc-guards.js';
import { FEED_PORT_CHANNEL, isFeedRequest } from '../source-feed.js';
import { captureTypeOf, desktopAudioFeatures, displayMediaAudio, mediaPermissionAllowed, pickCaptureSource } from './core/media-capture.js';
import { defaultPipeline } from './core/pipeline.js';
import { SCENES_FILE } from './core/scenes-file.js';
import { SecretStore } from './core/secret-store.js';
import { parseStoredDestinations } from './core/studio-destinations.js';
import { parseControlSettings } from './core/control/studio-control.js';
import { parseStoredVertical } from './core/vertical-destination.js';
import { APP_HOST, APP_SCHEME, isAppPage } from './core/app-origin.js';
import { StudioCore } from './core/studio-core.js';
import { keepAwake } from './keep-awake.js';
import { offscreenWebPages } from './web-pages.js';
import { trayLine } from '../state-line.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/electron
const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
const RENDERER_DIR = path.join(here, '..', 'renderer', 'studio');
const resources = app.isPackaged ? process.resourcesPath : path.join(here, '..', '..', 'assets');
const ICON = path.join(resources, 'icon.png');
const FFMPEG = locateFfmpeg({
  explicit: process.env.FFMPEG_PATH,
  bundled: app.isPackaged ? path.join(process.resourcesPath, 'ffmpeg', process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg') : undefined,
});

// Desktop audio on macOS 14.2+ (Chromium's Core Audio tap): a switch that must be set before the app is ready.
const audioFeatures = desktopAudioFeatures(process.platform, process.getSystemVersion());
if (audioFeatures.length) app.commandLine.appendSwitch('enable-features', audioFeatures.join(','));

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  let tray: Tray | null = null;
  let quitting = false;

  const awake = keepAwake(powerSaveBlocker);
  const emit = <E extends EventName>(event: E, payload: EventMap[E]) => {
    if (win && !win.isDestroyed()) win.webContents.send(IPC_PREFIX + event, payload);
    if (event === 'broadcast:state' || event === 'broadcast:health' || event === 'broadcast:recording') updateTray();
    if (event === 'broadcast:state' || event === 'broadcast:recording') awake(core.busy, win?.webContents ?? null);
  };

  const log = (level: 'info' | 'warn' | 'error') => (obj: object, msg?: string) =>
    console[level === 'info' ? 'log' : level](JSON.stringify({ level, msg, ...obj }));
  let core: StudioCore;

  function updateTray() {
    if (!tray) return;
    const st: BroadcastState = core.broadcastState;
    const line = trayLine(st, core.busy, Date.now());
    tray.setToolTip(`Onair Studio — ${line}`);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: line, enabled: false },
        { type: 'separator' },
        { label: 'Show Onair Studio', click: () => showWindow() },
        {
          label: 'Stop broadcast',
          enabled: broadcastRuns(st.kind),
          click: () => void core.handle('broadcast:stop', {}),
        },
        { type: 'separator' },
        { label: 'Quit', click: () => app.quit() },
      ]),
    );
  }

  function showWindow() {
    if (!win) return createWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  /** Only our own window's top frame, showing our own page, may call main. */
  function senderOk(e: IpcMainInvokeEvent | IpcMainEvent): boolean {
    if (!win || e.sender !== win.webContents) return false;
    const frame = e.senderFrame;
    if (!frame || frame !== win.webContents.mainFrame) return false;
    return isAppPage(frame.url, app.isPackaged ? undefined : process.env.ONAIR_STUDIO_DEV_URL);
  }

  function createWindow() {
    win = new BrowserWindow({
      width: 1280,
      height: 860,
      minWidth: 900,
      minHeight: 600,
      title: 'Onair Studio',
      icon: ICON,
      show: false,
      webPreferences: {
        preload: path.join(here, 'preload.cjs'),
        contextIsolation: true,
        nodeIntegration: false,
        sandbox: true,
        webSecurity: true,
        spellcheck: false,
        // The scenes compositor draws on a timer; a hidden window (live in the tray) must keep its frame rate.
        backgroundThrottling: false,
      },
    });
    win.once('ready-to-show', () => win?.show());
    win.on('close', (e) => {
      // Closing the window while live keeps the broadcast running in the tray.
      if (!quitting && broadcastRuns(core.broadcastState.kind)) {
        e.preventDefault();
        win?.hide();
      }
    });
    win.on('closed', () => (win = null));
    win.webContents.setWindowOpenHandler(({ url }) => {
      if (/^https?:\/\//.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    win.webContents.on('will-navigate', (e, url) => {
      if (!isAppPage(url, app.isPackaged ? undefined : process.env.ONAIR_STUDIO_DEV_URL)) e.preventDefault();
    });
    void win.loadURL(process.env.ONAIR_STUDIO_DEV_URL && !app.isPackaged ? process.env.ONAIR_STUDIO_DEV_URL : `${APP_ORIGIN}/index.html`);
  }

  app.on('second-instance', () => showWindow());

  app.whenReady().then(() => {
    core = new StudioCore({
      ffmpegPath: FFMPEG,
      store: new SecretStore(path.join(app.getPath('userData'), 'studio-secrets.bin'), safeStorage),
      destinationStore: new SecretStore(path.join(app.getPath('userData'), 'studio-destinations.bin'), safeStorage, parseStoredDestinations),
      controlStore: new SecretStore(path.join(app.getPath('userData'), 'studio-control.bin'), safeStorage, parseControlSettings),
      verticalStore: new SecretStore(path.join(app.getPath('userData'), 'studio-vertical.bin'), safeStorage, parseStoredVertical),
      pipeline: defaultPipeline(),
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      emit,
      chatBaseUrl: (serverUrl) => serverUrl,
      scenesFile: path.join(app.getPath('userData'), SCENES_FILE),
      feeds: { webPages: offscreenWebPages },
      // The picker's list: every screen and window but the Studio's own (capturing it would show it inside itself).
      captureTargets: async () => {
        const own = win && !win.isDestroyed() ? win.getMediaSourceId() : '';
        const sources = await desktopCapturer.getSources({ types: ['screen', 'window'], thumbnailSize: { width: 320, height: 180 } });
        return sources
          .filter((s) => s.id !== own)
          .map((s) => ({
            type: captureTypeOf(s.id),
            id: s.id,
            name: s.name,
            thumbnail: s.thumbnail.isEmpty() ? '' : `data:image/jpeg;base64,${s.thumbnail.toJPEG(70).toString('base64')}`,
          }));
      },
      hostSources: async () => {
        const displays = screen.getAllDisplays().map((d, index) => ({ index, label: `Display ${index + 1} (${d.size.width}×${d.size.height})` }));
        const windows = (await desktopCapturer.getSources({ types: ['window'], thumbnailSize: { width: 0, height: 0 } })).map((s) => ({
          id: s.id,
          title: s.name,
        }));
        return { displays, windows };
      },
    });
    // The remote control comes back on at start when the user left it on.
    void core.control.start();

    // The renderer's files, from our own scheme (no file:// access to the disk at large).
    protocol.handle(APP_SCHEME, (req) => {
      const p = decodeURIComponent(new URL(req.url).pathname);
      const file = path.resolve(RENDERER_DIR, `.${p === '/' ? '/index.html' : p}`);
      if (!file.startsWith(RENDERER_DIR + path.sep)) return new Response('forbidden', { status: 403 });
      return net.fetch(pathToFileURL(file).toString());
    });

    // Chat: add the bearer for requests to the signed-in server, and let our origin read the answers.
    const ses = session.defaultSession;
    ses.webRequest.onBeforeSendHeaders((details, cb) => {
      const token = details.url.includes('/socket.io/') ? core.bearerFor(details.url) : null;
      cb({ requestHeaders: token ? { ...details.requestHeaders, Authorization: `Bearer ${token}` } : details.requestHeaders });
    });
    ses.webRequest.onHeadersReceived((details, cb) => {
      const server = core.serverUrl();
      if (!server || !details.url.startsWith(server)) return cb({});
      const headers = { ...details.responseHeaders };
      for (const k of Object.keys(headers)) if (/^access-control-allow-(origin|credentials)$/i.test(k)) delete headers[k];
      headers['Access-Control-Allow-Origin'] = [APP_ORIGIN];
      headers['Access-Control-Allow-Credentials'] = ['true'];
      cb({ responseHeaders: headers });
    });
    // Microphones, cameras and display capture for our own page (the scenes' sources, the mixer); nothing else, for no one else.
    const devUrl = app.isPackaged ? undefined : process.env.ONAIR_STUDIO_DEV_URL;
    ses.setPermissionRequestHandler((_wc, perm, cb, details) => cb(mediaPermissionAllowed(perm, details.requestingUrl, devUrl)));
    // getDisplayMedia, for the scenes' screen source and the mixer's desktop audio: the screen or window the layer
    // chose in the Studio's picker ('capture:choose' just before), else the first screen, and the system's loopback
    // audio where there is one (the mixer keeps only the audio).
    ses.setDisplayMediaRequestHandler((request, cb) => {
      if (!request.frame || !mediaPermissionAllowed('display-capture', request.securityOrigin || request.frame.url, devUrl)) return cb({});
      const audio = displayMediaAudio(process.platform);
      const wanted = core.takeCaptureTarget();
      void desktopCapturer.getSources({ types: ['screen', 'window'] }).then(
        (sources) => {
          const video = pickCaptureSource(sources, wanted);
          cb(video ? { video, ...(audio ? { audio } : {}) } : {});
        },
        () => cb({}),
      );
    });

    for (const channel of INVOKE_CHANNELS) {
      ipcMain.handle(IPC_PREFIX + channel, async (e, request: unknown) => {
        if (!senderOk(e)) return { ok: false, error: { code: 'forbidden', message: 'Not allowed.' } };
        const v = validateRequest(channel, request);
        if (!v.ok) return v;
        return core.handle(v.channel as InvokeChannel, v.request as never);
      });
    }

    // The engine mode's media channel: chunks from the window's encoder to the sender's thread (studio-core).
    // Electron copies each message across processes.
    ipcMain.on(IPC_PREFIX + MEDIA_PORT_CHANNEL, (e) => {
      const port = e.ports[0];
      if (!port || !senderOk(e)) return port?.close();
      port.on('message', (m) => {
        const data: unknown = m.data;
        if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) core.engineChunk(data);
      });
      port.on('close', () => core.engineChannelClosed());
      port.start();
    });

    // A phone or web page layer's feed: main records the phone (adb) or renders the page offscreen and sends on the
    // port until the window closes it.
    ipcMain.on(IPC_PREFIX + FEED_PORT_CHANNEL, (e, request: unknown) => {
      const port = e.ports[0];
      if (!port || !senderOk(e) || !isFeedRequest(request)) return port?.close();
      const feed = core.openFeed(request, (m) => port.postMessage(m));
      port.on('close', () => feed.close());
      port.start();
    });

    tray = new Tray(ICON);
    updateTray();
    tray.on('click', () => showWindow());
    setInterval(updateTray, 1000).unref(); // the live timer in the tooltip
    createWindow();
  });

  app.on('before-quit', (e) => {
    if (quitting) return;
    quitting = true;
    if (core && broadcastRuns(core.broadcastState.kind)) {
      e.preventDefault();
      void core.dispose().finally(() => app.quit());
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => showWindow());
}

// Onair Studio's main process: one window, a single-instance lock, a tray icon that shows the live state, and
// the IPC handlers — each request checked against electron/ipc-contract.ts and its sender checked to be our
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
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  Tray,
  type IpcMainInvokeEvent,
} from 'electron';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { locateFfmpeg } from '../../server/ffmpeg/locate.js';
import {
  IPC_PREFIX,
  INVOKE_CHANNELS,
  validateRequest,
  type BroadcastState,
  type EventMap,
  type EventName,
  type InvokeChannel,
} from '../ipc-contract.js';
import { defaultPipeline } from './core/pipeline.js';
import { SecretStore } from './core/secret-store.js';
import { StudioCore } from './core/studio-core.js';
import { stateLine } from '../state-line.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/electron
const APP_SCHEME = 'onair-studio';
const APP_ORIGIN = `${APP_SCHEME}://app`;
const RENDERER_DIR = path.join(here, '..', 'renderer', 'studio');
const resources = app.isPackaged ? process.resourcesPath : path.join(here, '..', '..', 'assets');
const ICON = path.join(resources, 'icon.png');
const FFMPEG = locateFfmpeg({
  explicit: process.env.FFMPEG_PATH,
  bundled: app.isPackaged ? path.join(process.resourcesPath, 'ffmpeg', process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg') : undefined,
});

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  let tray: Tray | null = null;
  let quitting = false;

  const emit = <E extends EventName>(event: E, payload: EventMap[E]) => {
    if (win && !win.isDestroyed()) win.webContents.send(IPC_PREFIX + event, payload);
    if (event === 'broadcast:state' || event === 'broadcast:health') updateTray();
  };

  const log = (level: 'info' | 'warn' | 'error') => (obj: object, msg?: string) =>
    console[level === 'info' ? 'log' : level](JSON.stringify({ level, msg, ...obj }));
  let core: StudioCore;

  function updateTray() {
    if (!tray) return;
    const st: BroadcastState = core.broadcastState;
    const line = stateLine(st, Date.now());
    tray.setToolTip(`Onair Studio — ${line}`);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: line, enabled: false },
        { type: 'separator' },
        { label: 'Show Onair Studio', click: () => showWindow() },
        {
          label: 'Stop broadcast',
          enabled: ['connecting', 'live', 'reconnecting'].includes(st.kind),
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
  function senderOk(e: IpcMainInvokeEvent): boolean {
    if (!win || e.sender !== win.webContents) return false;
    const frame = e.senderFrame;
    if (!frame || frame !== win.webContents.mainFrame) return false;
    try {
      return (
        new URL(frame.url).origin === APP_ORIGIN ||
        (!!process.env.ONAIR_STUDIO_DEV_URL && new URL(frame.url).origin === new URL(process.env.ONAIR_STUDIO_DEV_URL).origin)
      );
    } catch {
      return false;
    }
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
      },
    });
    win.once('ready-to-show', () => win?.show());
    win.on('close', (e) => {
      // Closing the window while live keeps the broadcast running in the tray.
      if (!quitting && ['connecting', 'live', 'reconnecting'].includes(core.broadcastState.kind)) {
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
      if (!url.startsWith(APP_ORIGIN) && !(process.env.ONAIR_STUDIO_DEV_URL && url.startsWith(process.env.ONAIR_STUDIO_DEV_URL))) e.preventDefault();
    });
    void win.loadURL(process.env.ONAIR_STUDIO_DEV_URL && !app.isPackaged ? process.env.ONAIR_STUDIO_DEV_URL : `${APP_ORIGIN}/index.html`);
  }

  app.on('second-instance', () => showWindow());

  app.whenReady().then(() => {
    core = new StudioCore({
      ffmpegPath: FFMPEG,
      store: new SecretStore(path.join(app.getPath('userData'), 'studio-secrets.bin'), safeStorage),
      pipeline: defaultPipeline(),
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      emit,
      chatBaseUrl: (serverUrl) => serverUrl,
      hostSources: async () => {
        const displays = screen.getAllDisplays().map((d, index) => ({ index, label: `Display ${index + 1} (${d.size.width}×${d.size.height})` }));
        const windows = (await desktopCapturer.getSources({ types: ['window'], thumbnailSize: { width: 0, height: 0 } })).map((s) => ({
          id: s.id,
          title: s.name,
        }));
        return { displays, windows };
      },
    });

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
    ses.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

    for (const channel of INVOKE_CHANNELS) {
      ipcMain.handle(IPC_PREFIX + channel, async (e, request: unknown) => {
        if (!senderOk(e)) return { ok: false, error: { code: 'forbidden', message: 'Not allowed.' } };
        const v = validateRequest(channel, request);
        if (!v.ok) return v;
        return core.handle(v.channel as InvokeChannel, v.request as never);
      });
    }

    tray = new Tray(ICON);
    updateTray();
    tray.on('click', () => showWindow());
    setInterval(updateTray, 1000).unref(); // the live timer in the tooltip
    createWindow();
  });

  app.on('before-quit', (e) => {
    if (quitting) return;
    quitting = true;
    if (core && ['connecting', 'live', 'reconnecting'].includes(core.broadcastState.kind)) {
      e.preventDefault();
      void core.dispose().finally(() => app.quit());
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => showWindow());
}
